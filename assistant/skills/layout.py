"""Recognise a skill folder, whatever its layout, and resolve it to a :class:`SkillPackage`.

Four layouts are known, checked in this order:

- ``ask-cli-v2``: ``skill-package/interactionModels/custom/<locale>.json``, code in ``lambda/`` (or wherever
  ``ask-resources.json`` ``profiles.default.code.default.src`` says), handler and runtime in
  ``profiles.default.skillInfrastructure.userConfig``;
- ``ask-cli-v1``: ``models/<locale>.json``, code in ``lambda/py`` or ``lambda/custom`` (or the ``sourceDir`` of
  ``.ask/config`` / ``skill.json``), handler and runtime in ``.ask/config``
  ``deploy_settings.default.resources.lambda[0]``. A ``sourceDir`` of ``lambda/py/lambda_upload``, which the
  samples' pre-deploy hook builds by copying ``lambda/py``, means ``lambda/py`` (``UPLOAD_FOLDER``);
- ``legacy`` (2015-2017 samples): ``speechAssets/`` and ``src/index.js``, handler ``index.handler`` on Node;
- ``plain``: any folder holding one interaction model JSON and a handler file.

When no config names the handler, the conventions are ``lambda_function.lambda_handler`` (Python) and
``index.handler`` (Node); when the conventional file is missing, the module that builds
``handler = sb.lambda_handler()`` or assigns ``exports.handler`` is found by reading the code.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import ModelError, Problem, SkillError
from assistant.model.loader import find_model, load_model
from assistant.skills.package import SkillPackage

logger = logging.getLogger(__name__)

PYTHON = "python"
NODE = "node"
ENDPOINT = "endpoint"
"""The runtime of a skill served at an HTTPS endpoint (``assistant skill install --endpoint``)."""

_NODE_SUFFIXES = (".js", ".cjs", ".mjs")
_PY_ASSIGNED_HANDLER = re.compile(r"^(\w+)\s*=\s*[\w.]+\.lambda_handler\(\s*\)", re.MULTILINE)
_PY_DEF_HANDLER = re.compile(r"^def\s+(lambda_handler|handler)\s*\(\s*\w+\s*,\s*\w+", re.MULTILINE)
_NODE_EXPORTED = re.compile(r"^\s*(?:module\.)?exports\.(\w+)\s*=", re.MULTILINE)
_SKILL_ID = r"(amzn1\.(?:ask\.skill|echo-sdk-ams\.app)\.[0-9A-Za-z][0-9A-Za-z.\-]*)"
_CODE_PINNED_ID = (
    re.compile(r"skill_id\s*=\s*[\"']" + _SKILL_ID + r"[\"']"),
    re.compile(r"withSkillId\(\s*[\"']" + _SKILL_ID + r"[\"']"),
    re.compile(r"(?:APP_ID|appId|APPLICATION_ID)\s*=\s*[\"']" + _SKILL_ID + r"[\"']"),
)
_NOT_MODELS = {"skill.json", "package.json", "package-lock.json", "ask-resources.json", "tsconfig.json"}


@dataclass(frozen=True, slots=True)
class _HandlerConfig:
    """What a layout's config file says about the code, each part None when it says nothing."""

    handler: str | None
    """Entry point ``module.function`` as configured."""
    runtime: str | None
    """Lambda runtime as configured, e.g. ``python3.8`` or ``nodejs12.x``."""
    code_dir: Path | None
    """The configured code folder."""
    source: str
    """The file it came from, for messages."""


