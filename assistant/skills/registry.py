"""Which skills exist: the installed ones, the bundled ones, and which of them are active.

An installed skill lives in ``settings.skills_dir/<name>/``::

    assistant-skill.json   metadata written by the installer (see ``assistant.skills.install``)
    skill/                 the skill's own files, as copied or extracted
    env/                   its virtualenv (Python skills)

Bundled skills are the folders in ``resources.bundled_skills_dir()``; their Python environments live in
``settings.data_dir/bundled-envs/<name>/`` and are made by :func:`ensure_bundled_envs` (the README's setup
commands call it; nothing here touches the network). An installed skill with the same invocation name as a
bundled one shadows it, and :attr:`Registry.notices` says so. Invocation names are compared by
``assistant.model.names.name_key`` (Unicode compatibility normalisation, case folding, confusable folding).

The installation's identity (userId, deviceId and the seed of every generated applicationId) is kept in
``settings.data_dir/identity.json``.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

from assistant import resources
from assistant.errors import AssistantError, ModelError, SkillError
from assistant.model.loader import model_for_locale
from assistant.model.names import name_key
from assistant.settings import Settings
from assistant.skills.environments import (
    build_environment,
    bundled_env,
    bundled_env_dir,
    needs_environment,
)
from assistant.skills.layout import detect, invocation_name, pinned_application_id, slugify
from assistant.skills.package import SkillPackage

logger = logging.getLogger(__name__)

METADATA = "assistant-skill.json"
"""Name of the installer's metadata file in an installation folder."""
SKILL_FOLDER = "skill"
"""Folder of an installation that holds the skill's own files."""
ENV_FOLDER = "env"
"""Folder of an installation that holds a Python skill's virtualenv."""
METADATA_FORMAT = 1
"""Version of the metadata file's shape."""


def installation_ids(settings: Settings) -> tuple[str, str]:
    """The installation's stable ``(userId, deviceId)``: ``amzn1.ask.account.<uuid>``, ``amzn1.ask.device.<uuid>``."""
    identity = _identity(settings)
    return identity["user_id"], identity["device_id"]


def room_device_id(settings: Settings, room: str) -> str:
    """The stable deviceId of one room of this installation (a satellite, named by its address):
    ``amzn1.ask.device.<uuid5(installation, "room:" + room)>``; the userId stays the installation's."""
    installation = uuid.UUID(_identity(settings)["installation_id"])
    return "amzn1.ask.device." + str(uuid.uuid5(installation, "room:" + room))


def application_id_for(settings: Settings, name: str) -> str:
    """The stable applicationId this installation gives the skill ``name``: ``amzn1.ask.skill.<uuid5>``."""
    installation = uuid.UUID(_identity(settings)["installation_id"])
    return "amzn1.ask.skill." + str(uuid.uuid5(installation, name))


def read_metadata(folder: Path) -> dict[str, Any]:
    """The installer's metadata of the installation ``folder``; SkillError if missing or broken."""
    path = folder / METADATA
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise SkillError(f"{folder}: not an installed skill ({METADATA} is missing)") from error
    except (OSError, ValueError) as error:
        raise SkillError(
            f"{path}: unreadable metadata ({error}); remove the skill and install it again"
        ) from error
    missing = [
        k
        for k in ("name", "layout", "runtime", "handler", "model_path", "code_dir", "application_id")
        if not isinstance(data.get(k), str)
    ]
    if not isinstance(data, dict) or missing:
        raise SkillError(
            f"{path}: metadata lacks {', '.join(missing)}; remove the skill and install it again"
        )
    return data


def package_from_metadata(folder: Path, data: dict[str, Any]) -> SkillPackage:
    """The SkillPackage an installation folder describes."""
    env = data.get("env")
    return SkillPackage(
        name=data["name"],
        root=folder / data.get("root", SKILL_FOLDER),
        layout=data["layout"],
        model_path=folder / data["model_path"],
        code_dir=folder / data["code_dir"],
        runtime=data["runtime"],
        handler=data["handler"],
        application_id=data["application_id"],
        invocation_name=data.get("invocation_override"),
        env_dir=folder / env if isinstance(env, str) else None,
        bundled=False,
        allow_network=data.get("allow_network") is True,
        endpoint=data["endpoint"] if isinstance(data.get("endpoint"), str) else None,
        api_url=data["api_url"] if isinstance(data.get("api_url"), str) else None,
        ca_file=Path(data["ca_file"]) if isinstance(data.get("ca_file"), str) else None,
    )


