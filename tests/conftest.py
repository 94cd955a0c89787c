"""Shared fixtures: small inline models, the corpora location, the public samples, golden-file updating."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant.settings import Settings
from assistant.skills.environments import dependency_fingerprint, needs_environment
from assistant.skills.layout import detect
from assistant.skills.registry import Registry
from assistant.testing.skill import with_environment

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPORA = Path(os.environ.get("ASSISTANT_CORPORA", ROOT.parent / "shared" / "corpora"))
SAMPLES = ROOT.parent / "shared" / "samples"
"""The public Alexa samples, unmodified (../shared/samples/README.md); read from there, never copied."""
REQUIRE_SAMPLES = "ASSISTANT_REQUIRE_SAMPLES"
"""Set to 1 (CI, ``.ci/run``): a missing sample fails its tests instead of skipping them."""


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


def require_sample(folder: Path) -> Path:
    """The sample's folder, or a skip naming what is missing (a failure with ASSISTANT_REQUIRE_SAMPLES=1)."""
    if not folder.is_dir():
        reason = f"the public Alexa sample {folder.name} is not in {folder.parent}"
        if os.environ.get(REQUIRE_SAMPLES) == "1" or os.environ.get("CI"):
            pytest.fail(f"{REQUIRE_SAMPLES}=1 but {reason}")
        pytest.skip(reason)
    return folder


class SampleInstalls:
    """The public samples installed unchanged by the real installer, each once per test session, into one data
    folder (the skill names are the installer's: ``nodejs-fact`` becomes ``change-me``)."""

    def __init__(self, data: Path) -> None:
        self.settings = Settings(data_dir=data, cache_dir=data / "cache", include_bundled=False, skill_timeout=10)
        """The data folder the samples are installed in."""
        self._names: dict[str, str] = {}

    def install(self, folder: str) -> str:
        """Install ``../shared/samples/<folder>`` (once) and return its skill name; a skip (or a CI failure)
        when the sample is absent, a skip when its dependencies cannot be fetched offline."""
        if folder not in self._names:
            from assistant.skills import install

            source = require_sample(SAMPLES / folder)
            try:
                package = install.install(source, self.settings)
            except Exception as error:  # noqa: BLE001 (offline: the npm registry or PyPI cannot be reached)
                words = ("network", "resolve", "connection", "unreachable", "enotfound", "eai_again")
                if any(w in str(error).lower() for w in words):
                    pytest.skip(f"cannot install {folder} offline: {error}")
                raise
            isps = FIXTURES / "isps" / folder  # products a sample keeps in Amazon's console (skill install --isps)
            if isps.is_dir():
                from assistant.cli.skill_services import load_products

                load_products(package, self.settings, isps)
            self._names[folder] = package.name
        return self._names[folder]


@pytest.fixture(scope="session")
def sample_installs(tmp_path_factory: pytest.TempPathFactory) -> SampleInstalls:
    """The public samples, installed on first use and shared by every test of the session."""
    return SampleInstalls(tmp_path_factory.mktemp("samples-data"))
