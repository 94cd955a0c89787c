"""Shared fixtures: small inline models, the corpora location, golden-file updating."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant.settings import Settings
from assistant.skills.layout import detect
from assistant.skills.registry import Registry, dependency_fingerprint, needs_environment
from assistant.testing.skill import with_environment

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
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


@pytest.fixture(scope="session")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """XDG_CACHE_HOME with every bundled and fixture skill's environment built."""
    home = tmp_path_factory.mktemp("xdg-cache")
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), cache_dir=home / "assistant")
    scratch = tmp_path_factory.mktemp("scratch")
    packages = [*Registry(settings).bundled(), *(detect(f.parent.parent) for f in sorted(FIXTURES.glob("skills/*/test/*.yml")))]
    # One build per distinct set of dependencies (two builds of one environment would race).
    distinct = {(p.runtime, dependency_fingerprint(p)): p for p in packages if needs_environment(p)}
    try:
        with ThreadPoolExecutor(len(distinct)) as pool:
            list(pool.map(lambda p: with_environment(p, settings, scratch), distinct.values()))
    except Exception as error:  # noqa: BLE001 (offline: the registries cannot be reached)
        if any(
            w in str(error).lower() for w in ("network", "resolve", "connection", "unreachable", "eai_again")
        ):
            pytest.skip(f"cannot build the skills' environments offline: {error}")
        raise
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(home)
    try:
        yield home
    finally:
        if before is None:
            os.environ.pop("XDG_CACHE_HOME", None)
        else:
            os.environ["XDG_CACHE_HOME"] = before
