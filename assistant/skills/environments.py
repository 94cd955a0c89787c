"""The skills' environments: what a skill needs installed (a virtualenv, ``node_modules``), built once.

Installed skills get theirs at install (``assistant.skills.install``), in ``skills_dir/<name>/env``; the bundled
skills' live in ``data_dir/bundled-envs/<name>`` and are made by ``registry.ensure_bundled_envs`` (``assistant
setup``). An environment carries a fingerprint of what it was built from, so an outdated one is known. Nothing
here runs at request time, and only the builders touch the network (PyPI, npm).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

from assistant.errors import SkillInstallError
from assistant.settings import Settings
from assistant.skills.layout import PYTHON
from assistant.skills.package import SkillPackage

logger = logging.getLogger(__name__)

BUNDLED_ENVS = "bundled-envs"
"""Folder under ``settings.data_dir`` holding the bundled skills' environments."""
FINGERPRINT = "assistant-dependencies.sha256"
"""File in an environment holding the :func:`dependency_fingerprint` it was built from."""
DEPENDENCY_TIMEOUT = 900.0
"""Seconds pip or npm may take before the install is abandoned."""
DEFAULT_PYTHON_REQUIREMENT = "ask-sdk-core"
"""Installed into a Python skill's environment when it has no requirements.txt."""
_TAIL_LINES = 25


def bundled_env_dir(settings: Settings, name: str) -> Path:
    """Where the bundled skill ``name`` keeps its environment."""
    return settings.data_dir / BUNDLED_ENVS / name


def python_in(env_dir: Path) -> Path:
    """The interpreter of a virtualenv."""
    return env_dir / "bin" / "python"


def needs_environment(package: SkillPackage) -> bool:
    """False for a skill at an endpoint, and for a Node skill whose dependencies are already there, or that has
    none."""
    if package.endpoint is not None:
        return False
    if package.runtime == PYTHON:
        return True
    if (package.code_dir / "node_modules").is_dir():
        return False
    manifest = package.code_dir / "package.json"
    try:
        dependencies = json.loads(manifest.read_text(encoding="utf-8")).get("dependencies")
    except (OSError, ValueError, AttributeError):
        return manifest.exists()
    return bool(dependencies)


def dependency_fingerprint(package: SkillPackage) -> str:
    """A hash of what a skill's environment is built from (requirements.txt, or package.json and its lock)."""
    digest = hashlib.sha256(package.runtime.encode())
    if package.runtime == PYTHON:
        files = [package.code_dir / "requirements.txt", package.root / "requirements.txt"]
        files = [next((f for f in files if f.is_file()), files[0])]
    else:
        files = [package.code_dir / n for n in ("package.json", "package-lock.json", "npm-shrinkwrap.json")]
    for file in files:
        digest.update(file.name.encode())
        digest.update(file.read_bytes() if file.is_file() else b"-")
    return digest.hexdigest()


def bundled_env(settings: Settings, name: str, package: SkillPackage) -> Path | None:
    """The bundled skill's environment when it exists and matches its requirements."""
    env = bundled_env_dir(settings, name)
    ready = python_in(env).exists() if package.runtime == PYTHON else (env / "node_modules").is_dir()
    stamp = env / FINGERPRINT
    if not ready or not stamp.is_file() or stamp.read_text().strip() != dependency_fingerprint(package):
        return None
    return env


def build_environment(package: SkillPackage, env_dir: Path) -> None:
    """Build a skill's dependencies into ``env_dir`` (created; removed again on failure).

    Python: a virtualenv with the code folder's ``requirements.txt`` (else the skill root's, else ask-sdk-core).
    Node: ``package.json`` (and its lock file) copied into ``env_dir`` and ``npm install --omit=dev`` run there.
    """
    staging = env_dir.with_name(f".{env_dir.name}-{uuid.uuid4().hex}")
    staging.parent.mkdir(parents=True, exist_ok=True)
    try:
        if package.runtime == PYTHON:
            python_env(package, staging)
            relocate_env(staging, env_dir)
        else:
            staging.mkdir()
            manifest = package.code_dir / "package.json"
            if not manifest.is_file():
                raise SkillInstallError(
                    f"{package.code_dir}: no package.json to install the Node dependencies from"
                )
            for file in ("package.json", "package-lock.json", "npm-shrinkwrap.json"):
                if (package.code_dir / file).is_file():
                    shutil.copy2(package.code_dir / file, staging / file)
            npm_install(staging)
        (staging / FINGERPRINT).write_text(dependency_fingerprint(package) + "\n", encoding="utf-8")
        if env_dir.exists():
            shutil.rmtree(env_dir)
        os.rename(staging, env_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def python_env(package: SkillPackage, env_dir: Path) -> None:
    _run([sys.executable, "-m", "venv", str(env_dir)], cwd=package.code_dir, what="python -m venv")
    pip = [str(python_in(env_dir)), "-m", "pip", "install", "--disable-pip-version-check", "--no-input"]
    requirements = next(
        (
            p
            for p in (package.code_dir / "requirements.txt", package.root / "requirements.txt")
            if p.is_file()
        ),
        None,
    )
    if requirements is not None:
        _run(
            [*pip, "-r", str(requirements)],
            cwd=requirements.parent,
            what=f"pip install -r {requirements.name}",
        )
    else:
        logger.info("%s: no requirements.txt; installing %s", package.root, DEFAULT_PYTHON_REQUIREMENT)
        _run(
            [*pip, DEFAULT_PYTHON_REQUIREMENT],
            cwd=package.code_dir,
            what=f"pip install {DEFAULT_PYTHON_REQUIREMENT}",
        )


def relocate_env(env_dir: Path, final_env: Path) -> None:
    """Point the scripts of a virtualenv built at ``env_dir`` to where it will live, ``final_env``."""
    old, new = str(env_dir), str(final_env)
    for path in [*(env_dir / "bin").iterdir(), env_dir / "pyvenv.cfg"]:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > 1_000_000:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if old in text:
            path.write_text(text.replace(old, new), encoding="utf-8")


def npm_install(folder: Path) -> None:
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise SkillInstallError(
            "this is a Node skill, but node/npm is not installed: install the nodejs and npm packages "
            "(Debian/Ubuntu: apt-get install nodejs npm)"
        )
    _run(
        [npm, "install", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=folder,
        what="npm install",
    )


def _run(command: list[str], cwd: Path, what: str) -> None:
    logger.info("running %s in %s", " ".join(command), cwd)
    try:
        done = subprocess.run(
            command,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            timeout=DEPENDENCY_TIMEOUT,
            check=False,
        )
    except FileNotFoundError as error:
        raise SkillInstallError(f"{what}: {command[0]} not found") from error
    except subprocess.TimeoutExpired as error:
        raise SkillInstallError(
            f"{what} took longer than {DEPENDENCY_TIMEOUT:.0f} s and was stopped"
        ) from error
    if done.returncode != 0:
        tail = "\n".join(done.stdout.strip().splitlines()[-_TAIL_LINES:])
        raise SkillInstallError(f"{what} failed (exit {done.returncode}) in {cwd}:\n{tail}")
