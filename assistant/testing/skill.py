"""Which skill a test file tests, and the environment it runs in.

A YAML file belongs to the skill project it sits in: the folders above it are tried (a ``test`` or ``tests``
folder's parent first) until one holds the configuration's ``interactionModel`` (or, without one, is a skill
folder of any layout ``assistant.skills.layout`` knows). A file that sits in no skill project tests the skill
whose folder ``assistant test`` runs in, wherever the file lives. The configuration's ``handler`` and
``interactionModel`` override what the layout says.

The skill runs in its installed environment when it is installed or bundled (same folder, or same invocation
name and same dependencies); a Python skill with its own ``.venv`` uses that; otherwise an environment is built
once in ``cache_dir/test-envs/<runtime>-<dependency hash>`` (a venv with its requirements, or ``npm install``
of its package.json): the only network use, at test setup. A Node skill then runs from a scratch copy of its
folder whose ``node_modules`` links to the cached one (Node finds modules next to the code, not by NODE_PATH
for ES modules), so the developer's folder is left as it was.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import replace
from pathlib import Path

from assistant.errors import AssistantError, SkillError
from assistant.settings import Settings
from assistant.skills.environments import (
    FINGERPRINT,
    build_environment,
    dependency_fingerprint,
    needs_environment,
    python_in,
)
from assistant.skills.layout import NODE, PYTHON, detect, invocation_name
from assistant.skills.package import SkillPackage
from assistant.skills.registry import Registry
from assistant.testing.bespoken import Configuration

logger = logging.getLogger(__name__)

TEST_ENVS = "test-envs"
"""Folder under ``settings.cache_dir`` with the environments built for tests."""
LOCAL_ENVS = (".venv", "venv", "env")
"""A Python skill's own virtualenv folders, looked for in its code folder and its root."""
MAX_LEVELS = 4
"""How many folders above a test file are tried as the skill's project folder."""
_SUFFIXES = {".py": PYTHON, ".js": NODE, ".cjs": NODE, ".mjs": NODE}


def project_folder(test_file: Path, configuration: Configuration, locale: str) -> Path:
    """The skill project a test file belongs to; SkillError naming the folders tried."""
    start = test_file.resolve().parent
    if start.name in ("test", "tests"):
        start = start.parent
    tried = []
    folder = start
    for _ in range(MAX_LEVELS):
        tried.append(folder)
        if _holds(folder, configuration, locale):
            return folder
        if folder.parent == folder:
            break
        folder = folder.parent
    here = Path.cwd()
    if here not in tried and _holds(here, configuration, locale):
        return here  # a file kept elsewhere, run inside a skill's folder, tests that skill (as the README says)
    tried.append(here)
    wanted = (
        f"holds {configuration.interaction_model}" if configuration.interaction_model else "is a skill folder"
    )
    raise SkillError(
        f"{test_file}: no folder above it {wanted} (tried {', '.join(str(f) for f in tried)}); "
        "run from the skill's folder, or name the skill with --skill"
    )


def _holds(folder: Path, configuration: Configuration, locale: str) -> bool:
    """Whether ``folder`` holds the configuration's interaction model or, without one, is a skill folder."""
    if configuration.interaction_model:
        return (folder / configuration.interaction_model).exists()
    try:
        detect(folder, locale)
    except AssistantError:
        return False
    return True


def skill_for(
    test_file: Path, configuration: Configuration, settings: Settings, skill: str | None = None
) -> SkillPackage:
    """The skill package a test file tests: ``skill`` (an installed or bundled skill's name) when given, else
    the project folder's, with the configuration's overrides applied."""
    locale = configuration.locale or settings.locale
    if skill is not None:
        package = Registry(settings.with_(locale=locale)).get(skill)
        return _override(package, package.root, configuration)
    root = project_folder(test_file, configuration, locale)
    try:
        package = detect(root, locale)
    except AssistantError as error:
        if not (configuration.handler and configuration.interaction_model):
            raise
        logger.info("%s: layout not recognised (%s); using the test configuration", root, error)
        package = SkillPackage(
            name=root.name,
            root=root,
            layout="plain",
            model_path=root,
            code_dir=root,
            runtime=PYTHON,
            handler="index.handler",
            application_id=f"amzn1.ask.skill.test-{root.name}",
        )
    package = _override(package, root, configuration)
    if configuration.application_id:
        package = replace(package, application_id=configuration.application_id)
    return package