class Registry:
    """The skills of one installation; every call reads the disk afresh (only loaded models are cached, by
    modification time), so it is never stale."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        """Where to look, and the locale whose invocation names count."""
        self._spoken: dict[tuple[Path, int], str] = {}

    def installed(self) -> list[SkillPackage]:
        """The installed skills, by name."""
        folder = self.settings.skills_dir
        if not folder.is_dir():
            return []
        packages = []
        for entry in sorted(folder.iterdir()):
            if entry.name.startswith(".") or not entry.is_dir():
                continue  # staging and trash folders of an install or remove in progress
            packages.append(package_from_metadata(entry, read_metadata(entry)))
        return packages

    def bundled(self) -> list[SkillPackage]:
        """The usable skills shipped with the assistant, by name; broken ones are left out (see ``notices``)."""
        return self._bundled()[0]

    def available(self) -> list[SkillPackage]:
        """The installed skills that ship a model for this registry's locale, each with that model (an Echo in
        German offers only the skills published in German, under their German invocation names)."""
        return [p for p in (self._localized(p) for p in self.installed()) if p is not None]

    def _localized(self, package: SkillPackage) -> SkillPackage | None:
        try:
            return replace(package, model_path=model_for_locale(package.model_path, self.settings.locale))
        except ModelError as error:
            logger.info("skill %s is left out in %s: %s", package.name, self.settings.locale, error)
            return None

    def active(self) -> list[SkillPackage]:
        """Installed skills (in this locale), then the bundled ones that no installed skill shadows (if bundled
        ones are on)."""
        installed = self.available()
        if not self.settings.include_bundled:
            return installed
        taken = {name_key(self.invocation(p)) for p in installed}
        return installed + [b for b in self.bundled() if name_key(self.invocation(b)) not in taken]

    @property
    def notices(self) -> list[str]:
        """Lines for the user: skills without a model for the locale, shadowed bundled skills, unusable ones,
        ones without their environment."""
        missing = [p.name for p in self.installed() if self._localized(p) is None]
        lines = [f"no {self.settings.locale} model, left out: {', '.join(missing)}"] if missing else []
        if not self.settings.include_bundled:
            return lines
        bundled, problems = self._bundled()
        lines.extend(problems)
        installed = {name_key(self.invocation(p)): p for p in self.available()}
        for package in bundled:
            spoken = self.invocation(package)
            if name_key(spoken) in installed:
                lines.append(
                    f"installed skill {installed[name_key(spoken)].name!r} shadows the bundled skill {package.name!r} "
                    f"(both answer to {spoken!r})"
                )
            elif package.env_dir is None and needs_environment(package):
                lines.append(
                    f"bundled skill {package.name!r} has no up-to-date environment; run the README's setup command"
                )
        return lines

    def _bundled(self) -> tuple[list[SkillPackage], list[str]]:
        """The usable bundled skills, and a line for each unusable one."""
        try:
            folder = resources.bundled_skills_dir()
        except FileNotFoundError:
            return [], ["no bundled skills folder found"]
        packages, problems, elsewhere = [], [], []
        for entry in sorted(folder.iterdir()):
            if entry.name.startswith((".", "_")) or not entry.is_dir():
                continue
            name = slugify(entry.name)
            try:
                package = detect(entry, self.settings.locale)
                self.invocation(replace(package, bundled=True))  # loads and validates the model
            except AssistantError as error:
                if _other_locales_only(error, self.settings.locale):
                    elsewhere.append(name)  # not published in this locale, as on an Echo: one line for all
                    continue
                logger.error("bundled skill %s is unusable: %s", name, error)
                problems.append(f"bundled skill {name!r} is unusable: {error}")
                continue
            packages.append(
                replace(
                    package,
                    name=name,
                    bundled=True,
                    application_id=pinned_application_id(package.root, package.code_dir)
                    or application_id_for(self.settings, name),
                    env_dir=bundled_env(self.settings, name, package),
                )
            )
        if elsewhere:
            problems.append(f"no {self.settings.locale} model, left out: {', '.join(elsewhere)} (bundled)")
        return packages, problems

    def get(self, name_or_invocation: str) -> SkillPackage:
        """The active skill with that name or invocation name; SkillError listing the choices otherwise."""
        active = self.active()
        wanted = name_or_invocation.strip()
        for package in active:
            if package.name == wanted:
                return package
        spoken = name_key(wanted)
        for package in active:
            if name_key(self.invocation(package)) == spoken or package.name == slugify(wanted):
                return package
        choices = ", ".join(f"{p.name} ({self.invocation(p)!r})" for p in active) or "none"
        raise SkillError(f"no skill named or invoked {name_or_invocation!r}; available: {choices}")

    def invocation(self, package: SkillPackage) -> str:
        """The effective invocation name of a package, in this registry's locale.

        For an installed skill it is the one recorded at install time (a legacy skill's name came from the
        folder it was installed from); a bundled skill's model is loaded and validated (once per version of
        the file).
        """
        if package.invocation_name:
            return invocation_name(package, self.settings.locale)
        if not package.bundled:
            metadata = read_metadata(package.root.parent)
            recorded = metadata.get("invocation_name")
            same_model = package.model_path == package.root.parent / str(metadata.get("model_path"))
            if isinstance(recorded, str) and recorded and same_model:
                return recorded  # another locale's model has its own name, read from it below
        key = (package.model_path, _mtime(package.model_path))
        if key not in self._spoken:
            self._spoken[key] = invocation_name(package, self.settings.locale)
        return self._spoken[key]


def _other_locales_only(error: AssistantError, locale: str) -> bool:
    """True when a skill failed to load only because it ships no model for ``locale`` (the loader names the
    locales it has)."""
    text = str(error)
    return f"no {locale} " in text and "locales available" in text and text.count("; ") <= 1


def ensure_bundled_envs(settings: Settings) -> list[Path]:
    """Create the missing or outdated environments of the bundled skills (network: PyPI / npm); returns
    those made.

    Python skills get a virtualenv in ``data_dir/bundled-envs/<name>`` with their ``requirements.txt`` (or
    ask-sdk-core). Node skills with dependencies, whose code folder has no ``node_modules``, get theirs in the
    same place; the worker adds ``<env_dir>/node_modules`` to ``NODE_PATH``. An environment is rebuilt when
    the requirements it was built from changed.
    """
    made = []
    for package in Registry(settings.with_(include_bundled=True)).bundled():
        if package.env_dir is not None or not needs_environment(package):
            continue
        target = bundled_env_dir(settings, package.name)
        logger.info("building the environment of bundled skill %s in %s", package.name, target)
        build_environment(package, target)
        made.append(target)
    return made


def _mtime(path: Path) -> int:
    """Latest modification time of a file, or of a folder's files (legacy speechAssets)."""
    try:
        if path.is_dir():
            return max((p.stat().st_mtime_ns for p in path.rglob("*")), default=path.stat().st_mtime_ns)
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def _identity(settings: Settings) -> dict[str, str]:
    path = settings.data_dir / "identity.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if all(isinstance(data.get(k), str) for k in ("user_id", "device_id", "installation_id")):
            return data
        raise SkillError(
            f"{path}: incomplete identity; delete it to make a new one (skills forget their users)"
        )
    except FileNotFoundError:
        pass
    except ValueError as error:
        raise SkillError(f"{path}: unreadable ({error}); delete it to make a new one") from error
    data = {
        "user_id": f"amzn1.ask.account.{uuid.uuid4()}",
        "device_id": f"amzn1.ask.device.{uuid.uuid4()}",
        "installation_id": str(uuid.uuid4()),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".identity-{uuid.uuid4().hex}.json")
    temporary.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    try:
        # link() fails if another process made the file first; then theirs is the identity.
        os.link(temporary, path)
    except FileExistsError:
        return _identity(settings)
    finally:
        temporary.unlink()
    logger.info("created installation identity %s", path)
    return data
