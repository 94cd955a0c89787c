"""Installing a test skill into a data folder, skipping when its package registry cannot be reached."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import Settings
from assistant.skills import install


def installed(source: Path, data: Path, name: str, **options: object) -> Settings:
    settings = Settings(data_dir=data, include_bundled=False, skill_timeout=15)
    try:
        install.install(source, settings, name=name, **options)  # type: ignore[arg-type]
    except Exception as error:  # noqa: BLE001 (offline: the package registries cannot be reached)
        words = ("network", "resolve", "connection", "unreachable", "enotfound")
        if any(w in str(error).lower() for w in words):
            pytest.skip(f"cannot install {source.name} offline: {error}")
        raise
    return settings
