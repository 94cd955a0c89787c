"""Shared fixtures: small inline models, the corpora location, golden-file updating."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPORA = Path(os.environ.get("ASSISTANT_CORPORA", ROOT.parent / "shared" / "corpora"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/* from the current output")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def corpora() -> Path:
    if not (CORPORA / "barista" / "model.json").exists():
        pytest.skip(f"the speech corpora are not at {CORPORA} (they live in ../shared/corpora beside the checkout)")
    return CORPORA
