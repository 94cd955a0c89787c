"""Install a skill folder or archive, with its dependencies, all or nothing.

Everything happens in a staging folder under ``settings.skills_dir`` (``.staging-<hex>``): copy or extract,
detect the layout, check names, build the environment (a virtualenv with the skill's ``requirements.txt`` for
Python, ``npm install --omit=dev`` for Node), write ``assistant-skill.json``. Only when all of that succeeded is
the staging folder renamed to ``skills_dir/<name>``; on any failure it is removed and a SkillInstallError says
why (with the tail of pip's or npm's output). The installs' lock (``assistant.skills.staging``) makes the
final check that the name is free and the rename one step, so two installs of one name at once cannot both
succeed; a staging folder left by a killed install is removed by the next install, removal or listing.

The invocation name must follow Alexa's rules for the locale (``assistant.model.names``; one word only with
``brand=True``), and may not be the same as an installed skill's after Unicode normalisation and confusable
folding (full-width "ｔａｌｌｙ ｋｅｅｐｅｒ" and Cyrillic "tаlly keeper" are "tally keeper").

The applicationId is, in order: ``application_id`` given by the user, the id the skill pins (its code's
``skill_id``, ``ask-resources.json`` or ``.ask/config``), else ``amzn1.ask.skill.<uuid5(installation, name)>``,
stable for this installation.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.errors import ModelError, SkillError, SkillInstallError
from assistant.model.names import ERROR, NameProblem, name_key
from assistant.model.names import invocation_problems as name_problems
from assistant.settings import Settings
from assistant.skills import archive
from assistant.skills.endpoint import check_endpoint_url
from assistant.skills.environments import npm_install, python_env, relocate_env
from assistant.skills.layout import (
    PYTHON,
    detect,
    detect_model,
    model_invocation_name,
    pinned_application_id,
    slugify,
)
from assistant.skills.package import SkillPackage
from assistant.skills.registry import (
    ENV_FOLDER,
    METADATA,
    METADATA_FORMAT,
    SKILL_FOLDER,
    Registry,
    application_id_for,
    read_metadata,
)
from assistant.skills.staging import clean_leftovers, skills_locked, work_folder

logger = logging.getLogger(__name__)

MAX_NAME_LENGTH = 64
"""Longest folder name of an installed skill, in characters."""


def install(
    source: Path,
    settings: Settings,
    invocation: str | None = None,
    application_id: str | None = None,
    name: str | None = None,
    allow_network: bool = False,
    brand: bool = False,
    endpoint: str | None = None,
    api_url: str | None = None,
    ca_file: Path | None = None,
) -> SkillPackage:
    """Install the skill folder or archive ``source``; returns the installed package.

    With ``endpoint`` (an ``https://`` URL), the skill is served there (``assistant.skills.endpoint``): only the
    interaction model is taken from ``source``, no environment is built, and requests are POSTed to the URL;
    ``api_url`` is the ``apiEndpoint`` it is sent (else none), ``ca_file`` certificates it trusts besides the
    system's.

    ``invocation`` renames the skill's invocation name (needed when another installed skill uses it);
    ``application_id`` pins the applicationId; ``name`` overrides the folder name (default: the invocation
    name, slugified); ``allow_network`` grants the skill the host's network in its sandbox (recorded in its
    metadata as ``allow_network``); ``brand`` allows a one-word invocation name (Alexa allows one only for a
    brand). Shadowing a bundled skill is allowed and logged; ``Registry(settings).notices`` lists it.
    """
    source = Path(source).expanduser().resolve()
    if not source.exists():
        raise SkillInstallError(f"{source}: no such file or folder")
    skills_dir = settings.skills_dir
    clean_leftovers(skills_dir)
    with work_folder(skills_dir) as staging:
        staging.mkdir()
        try:
            remote = _Remote(endpoint, api_url, ca_file) if endpoint is not None else None
            return _install_staged(
                source, staging, settings, invocation, application_id, name, allow_network, brand, remote
            )
        except SkillInstallError as error:
            # Name the user's folder, not the staging copy that is about to vanish.
            message = str(error).replace(str(staging / SKILL_FOLDER), str(source))
            raise SkillInstallError(message) from error


def remove(name: str, settings: Settings) -> None:
    """Uninstall the installed skill ``name`` (or the one with that invocation name)."""
    clean_leftovers(settings.skills_dir)
    with work_folder(settings.skills_dir, ".removing-") as trash:
        with skills_locked(settings.skills_dir):
            folder = _installed_folder(name, settings)
            os.rename(folder, trash)  # atomic: the skill vanishes at once, even if the deletion is slow
        shutil.rmtree(trash)
    logger.info("removed skill %s (%s)", folder.name, folder)


def info(name: str, settings: Settings) -> dict[str, Any]:
    """What is known about an active skill (installed or bundled), as JSON-ready values."""
    registry = Registry(settings)
    package = registry.get(name)
    result: dict[str, Any] = {
        "name": package.name,
        "bundled": package.bundled,
        "layout": package.layout,
        "runtime": package.runtime,
        "handler": package.handler,
        "application_id": package.application_id,
        "invocation_name": registry.invocation(package),
        "invocation_override": package.invocation_name,
        "root": str(package.root),
        "model_path": str(package.model_path),
        "code_dir": str(package.code_dir),
        "env_dir": str(package.env_dir) if package.env_dir else None,
        "endpoint": package.endpoint,
        "api_url": package.api_url,
        "network": "allowed (granted at install with --allow-network)" if package.allow_network else "none",
    }
    if not package.bundled:
        metadata = read_metadata(package.root.parent)
        result["source"] = metadata.get("source")
        result["installed"] = metadata.get("installed")
    return result


# --- the steps -------------------------------------------------------------------------------------------


def _install_staged(
    source: Path,
    staging: Path,
    settings: Settings,
    invocation: str | None,
    application_id: str | None,
    name: str | None,
    allow_network: bool = False,
    brand: bool = False,
    remote: _Remote | None = None,
) -> SkillPackage:
    root = staging / SKILL_FOLDER
    if source.is_dir():
        archive.copy_folder(source, root)
    elif archive.is_archive(source):
        archive.extract(source, root)
    else:
        raise SkillInstallError(f"{source}: neither a skill folder nor a ZIP or tar archive")

    try:
        package = detect(root, settings.locale) if remote is None else detect_model(root, settings.locale, remote.url)
        # Validates the whole model, so a broken one is refused now rather than at run time.
        declared = model_invocation_name(package, settings.locale, folder_name=_source_name(source))
    except SkillInstallError:
        raise
    except (SkillError, ModelError) as error:
        raise SkillInstallError(
            f"cannot install {source}: " + str(error).replace(str(root), str(source))
        ) from error
    spoken = " ".join(invocation.lower().split()) if invocation else declared
    broken = [p for p in name_problems(spoken, settings.locale) if p.severity == ERROR or not brand]
    name = name or slugify(spoken) or slugify(source.stem)
    usable = bool(name) and name == slugify(name) and len(name) <= MAX_NAME_LENGTH
    final = settings.skills_dir / name
    registry = Registry(settings)
    clash = None
    if usable:
        with skills_locked(settings.skills_dir):
            clash = _clash(registry, name, spoken, invocation)
    if broken:
        raise _rules_error(source, broken, clash, given=invocation is not None)
    if not usable:
        raise SkillInstallError(
            f"skill name {name[:80]!r} is not usable: use at most {MAX_NAME_LENGTH} lower-case letters, digits "
            "and '-'"
        )
    if clash:
        raise SkillInstallError(f"cannot install {source}: {clash}")
    if settings.include_bundled:
        for bundled in registry.bundled():
            if name_key(registry.invocation(bundled)) == name_key(spoken):
                logger.warning(
                    "skill %r shadows the bundled skill %r (both answer to %r)", name, bundled.name, spoken
                )

    app_id = (
        application_id or pinned_application_id(root, package.code_dir) or application_id_for(settings, name)
    )
    package = replace(
        package,
        name=name,
        application_id=app_id,
        invocation_name=" ".join(invocation.lower().split()) if invocation else None,
        allow_network=allow_network,
    )
    if remote is not None:
        package = replace(package, endpoint=remote.url, api_url=remote.api_url, ca_file=remote.ca_file)

    env_dir: Path | None = None
    if remote is not None:
        logger.info("%s: served at %s; no environment to build", source, remote.url)
    elif package.runtime == PYTHON:
        env_dir = staging / ENV_FOLDER
        python_env(package, env_dir)
        relocate_env(env_dir, final / ENV_FOLDER)
    elif (package.code_dir / "package.json").is_file():
        npm_install(package.code_dir)
    else:
        logger.info("%s: Node skill without package.json: no dependencies to install", source)

    _write_metadata(staging, package, source, spoken, env_dir)
    with skills_locked(settings.skills_dir):
        # Again: another install may have finished meanwhile.
        clash = _clash(registry, name, spoken, invocation)
        if clash:
            raise SkillInstallError(f"cannot install {source}: {clash}")
        try:
            os.rename(staging, final)
        except OSError as error:
            raise SkillInstallError(
                f"cannot move the installed skill into {final}: {error.strerror}"
            ) from error
    logger.info("installed %s skill %r from %s into %s", package.layout, name, source, final)
    return _rebase(package, staging, final, env_dir)


@dataclass(frozen=True, slots=True)
class _Remote:
    """Where a skill installed with ``--endpoint`` is served, checked."""

    url: str
    api_url: str | None
    ca_file: Path | None

    def __post_init__(self) -> None:
        try:
            check_endpoint_url(self.url)
            if self.api_url is not None:
                check_endpoint_url(self.api_url, "--api-url")
        except SkillError as error:
            raise SkillInstallError(str(error)) from error
        if self.ca_file is not None:
            ca = Path(self.ca_file).expanduser().resolve()
            if not ca.is_file():
                raise SkillInstallError(f"--ca-file {self.ca_file}: no such file")
            object.__setattr__(self, "ca_file", ca)


def _rules_error(
    source: Path, broken: list[NameProblem], clash: str | None, given: bool
) -> SkillInstallError:
    """Every Alexa rule the invocation name breaks (and a clash with an installed name) in one error."""
    origin = "the name given with --invocation" if given else f"the invocation name of {source}"
    lines = [str(p) for p in broken] + ([clash] if clash else [])
    if not given:
        lines.append('install it under another name with --invocation "two words"')
    if all(p.severity != ERROR for p in broken):
        lines.append("install it with --brand if that one word is the skill's brand")
    return SkillInstallError(
        f"cannot install {source}: {origin} breaks Alexa's rules:\n  " + "\n  ".join(lines)
    )


def _clash(registry: Registry, name: str, spoken: str, invocation: str | None) -> str | None:
    """Why the skill cannot be installed as ``name`` answering to ``spoken``: an installed skill has this
    folder name, or an invocation name that is the same after normalisation and confusable folding."""
    installed = registry.installed()
    key = name_key(spoken)
    for other in installed:
        theirs = registry.invocation(other)
        if name_key(theirs) != key:
            continue
        hint = "choose another with --invocation" if invocation else "give this one another with --invocation"
        same = "is already used" if theirs == spoken else f"looks the same as {theirs!r}, already used"
        return f"invocation name {spoken!r} {same} by installed skill {other.name!r}; {hint}"
    final = registry.settings.skills_dir / name
    if final.exists() or any(p.name == name for p in installed):
        return f"a skill named {name!r} is already installed in {final}; remove it first"
    return None


def _source_name(source: Path) -> str:
    """The name of the folder or archive a skill came from, without archive suffixes or GitHub's -main."""
    name = source.name
    for suffix in (".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    for branch in ("-master", "-main"):
        if name.endswith(branch):
            name = name[: -len(branch)]
    return name


def _write_metadata(
    staging: Path, package: SkillPackage, source: Path, spoken: str, env_dir: Path | None
) -> None:
    data = {
        "format": METADATA_FORMAT,
        "name": package.name,
        "layout": package.layout,
        "runtime": package.runtime,
        "handler": package.handler,
        "root": SKILL_FOLDER,
        "model_path": package.model_path.relative_to(staging).as_posix(),
        "code_dir": package.code_dir.relative_to(staging).as_posix(),
        "application_id": package.application_id,
        "invocation_name": spoken,
        "invocation_override": package.invocation_name,
        "env": ENV_FOLDER if env_dir is not None else None,
        "allow_network": package.allow_network,
        "endpoint": package.endpoint,
        "api_url": package.api_url,
        "ca_file": str(package.ca_file) if package.ca_file is not None else None,
        "source": str(source),
        "installed": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    (staging / METADATA).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _rebase(package: SkillPackage, staging: Path, final: Path, env_dir: Path | None) -> SkillPackage:
    def moved(path: Path) -> Path:
        return final / path.relative_to(staging)

    return replace(
        package,
        root=moved(package.root),
        model_path=moved(package.model_path),
        code_dir=moved(package.code_dir),
        env_dir=moved(env_dir) if env_dir is not None else None,
    )


def _installed_folder(name: str, settings: Settings) -> Path:
    folder = settings.skills_dir / name
    if name and not name.startswith(".") and "/" not in name and folder.is_dir():
        return folder
    registry = Registry(settings.with_(include_bundled=False))
    for package in registry.installed():
        if name_key(registry.invocation(package)) == name_key(name):
            return package.root.parent
    installed = ", ".join(p.name for p in registry.installed()) or "none"
    raise SkillError(f"no installed skill {name!r} (installed: {installed})")