def detect(root: Path, locale: str = "en-US", application_id: str | None = None) -> SkillPackage:
    """Resolve the skill folder ``root`` to a package; raises SkillError naming the folder and what is missing.

    ``application_id`` defaults to the id the skill pins (code or config), else one derived from the folder's
    path; an installation replaces it with its own stable id.
    """
    root = Path(root).resolve()
    if not root.is_dir():
        raise SkillError(f"{root}: not a folder")
    if (root / "skill-package").is_dir():
        layout, model_path, config = "ask-cli-v2", _model_path(root, locale), _v2_config(root)
        default_code = [root / "lambda"]
    elif (root / "models").is_dir():
        layout, model_path, config = "ask-cli-v1", _model_path(root, locale), _v1_config(root)
        default_code = [root / "lambda" / "py", root / "lambda" / "custom", root / "lambda"]
    elif (root / "speechAssets").is_dir():
        layout, model_path = "legacy", _model_path(root, locale)
        config = _HandlerConfig(None, None, None, "")
        default_code = [root / "src", root / "lambda" / "custom", root / "lambda", root]
    else:
        layout, config = "plain", _HandlerConfig(None, None, None, "")
        model_path = _model_path(root, locale, plain=True)
        default_code = [
            root,
            root / "lambda",
            root / "lambda" / "py",
            root / "lambda" / "custom",
            root / "src",
        ]

    code_dir = _code_dir(root, layout, config, default_code)
    runtime = _runtime(root, code_dir, config, legacy=layout == "legacy")
    handler = _handler(root, code_dir, runtime, config)
    package = SkillPackage(
        name=slugify(root.name) or "skill",
        root=root,
        layout=layout,
        model_path=model_path,
        code_dir=code_dir,
        runtime=runtime,
        handler=handler,
        application_id=application_id or pinned_application_id(root, code_dir) or _path_application_id(root),
    )
    logger.debug("detected %s skill in %s: %s handler %s", layout, root, runtime, handler)
    return package


def detect_model(root: Path, locale: str, endpoint: str) -> SkillPackage:
    """The folder ``root`` as a skill served at ``endpoint``: only its interaction model is used, so a folder
    with no handler code (or code of any language) will do. SkillError when it holds no model."""
    root = Path(root).resolve()
    try:
        package = detect(root, locale)
    except SkillError:
        if (root / "skill-package").is_dir():
            layout = "ask-cli-v2"
        elif (root / "models").is_dir():
            layout = "ask-cli-v1"
        elif (root / "speechAssets").is_dir():
            layout = "legacy"
        else:
            layout = "plain"
        model_path = _model_path(root, locale, plain=layout == "plain")
        package = SkillPackage(
            name=slugify(root.name) or "skill",
            root=root,
            layout=layout,
            model_path=model_path,
            code_dir=root,
            runtime=ENDPOINT,
            handler=endpoint,
            application_id=_path_application_id(root),
        )
    return SkillPackage(
        name=package.name,
        root=root,
        layout=package.layout,
        model_path=package.model_path,
        code_dir=root,
        runtime=ENDPOINT,
        handler=endpoint,
        application_id=package.application_id,
    )


def slugify(text: str) -> str:
    """A short, stable, file-system-safe name: lower case, words joined by ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def handler_file(package: SkillPackage) -> Path:
    """The source file of the package's entry point module."""
    module = package.handler.rsplit(".", 1)[0]
    found = _module_file(package.code_dir, module, package.runtime)
    if found is None:
        raise SkillError(
            f"{package.root}: handler {package.handler!r}: no module file {module} in {package.code_dir}"
        )
    return found


def pinned_application_id(root: Path, code_dir: Path | None = None) -> str | None:
    """The applicationId the skill pins, if any: its code's ``skill_id`` first (the SDK verifies that one),
    then ``ask-resources.json`` / ``.ask/ask-states.json`` ``skillId``, then ``.ask/config`` ``skill_id``."""
    if code_dir is not None and code_dir.is_dir():
        for path in sorted(code_dir.iterdir()):
            if path.suffix in (".py", *_NODE_SUFFIXES) and path.is_file():
                text = _read_text(path)
                for pattern in _CODE_PINNED_ID:
                    match = pattern.search(text)
                    if match:
                        return match.group(1)
    for relative, keys in (
        ("ask-resources.json", ("profiles", "default", "skillId")),
        (".ask/ask-states.json", ("profiles", "default", "skillId")),
        (".ask/config", ("deploy_settings", "default", "skill_id")),
    ):
        path = root / relative
        if path.is_file():
            value = _dig(_read_json(path), keys)
            if isinstance(value, str) and re.fullmatch(_SKILL_ID, value):
                return value
    return None


