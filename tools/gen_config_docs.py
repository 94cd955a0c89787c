"""Write docs/configuration.md from the field docstrings of the assistant's settings dataclasses.

Every tunable is a field of a frozen dataclass with a docstring under it; this script reads those docstrings from
the source (``ast``) and the defaults from the classes themselves, so the page cannot say what the code does not.
``tests/test_config_docs.py`` fails when the committed page and the code drift apart.

    python tools/gen_config_docs.py            # rewrite docs/configuration.md
    python tools/gen_config_docs.py --check    # exit 1 if it is stale
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import enum
import importlib
import inspect
import sys
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "configuration.md"

SECTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("Settings", "assistant.settings", "Settings",
     "One object built by the CLI from its options (`--data-dir`, `--locale`, `--timeout`, `--seed`, "
     "`--no-bundled`, `--no-sandbox`) and passed down."),
    ("The recogniser", "assistant.asr.decoder", "DecoderConfig",
     "pocketsphinx and the rejection of out-of-grammar speech. The benchmarks take `--set field=value`."),
    ("Plausibility limits", "assistant.asr.plausible", "PlausibilityLimits",
     "When a recognised sentence does not account for the audio (`DecoderConfig.plausibility`)."),
    ("The voice loop", "assistant.voice.loop", "LoopOptions",
     "Grouped by concern; a field is named by its dotted path (`wake.threshold`, `utterance.endpoint.window`), "
     "as `voice.loop.with_settings` and the voice benchmarks' `--set` take it. `assistant run` sets some of "
     "them from its options (`--wake-threshold`, `--answer-timeout`, `--endpoint-window`, `--barge-in`)."),
    ("The sandbox's limits", "assistant.skills.sandbox", "Limits",
     "Resource limits of one sandboxed skill worker."),
)
"""(title, module, class, what the section is about), in the order of the page."""


def field_docs(cls: type) -> dict[str, str]:
    """Each field's docstring (the string literal right after its annotated assignment), from the source."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs: dict[str, str] = {}
    for node, after in zip(body, [*body[1:], None], strict=True):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[node.target.id] = " ".join(inspect.cleandoc(after.value.value).split())
    return docs


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return dataclasses.MISSING


def _shown(value: Any, name: str) -> str:
    if value is dataclasses.MISSING:
        return "(required)"
    if isinstance(value, enum.Enum):
        return f"`{type(value).__name__}.{value.name}`"
    if isinstance(value, Path):
        return "see below" if name in ("data_dir", "cache_dir") else f"`{value}`"
    if callable(value):
        return f"`{getattr(value, '__name__', 'a function')}`"
    return f"`{value!r}`"


def rows(cls: type, prefix: str = "") -> list[tuple[str, str, str]]:
    """(dotted name, default, doc) of every field; fields whose default is itself a settings dataclass are
    expanded into their own fields."""
    docs = field_docs(cls)
    out: list[tuple[str, str, str]] = []
    for f in dataclasses.fields(cls):
        name = prefix + f.name
        default = _default(f)
        if dataclasses.is_dataclass(default) and not isinstance(default, type):
            out.append((name, "", docs.get(f.name, "")))
            out.extend(rows(type(default), name + "."))
        else:
            out.append((name, _shown(default, f.name), docs.get(f.name, "")))
    return out


def render() -> str:
    """The whole page."""
    lines = [
        "# Configuration",
        "",
        "Every tunable of the assistant, with its default. Generated from the field docstrings by",
        "`python tools/gen_config_docs.py`; do not edit by hand (`tests/test_config_docs.py` fails when the two",
        "drift apart). What the defaults gained, and what was tried instead: [research.md](research.md).",
    ]
    for title, module, name, about in SECTIONS:
        cls = getattr(importlib.import_module(module), name)
        lines += ["", f"## {title}: `{module}.{name}`", "", about, "", "| field | default | meaning |",
                  "|---|---|---|"]
        for field_name, default, doc in rows(cls):
            escaped = doc.replace("|", "\\|")
            lines.append(f"| `{field_name}` | {default} | {escaped} |")
    lines += [
        "",
        "`data_dir` defaults to `$XDG_DATA_HOME/assistant` (else `~/.local/share/assistant`), `cache_dir` to",
        "`$XDG_CACHE_HOME/assistant` (else `~/.cache/assistant`).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--check", action="store_true", help="exit 1 when docs/configuration.md is stale")
    args = p.parse_args(argv)
    text = render()
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is stale: run python tools/gen_config_docs.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
