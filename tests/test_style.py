"""One style: ``ruff check`` is enforced (``make lint``), ``ruff format`` is not, so the tree carries no formatter
markers (``fmt: skip``, ``fmt: off`` comments) that would suggest otherwise (CONTRIBUTING.md)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKERS = ("# fmt: " + "skip", "# fmt: " + "off", "# fmt: " + "on")


def test_no_formatter_markers() -> None:
    files = [f for folder in ("assistant", "tests", "bench", "tools") for f in sorted((ROOT / folder).rglob("*.py"))]
    assert len(files) > 100
    marked = [
        f"{file.relative_to(ROOT)}:{number}"
        for file in files
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1)
        if any(marker in line for marker in MARKERS)
    ]
    assert marked == []