def model_invocation_name(
    package: SkillPackage, locale: str = "en-US", folder_name: str | None = None
) -> str:
    """The invocation name the skill's model declares, lower case; the model is loaded and validated, so a
    broken model raises ModelError listing every problem.

    Legacy models declare none (it was typed into the developer console): ``skill.json``'s published name for
    the locale is used if there is one, else ``folder_name`` (default: the skill folder's name) with
    separators as spaces.
    """
    if package.model_path.is_dir():
        load_model(package.model_path, locale)  # validate it all the same
        manifest = package.root / "skill.json"
        if manifest.is_file():
            locales = _dig(_read_json(manifest), ("manifest", "publishingInformation", "locales"))
            if isinstance(locales, dict):
                entry = locales.get(locale) or next(iter(locales.values()), None)
                if isinstance(entry, dict) and isinstance(entry.get("name"), str) and entry["name"].strip():
                    return _normalise_name(entry["name"])
        name = folder_name or package.root.name
        return _normalise_name(re.sub(r"[-_.]+", " ", name))
    return _normalise_name(load_model(package.model_path, locale).invocation_name)


def invocation_name(package: SkillPackage, locale: str = "en-US") -> str:
    """The name users say to open the skill: the override if set, else the model's."""
    if package.invocation_name:
        return _normalise_name(package.invocation_name)
    return model_invocation_name(package, locale)


def runtime_of(lambda_runtime: str, source: str) -> str:
    """``python`` or ``node`` for a Lambda runtime string (``python3.8``, ``nodejs12.x``)."""
    value = lambda_runtime.strip().lower()
    if value.startswith("python3"):
        return PYTHON
    if value.startswith("nodejs") or value == "node":
        return NODE
    raise SkillError(f"{source}: runtime {lambda_runtime!r} is not supported (only python3.x and nodejs*)")


# --- layouts ---------------------------------------------------------------------------------------------


def _model_path(root: Path, locale: str, plain: bool = False) -> Path:
    """The model file (or legacy speechAssets folder) the loader would read for ``locale``."""
    try:
        return find_model(root, locale)
    except ModelError as error:
        if plain and not _locale_names_present(root):
            return _single_model_file(root, locale)
        raise SkillError(f"{root}: " + "; ".join(_problem_in(root, p) for p in error.problems)) from error


def _problem_in(root: Path, problem: Problem) -> str:
    """A loader problem, with its file shown relative to the skill folder."""
    if problem.file and Path(problem.file).is_relative_to(root) and Path(problem.file) != root:
        return f"{Path(problem.file).relative_to(root)}: {problem.message}"
    return problem.message


def _v2_config(root: Path) -> _HandlerConfig:
    path = root / "ask-resources.json"
    if not path.is_file():
        return _HandlerConfig(None, None, None, "")
    data = _read_json(path)
    profile = _dig(data, ("profiles", "default"))
    if not isinstance(profile, dict):
        raise SkillError(f"{path}: no profiles.default")
    user = _dig(profile, ("skillInfrastructure", "userConfig")) or {}
    src = _dig(profile, ("code", "default", "src"))
    return _HandlerConfig(
        handler=_str_or_none(user.get("handler"), path, "handler"),
        runtime=_str_or_none(user.get("runtime"), path, "runtime"),
        code_dir=_inside(root, src, path) if isinstance(src, str) and src else None,
        source=str(path),
    )


