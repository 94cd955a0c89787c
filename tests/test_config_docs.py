"""docs/configuration.md is generated from the settings dataclasses' field docstrings, and stays so."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_config_docs", ROOT / "tools" / "gen_config_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_page_is_what_the_code_says() -> None:
    gen = _generator()
    committed = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert committed == gen.render(), "docs/configuration.md is stale: run python tools/gen_config_docs.py"


def test_every_field_has_a_docstring() -> None:
    gen = _generator()
    import importlib

    seen = 0
    for _, module, name, _ in gen.SECTIONS:
        rows = gen.rows(getattr(importlib.import_module(module), name))
        seen += len(rows)
        assert [field for field, _, doc in rows if not doc] == [], f"{module}.{name}: fields without a docstring"
    assert seen > 60