def _override(package: SkillPackage, root: Path, configuration: Configuration) -> SkillPackage:
    if configuration.interaction_model:
        model = root / configuration.interaction_model
        if not model.exists():
            raise SkillError(
                f"{root}: the configured interactionModel {configuration.interaction_model} is missing"
            )
        package = replace(package, model_path=model)
    if configuration.handler:
        location, _, function = configuration.handler.rpartition(".")
        if not location or not function:
            raise SkillError(
                f"configuration handler {configuration.handler!r} is not path/to/module.function"
            )
        module = root / location
        found = [(module.with_suffix(s), r) for s, r in _SUFFIXES.items() if module.with_suffix(s).is_file()]
        if not found:
            raise SkillError(
                f"{root}: the configured handler {configuration.handler} names no file "
                f"({module}.py or {module}.js)"
            )
        file, runtime = found[0]
        package = replace(package, code_dir=file.parent, handler=f"{file.stem}.{function}", runtime=runtime)
    return package


def with_environment(package: SkillPackage, settings: Settings, scratch: Path) -> SkillPackage:
    """The package with an environment to run in (see the module's docstring); builds one when needed.
    ``scratch`` is a folder the caller removes afterwards, for the copy of a Node skill."""
    if package.env_dir is not None or not needs_environment(package):
        return package
    if package.runtime == PYTHON:
        for folder in (package.code_dir, package.root):
            for name in LOCAL_ENVS:
                if python_in(folder / name).exists():
                    return replace(package, env_dir=folder / name)
    fingerprint = dependency_fingerprint(package)
    for known in _known(settings):
        same_folder = known.root.resolve() == package.root.resolve()
        if known.env_dir is not None and (same_folder or _same_skill(known, package, settings, fingerprint)):
            logger.info("skill %s: using the environment of %s (%s)", package.name, known.name, known.env_dir)
            return replace(package, env_dir=known.env_dir)
    env = settings.cache_dir / TEST_ENVS / f"{package.runtime}-{fingerprint[:16]}"
    ready = python_in(env).exists() if package.runtime == PYTHON else (env / "node_modules").is_dir()
    stamp = env / FINGERPRINT
    if not (ready and stamp.is_file() and stamp.read_text().strip() == fingerprint):
        logger.warning(
            "setting up an environment for skill %s in %s (needs the network once)", package.name, env
        )
        build_environment(package, env)
    if package.runtime == NODE:
        return _node_copy(package, env, scratch)
    return replace(package, env_dir=env)


def _node_copy(package: SkillPackage, env: Path, scratch: Path) -> SkillPackage:
    """A copy of a Node skill's folder in ``scratch`` with ``node_modules`` linked to the built one."""
    copy = scratch / f"{package.name}-{len(list(scratch.iterdir())) if scratch.is_dir() else 0}"
    shutil.copytree(package.root, copy, symlinks=True, ignore=shutil.ignore_patterns("node_modules", ".git"))

    def moved(path: Path) -> Path:
        try:
            return copy / path.resolve().relative_to(package.root.resolve())
        except ValueError:
            return path

    code_dir = moved(package.code_dir)
    (code_dir / "node_modules").symlink_to(env / "node_modules", target_is_directory=True)
    return replace(package, root=copy, code_dir=code_dir, model_path=moved(package.model_path), env_dir=env)


def _known(settings: Settings) -> list[SkillPackage]:
    registry = Registry(settings.with_(include_bundled=True))
    try:
        return [*registry.installed(), *registry.bundled()]
    except AssistantError as error:  # a broken installation must not stop tests of a project folder
        logger.info("installed skills not consulted: %s", error)
        return registry.bundled()


def _same_skill(known: SkillPackage, package: SkillPackage, settings: Settings, fingerprint: str) -> bool:
    try:
        same_name = invocation_name(known, settings.locale) == invocation_name(package, settings.locale)
        return same_name and known.runtime == package.runtime and dependency_fingerprint(known) == fingerprint
    except AssistantError:
        return False