def _v1_config(root: Path) -> _HandlerConfig:
    path = root / ".ask" / "config"
    handler = runtime = None
    code_dir = None
    source = ""
    if path.is_file():
        source = str(path)
        lambdas = _dig(_read_json(path), ("deploy_settings", "default", "resources", "lambda"))
        if isinstance(lambdas, list) and lambdas and isinstance(lambdas[0], dict):
            first = lambdas[0]
            handler = _str_or_none(first.get("handler"), path, "handler")
            runtime = _str_or_none(first.get("runtime"), path, "runtime")
            src = first.get("sourceDir")
            if isinstance(src, str) and src:
                code_dir = _inside(root, src, path)
    manifest = root / "skill.json"
    if code_dir is None and manifest.is_file():
        src = _dig(_read_json(manifest), ("manifest", "apis", "custom", "endpoint", "sourceDir"))
        if isinstance(src, str) and src:
            code_dir = _inside(root, src, manifest)
            source = source or str(manifest)
    return _HandlerConfig(handler, runtime, code_dir, source)


def _locale_names_present(root: Path) -> bool:
    """True when the folder holds models the loader recognised but could not use (e.g. other locales)."""
    return any(
        (root / sub).is_dir()
        for sub in (
            "skill-package/interactionModels/custom",
            "interactionModels/custom",
            "models",
            "speechAssets",
        )
    ) or any(re.fullmatch(r"[a-z]{2}[-_][A-Za-z]{2}", p.stem) for p in root.glob("*.json"))


def _single_model_file(root: Path, locale: str) -> Path:
    """A plain folder's one ``*.json`` holding an interactionModel, whatever its name."""
    models = [p for p in sorted(root.glob("*.json")) if p.name not in _NOT_MODELS and _holds_model(p)]
    if len(models) == 1:
        return models[0]
    if not models:
        raise SkillError(
            f"{root}: no interaction model: expected skill-package/, models/, speechAssets/, {locale}.json "
            "or one *.json file holding an interactionModel"
        )
    names = ", ".join(p.name for p in models)
    raise SkillError(f"{root}: several interaction models ({names}); keep one or name it {locale}.json")


# --- code, runtime, handler ------------------------------------------------------------------------------


UPLOAD_FOLDER = "lambda_upload"
"""The folder ASK CLI v1 samples' ``hooks/pre_deploy_hook`` builds by copying its parent (``lambda/py``) and
pip-installing the requirements into it; their ``sourceDir`` names it, though a clone never has it."""


def _code_dir(root: Path, layout: str, config: _HandlerConfig, defaults: list[Path]) -> Path:
    if config.code_dir is not None:
        copied = config.code_dir.parent
        if config.code_dir.name == UPLOAD_FOLDER and not config.code_dir.is_dir() and copied.is_dir():
            # The deploy hook would copy this folder there: run the source it copies (nothing else is in it
            # but the requirements, which the installer puts in the skill's environment).
            logger.info(
                "%s: %s (from %s) is built at deploy time; using %s",
                root,
                config.code_dir.name,
                config.source,
                copied.relative_to(root),
            )
            return copied
        if not config.code_dir.is_dir():
            raise SkillError(
                f"{root}: code folder {config.code_dir.relative_to(root)} (from {config.source}) is missing"
            )
        return config.code_dir
    for candidate in defaults:
        if candidate.is_dir() and _has_code(candidate):
            return candidate
    tried = ", ".join(str(p.relative_to(root)) or "." for p in defaults)
    raise SkillError(f"{root}: {layout} skill without handler code: none of {tried} holds a .py or .js file")


def _has_code(folder: Path) -> bool:
    return any(p.is_file() and p.suffix in (".py", *_NODE_SUFFIXES) for p in folder.iterdir())


