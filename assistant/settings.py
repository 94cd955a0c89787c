"""One frozen ``Settings`` object, built by the CLI and passed down. Directories follow XDG."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path


def _xdg(var: str, fallback: str) -> Path:
    value = os.environ.get(var)
    return Path(value) if value else Path.home() / fallback


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable, in one place."""

    data_dir: Path = field(default_factory=lambda: _xdg("XDG_DATA_HOME", ".local/share") / "assistant")
    """Installed skills, the persistent-attribute database, the installation's ids."""
    cache_dir: Path = field(default_factory=lambda: _xdg("XDG_CACHE_HOME", ".cache") / "assistant")
    """Compiled grammars, keyed by content hash."""
    locale: str = "en-US"
    """Locale of the interaction models to load."""
    skill_timeout: float = 8.0
    """Seconds a skill handler may take before it is treated as hung."""
    worker_idle_seconds: float = 300.0
    """Seconds an idle skill worker stays warm before it is reaped."""
    seed: int | None = None
    """Seed for random prompt variations; None means unseeded."""
    include_bundled: bool = True
    """Offer the bundled skills in ``skills/`` beside the installed ones."""
    sandbox: bool = True
    """Run each skill worker in a sandbox; False (``--no-sandbox``) runs every skill as the user, unconfined."""
    stream_url_map: Mapping[str, str] = field(default_factory=dict)
    """Test-only: stream URLs a skill plays, replaced before they are opened (so a test serves a sample's internet
    stream from a local server). The CLI reads it from ``ASSISTANT_STREAM_URL_MAP``, a JSON object."""

    @property
    def skills_dir(self) -> Path:
        """Where installed skills live."""
        return self.data_dir / "skills"

    @property
    def database(self) -> Path:
        """The sqlite database of persistent attributes."""
        return self.data_dir / "attributes.sqlite3"

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]
