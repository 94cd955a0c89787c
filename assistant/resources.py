"""Where the shipped data lives: ``grammars/`` and ``skills/`` in a checkout, or package data when installed."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the assistant's {name}/ folder is missing (looked in {_PACKAGE}/_data and {_PACKAGE.parent})")


def grammars_dir() -> Path:
    """The hand-written JSGF grammars for built-in slot types and intents."""
    return _find("grammars")


def bundled_skills_dir() -> Path:
    """The skills that ship with the assistant."""
    return _find("skills")