def _runtime(root: Path, code_dir: Path, config: _HandlerConfig, legacy: bool) -> str:
    if config.runtime:
        return runtime_of(config.runtime, config.source)
    if config.handler:
        module = config.handler.rsplit(".", 1)[0]
        for runtime in (PYTHON, NODE):
            if _module_file(code_dir, module, runtime) is not None:
                return runtime
    names = {p.name for p in code_dir.iterdir()}
    if "lambda_function.py" in names or "requirements.txt" in names:
        return PYTHON
    if "index.js" in names or "package.json" in names or legacy:
        return NODE
    if any(n.endswith(".py") for n in names):
        return PYTHON
    if any(n.endswith(_NODE_SUFFIXES) for n in names):
        return NODE
    raise SkillError(f"{root}: cannot tell the runtime: {code_dir} has no Python or Node code")


def _handler(root: Path, code_dir: Path, runtime: str, config: _HandlerConfig) -> str:
    if config.handler:
        if "." not in config.handler:
            raise SkillError(
                f"{config.source}: handler {config.handler!r} is not of the form module.function"
            )
        module = config.handler.rsplit(".", 1)[0]
        if _module_file(code_dir, module, runtime) is None:
            raise SkillError(
                f"{root}: handler {config.handler!r} (from {config.source}) names module {module!r}, "
                f"but {code_dir} has no such {runtime} file"
            )
        return config.handler
    conventional = "lambda_function.lambda_handler" if runtime == PYTHON else "index.handler"
    if _module_file(code_dir, conventional.split(".")[0], runtime) is not None:
        return conventional
    found = _find_entry_point(code_dir, runtime)
    if found is None:
        expected = "lambda_function.py" if runtime == PYTHON else "index.js"
        what = "calls .lambda_handler()" if runtime == PYTHON else "assigns exports.handler"
        raise SkillError(f"{root}: no handler: {code_dir} has no {expected} and no module that {what}")
    return found


def _find_entry_point(code_dir: Path, runtime: str) -> str | None:
    suffixes = (".py",) if runtime == PYTHON else _NODE_SUFFIXES
    candidates: list[str] = []
    for path in sorted(code_dir.iterdir()):
        if not (path.is_file() and path.suffix in suffixes):
            continue
        text = _read_text(path)
        if runtime == PYTHON:
            match = _PY_ASSIGNED_HANDLER.search(text) or _PY_DEF_HANDLER.search(text)
            if match:
                candidates.append(f"{path.stem}.{match.group(1)}")
        else:
            exported = _NODE_EXPORTED.findall(text)
            if "handler" in exported:
                candidates.append(f"{path.stem}.handler")
    if len(candidates) > 1:
        logger.warning("%s: several possible entry points %s; using %s", code_dir, candidates, candidates[0])
    return candidates[0] if candidates else None


def _module_file(code_dir: Path, module: str, runtime: str) -> Path | None:
    if runtime == PYTHON:
        options = [
            code_dir / (module.replace(".", "/") + ".py"),
            code_dir / module.replace(".", "/") / "__init__.py",
        ]
    else:
        options = [code_dir / (module + suffix) for suffix in _NODE_SUFFIXES]
        options.append(code_dir / module / "index.js")
    return next((p for p in options if p.is_file()), None)


# --- small helpers ---------------------------------------------------------------------------------------


def _path_application_id(root: Path) -> str:
    return "amzn1.ask.skill." + str(uuid.uuid5(uuid.NAMESPACE_URL, root.as_uri()))


def _normalise_name(name: str) -> str:
    return " ".join(name.lower().split())


def _inside(root: Path, relative: str, source: Path) -> Path:
    path = (root / relative).resolve()
    if path != root and root not in path.parents:
        raise SkillError(f"{source}: code folder {relative!r} lies outside the skill folder {root}")
    return path


def _str_or_none(value: Any, source: Path, key: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise SkillError(f"{source}: {key} must be a string, not {value!r}")
    return value


def _dig(data: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise SkillError(f"{path}: cannot read: {error.strerror}") from error


def _read_json(path: Path) -> Any:
    try:
        return json.loads(_read_text(path))
    except json.JSONDecodeError as error:
        raise SkillError(f"{path}: line {error.lineno}: invalid JSON: {error.msg}") from error


def _holds_model(path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "interactionModel" in data
