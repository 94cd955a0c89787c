"""A skill on disk: where its model and code are, and how to call it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class SkillPackage:
    """A skill folder, whatever its layout, resolved to the parts the runtime needs."""

    name: str
    """A short, stable name (folder name, or the invocation name slugified)."""
    root: Path
    """The skill's top folder."""
    layout: str
    """``ask-cli-v2``, ``ask-cli-v1``, ``legacy`` or ``plain``."""
    model_path: Path
    """The interaction model file (or the ``speechAssets`` folder for the legacy layout)."""
    code_dir: Path
    """The handler's code folder: working directory and import path of the worker."""
    runtime: str
    """``python`` or ``node``."""
    handler: str
    """Entry point, ``module.function`` (``hello_world.handler``, ``index.handler``)."""
    application_id: str
    """The applicationId sent in requests (stable per installation, or pinned by the user)."""
    invocation_name: str | None = None
    """An invocation name that overrides the model's (``--invocation``)."""
    env_dir: Path | None = None
    """The skill's own virtualenv (Python skills), when installed."""
    bundled: bool = False
    """True for skills shipped in ``skills/``."""
    allow_network: bool = False
    """The skill shares the host's network in its sandbox (granted at install with ``--allow-network``)."""
    endpoint: str | None = None
    """The HTTPS URL the skill is served at (``skill install --endpoint``); None for a skill run here."""
    api_url: str | None = None
    """For a skill at an endpoint: the assistant's API address it can reach (``--api-url``), sent as
    ``apiEndpoint``; None sends no ``apiEndpoint`` at all."""
    ca_file: Path | None = None
    """For a skill at an endpoint: a PEM file of certificates to trust besides the system's (``--ca-file``)."""
