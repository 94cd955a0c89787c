"""Every document the code cites, and every document the README and docs/ link to, is in the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITED = re.compile(r"(?<![\w./-])((?:docs/)?[\w-]+\.md)\b")
"""``docs/alexa-behaviour.md``, ``CONTRIBUTING.md``: a path from the repository's root (paths outside it, such as
``../shared/…``, and ones relative to the citing file, are not matched)."""
LINK = re.compile(r"\]\(([^)#\s]+\.md)(?:#[^)]*)?\)")


def test_documents_the_code_cites_exist() -> None:
    missing = set()
    seen = 0
    for folder in ("assistant", "bench", "tools"):
        for file in (ROOT / folder).rglob("*"):
            if file.suffix not in (".py", ".json", ".js") or "node_modules" in file.parts:
                continue
            for name in CITED.findall(file.read_text(encoding="utf-8", errors="replace")):
                seen += 1
                if not (ROOT / name).is_file() and not (ROOT / "docs" / name).is_file():
                    missing.add(f"{file.relative_to(ROOT)}: {name}")
    assert seen > 5
    assert sorted(missing) == []


def test_links_between_the_documents_resolve() -> None:
    pages = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
    broken = [
        f"{page.relative_to(ROOT)}: {target}"
        for page in pages
        for target in LINK.findall(page.read_text(encoding="utf-8"))
        if not target.startswith(("http://", "https://")) and not (page.parent / target).is_file()
    ]
    assert broken == []
    assert (ROOT / "docs" / "alexa-behaviour.md").is_file()
