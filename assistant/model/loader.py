"""Load an Alexa interaction model from any layout users have, validate it, and return the frozen types.

Layouts, tried in this order for a skill folder:

- ASK CLI v2: ``<root>/skill-package/interactionModels/custom/<locale>.json``
- ASK CLI v1: ``<root>/models/<locale>.json``
- legacy (2015-2017): ``<root>/speechAssets/IntentSchema.json`` + ``SampleUtterances.txt`` (or
  ``SampleUtterances_en_US.txt``) + ``customSlotTypes/<TYPE>``
- a bare model file: ``{"interactionModel": {...}}`` or ``{"languageModel": ..., "dialog": ..., "prompts": ...}``

Validation runs in two passes over the same data, and both always run, so a user sees every problem at once:
the project's JSON Schema (``schema/interaction-model.schema.json``), then the cross-references a schema cannot
express (slot types, ``{slot}`` references, dialog intents and slots, prompt ids, validation rules, duplicates).
Every problem names the file, a JSON pointer (or ``line N`` for legacy text files) and the intent, slot or type.

Legacy models carry no invocation name (it lived in the developer console), so it is taken from the published
name for the locale in the skill folder's ``skill.json`` when there is one, else from the folder's name:
``space-geek/speechAssets`` is invoked as "space geek".
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from ..errors import ModelError, Problem
from .builtins import BUILTIN_INTENTS, BUILTIN_SLOT_TYPES, VALIDATION_TYPES
from .diskcache import DiskCache, make_key
from .phones import CMU_PHONES
from .types import (
    DEFAULT_DELEGATION_STRATEGY,
    Dialog,
    DialogIntent,
    DialogSlot,
    Intent,
    InteractionModel,
    Prompt,
    Slot,
    SlotType,
    TypeValue,
    Validation,
    Variation,
)

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 32 * 1024 * 1024
"""Largest model or side file read, in bytes (Amazon's own limit on a model is far lower)."""
MAX_DEPTH = 100
"""Deepest nesting of JSON arrays and objects accepted; real models nest about 10 deep."""
MAX_NODES = 5_000_000
"""Most JSON values (objects, arrays and scalars) accepted in one model."""

PRONUNCIATION_FILES = ("pronunciations.txt", "pronunciations.dict")
"""Names of the optional CMU-format pronunciation files looked for beside the model and in the skill root."""

_LOCALE = re.compile(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z0-9]{2,4}))?$")
_LEGACY_LOCALE = re.compile(
    r"^(?:IntentSchema|SampleUtterances)_([A-Za-z]{2,3}_[A-Za-z0-9]{2,4})\.(?:json|txt)$"
)
_SLOT_REF = re.compile(r"\{([^{}]*)\}")
_LEGACY_SLOT_REF = re.compile(r"\{[^{}|]*\|([^{}|]+)\}")
_VARIANT = re.compile(r"\(\d+\)$")
_COMPARISONS = frozenset({"isGreaterThan", "isGreaterThanOrEqualTo", "isLessThan", "isLessThanOrEqualTo"})
_SETS = frozenset({"isInSet", "isNotInSet"})
_DURATIONS = frozenset({"isInDuration", "isNotInDuration"})
_LM = "/interactionModel/languageModel"


# --------------------------------------------------------------------------------------------------- public API


def find_model(path: Path, locale: str = "en-US") -> Path:
    """The model file for ``locale`` under ``path`` (a skill folder, a model folder or a file), or the legacy
    speechAssets folder; raises ModelError naming the locales that exist when ``locale`` has no model."""
    locale = _canonical_locale(locale)
    path = Path(path)
    if path.is_file():
        if path.name.startswith(("IntentSchema", "SampleUtterances")):
            return path.parent
        return path
    if not path.is_dir():
        raise ModelError("no such file or folder", file=str(path))
    for folder in (
        path / "skill-package" / "interactionModels" / "custom",
        path / "interactionModels" / "custom",
        path / "models",
    ):
        if folder.is_dir():
            return _locale_file(folder, locale)
    for folder in (path / "speechAssets", path):
        if folder.is_dir() and _legacy_file(folder, "IntentSchema", ".json", locale):
            _legacy_file(folder, "SampleUtterances", ".txt", locale)
            return folder
    if _locale_names(path):
        return _locale_file(path, locale)
    raise ModelError(
        "no interaction model found: looked for skill-package/interactionModels/custom/<locale>.json, "
        "models/<locale>.json, speechAssets/IntentSchema.json and <locale>.json",
        file=str(path),
    )


def load_model(path: Path, locale: str = "en-US", cache: DiskCache | None = None) -> InteractionModel:
    """Load and validate the model for ``locale`` from a skill folder in any layout, a speechAssets folder or a
    model file; raises ModelError listing every problem found.

    With ``cache``, a model file that was loaded before (same bytes, same pronunciation files, same loader) is
    taken from it instead of being validated again (a 100,000-value type takes seconds to validate)."""
    locale = _canonical_locale(locale)
    found = find_model(Path(path), locale)
    key = _cache_key(found, locale) if cache is not None and found.is_file() else None
    if cache is not None and key is not None:
        cached = cache.load(key, lambda value: isinstance(value, InteractionModel))
        if isinstance(cached, InteractionModel):
            return cached
    model = _load(found, locale)
    if cache is not None and key is not None:
        cache.store(key, model)
    return model


def _cache_key(found: Path, locale: str) -> str | None:
    """What a model file's loading depends on: its bytes and its pronunciation files (None if unreadable)."""
    parts: list[str | bytes] = ["model", str(found), locale]
    try:
        parts.append(found.read_bytes())
        for folder in (found.parent, _skill_root(found)):
            for name in PRONUNCIATION_FILES:
                file = folder / name
                parts += [str(file), file.read_bytes() if file.is_file() else b"-"]
    except OSError:
        return None
    return make_key(*parts)


def _load(found: Path, locale: str) -> InteractionModel:
    report = _Report(str(found))
    if found.is_dir():
        data = _legacy_model(found, locale, report)
        model_dirs = [found, found.parent if found.name.lower() == "speechassets" else found]
    else:
        data = _read_json(found)
        model_dirs = [found.parent, _skill_root(found)]
    pronunciations = _read_pronunciations(model_dirs, report)
    model = _validated(data, locale, report)
    if report.problems or model is None:
        raise ModelError(report.problems or [Problem("unusable model", file=str(found))])
    log.debug(
        "loaded %s model %r from %s: %d intents", locale, model.invocation_name, found, len(model.intents)
    )
    return _with_pronunciations(model, pronunciations)


def model_from_dict(
    data: dict[str, Any], source: str = "<memory>", locale: str = "en-US"
) -> InteractionModel:
    """Validate an already parsed model (``{"interactionModel": ...}`` or ``{"languageModel": ...}``) like
    load_model does; ``source`` names it in messages."""
    locale = _canonical_locale(locale)
    report = _Report(source)
    model = _validated(data, locale, report)
    if report.problems or model is None:
        raise ModelError(report.problems or [Problem("unusable model", file=source)])
    return model


# --------------------------------------------------------------------------------------------------- problems


@dataclass(slots=True)
class _Report:
    """Problems found so far, and where each part of the normalised model came from."""

    source: str
    """The file (or ``<memory>``) the model was read from."""
    origins: dict[str, tuple[str, str, bool]] = field(default_factory=dict)
    """Pointer prefix in the normalised ``{"interactionModel": ...}`` -> (file, pointer or ``line N`` there,
    whether the file is JSON, so that the rest of a longer pointer carries over)."""
    problems: list[Problem] = field(default_factory=list)
    """Every problem, in the order found."""
    warnings: list[Problem] = field(default_factory=list)
    """What Alexa's build accepts and the skill runs with, but a developer may want to fix (``assistant lint``
    and ``assistant skill install`` show them)."""
    seen: set[Problem] = field(default_factory=set)
    """The problems added through ``add``, so that none is reported twice."""

    def add(self, message: str, pointer: str = "", subject: str | None = None) -> None:
        """Record a problem at a pointer of the normalised model."""
        file, where = self.locate(pointer)
        problem = Problem(message, file=file, pointer=where or None, subject=subject)
        if problem not in self.seen:
            self.seen.add(problem)
            self.problems.append(problem)

    def warn(self, message: str, pointer: str = "", subject: str | None = None) -> None:
        """Record a warning at a pointer of the normalised model: the model is still used."""
        file, where = self.locate(pointer)
        warning = Problem(message, file=file, pointer=where or None, subject=subject)
        if warning not in self.warnings:
            self.warnings.append(warning)

    def read_text(self, file: Path) -> str | None:
        """A side file's text, or None after recording why it cannot be read."""
        try:
            return _read_text(file)
        except ModelError as exc:
            self.problems.extend(exc.problems)
            return None

    def locate(self, pointer: str) -> tuple[str, str]:
        """The user's file and pointer (or line) for a pointer of the normalised model."""
        best: str | None = None
        for prefix in self.origins:
            if (pointer == prefix or pointer.startswith(prefix + "/")) and (
                best is None or len(prefix) > len(best)
            ):
                best = prefix
        if best is None:
            return self.source, pointer
        file, base, is_json = self.origins[best]
        return file, base + pointer[len(best) :] if is_json else base


def _pointer(*parts: object) -> str:
    """A JSON pointer (RFC 6901) from path parts."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _short(text: str, limit: int = 80) -> str:
    """A string quoted for a message, cut to ``limit`` characters."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _kind(value: object) -> str:
    """The JSON name of a value's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    for py, name in ((str, "string"), (list, "array"), (dict, "object")):
        if isinstance(value, py):
            return name
    return type(value).__name__


# --------------------------------------------------------------------------------------------------- files


def _canonical_locale(locale: str) -> str:
    """``en_us`` -> ``en-US``; raises ModelError for anything that is not a locale."""
    match = _LOCALE.match(locale) if isinstance(locale, str) else None
    if not match:
        raise ModelError(f"{locale!r} is not a locale such as en-US")
    language, region = match.groups()
    if region is None:
        return language.lower()
    return f"{language.lower()}-{region.upper() if len(region) == 2 else region}"


def _locale_names(folder: Path) -> dict[str, Path]:
    """The ``<locale>.json`` files of a folder, by canonical locale."""
    found: dict[str, Path] = {}
    for file in sorted(folder.glob("*.json")):
        if _LOCALE.match(file.stem) and file.is_file():
            found.setdefault(_canonical_locale(file.stem), file)
    return found


def _locale_file(folder: Path, locale: str) -> Path:
    """``folder/<locale>.json``, or a ModelError naming the locales the folder has."""
    files = _locale_names(folder)
    if locale in files:
        return files[locale]
    available = ", ".join(files) if files else "none"
    raise ModelError(
        f"no {locale} interaction model ({locale}.json); locales available: {available}", file=str(folder)
    )


def _legacy_file(folder: Path, stem: str, suffix: str, locale: str) -> Path | None:
    """``<stem>_<ll_CC><suffix>`` for the locale, else the plain ``<stem><suffix>``, else None; a ModelError
    naming the locales there are when only other locales' files exist."""
    specific = folder / f"{stem}_{locale.replace('-', '_')}{suffix}"
    plain = folder / f"{stem}{suffix}"
    for file in (specific, plain):
        if file.is_file():
            return file
    others = sorted(
        _canonical_locale(m.group(1))
        for f in folder.glob(f"{stem}_*{suffix}")
        if (m := _LEGACY_LOCALE.match(f.name))
    )
    if others:
        raise ModelError(
            f"no {locale} {stem} ({specific.name}); locales available: {', '.join(others)}", file=str(folder)
        )
    return None


def _skill_root(model_file: Path) -> Path:
    """The skill folder a model file belongs to (its own folder for a bare file)."""
    parts = [p.lower() for p in model_file.resolve().parts]
    if parts[-4:-1] == ["skill-package", "interactionmodels", "custom"]:
        return model_file.resolve().parents[3]
    if parts[-3:-1] == ["interactionmodels", "custom"]:
        return model_file.resolve().parents[2]
    if parts[-2:-1] == ["models"]:
        return model_file.resolve().parents[1]
    return model_file.parent


def _read_text(file: Path) -> str:
    """A UTF-8 text file (a BOM is allowed); ModelError when it is too big, unreadable or not UTF-8."""
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ModelError(
                f"file is {size} bytes, more than the {MAX_FILE_BYTES} byte limit", file=str(file)
            )
        raw = file.read_bytes()
    except OSError as exc:
        raise ModelError(f"cannot read: {exc.strerror or exc}", file=str(file)) from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ModelError(
            Problem(f"not UTF-8 text: {exc.reason}", file=str(file), pointer=f"byte {exc.start}")
        ) from exc


def _read_json(file: Path) -> Any:
    """A parsed JSON file; ModelError with the line and column of a syntax error."""
    text = _read_text(file)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelError(
            Problem(
                f"not valid JSON: {exc.msg}", file=str(file), pointer=f"line {exc.lineno} column {exc.colno}"
            )
        ) from exc
    except RecursionError as exc:
        raise ModelError(
            f"JSON nested more deeply than Python can parse (limit {MAX_DEPTH})", file=str(file)
        ) from exc
    except ValueError as exc:  # e.g. an integer literal with more digits than Python converts
        raise ModelError(f"not usable JSON: {exc}", file=str(file)) from exc


def _read_pronunciations(folders: list[Path], report: _Report) -> tuple[tuple[str, str], ...]:
    """Entries of every pronunciation file in ``folders``: (lower-case word, CMU phones without stress)."""
    entries: list[tuple[str, str]] = []
    seen: set[Path] = set()
    for folder in folders:
        for name in PRONUNCIATION_FILES:
            file = (folder / name).resolve()
            if file in seen or not file.is_file():
                continue
            seen.add(file)
            text = report.read_text(file)
            if text is not None:
                entries.extend(_parse_pronunciations(text, str(folder / name), report))
    return tuple(dict.fromkeys(entries))


def _parse_pronunciations(text: str, file: str, report: _Report) -> Iterator[tuple[str, str]]:
    """CMU dictionary lines ``word  PH1 PH2`` (``word(2)`` variants, stress digits and ``;;;``/``#`` comments
    allowed)."""
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith(";;;"):
            continue
        word, *phones = line.split()
        word = _VARIANT.sub("", word.lower())
        phones = [p.upper().rstrip("012") for p in phones]
        unknown = [p for p in phones if p not in CMU_PHONES]
        if not phones:
            report.problems.append(
                Problem(f"no phones after {_short(word)}", file=file, pointer=f"line {number}")
            )
        elif unknown:
            report.problems.append(
                Problem(
                    f"unknown phone(s) {', '.join(unknown)}; CMU phones are {' '.join(sorted(CMU_PHONES))}",
                    file=file,
                    pointer=f"line {number}",
                    subject=f"word {word}",
                )
            )
        else:
            yield word, " ".join(phones)


def _with_pronunciations(
    model: InteractionModel, pronunciations: tuple[tuple[str, str], ...]
) -> InteractionModel:
    """The model with skill-supplied pronunciations attached."""
    return replace(model, pronunciations=pronunciations) if pronunciations else model


# --------------------------------------------------------------------------------------------------- legacy


def _legacy_model(folder: Path, locale: str, report: _Report) -> dict[str, Any]:
    """Convert a speechAssets folder into the modern model dict, recording in ``report.origins`` which file and
    line each part came from so that later problems point there."""
    schema_file = _legacy_file(folder, "IntentSchema", ".json", locale)
    if schema_file is None:
        raise ModelError("missing IntentSchema.json", file=str(folder))
    schema = _read_json(schema_file)
    report.origins[""] = (str(folder), "", False)
    report.origins[f"{_LM}/intents"] = (str(schema_file), "/intents", True)
    intents: list[dict[str, Any]] = []
    by_name: dict[str, int] = {}
    raw = schema.get("intents") if isinstance(schema, dict) else None
    if not isinstance(raw, list):
        report.problems.append(Problem('expected {"intents": [...]}', file=str(schema_file)))
        raw = []
    for index, item in enumerate(raw):
        name = item.get("intent") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name.strip():
            report.problems.append(
                Problem(
                    'expected {"intent": "<name>", "slots": [...]}',
                    file=str(schema_file),
                    pointer=_pointer("intents", index),
                )
            )
            continue
        intent: dict[str, Any] = {"name": name, "samples": []}
        if "slots" in item:
            intent["slots"] = item["slots"]
        report.origins[_pointer("interactionModel", "languageModel", "intents", len(intents))] = (
            str(schema_file),
            _pointer("intents", index),
            True,
        )
        by_name.setdefault(name, len(intents))
        intents.append(intent)

    utterances = _legacy_file(folder, "SampleUtterances", ".txt", locale)
    if utterances is None:
        if any(not name.startswith("AMAZON.") for name in by_name):
            report.problems.append(Problem("missing SampleUtterances.txt", file=str(folder)))
    else:
        _legacy_utterances(utterances, intents, by_name, report)

    types: list[dict[str, Any]] = []
    type_folder = folder / "customSlotTypes"
    if type_folder.is_dir():
        for file in sorted(f for f in type_folder.iterdir() if f.is_file() and not f.name.startswith(".")):
            type_pointer = _pointer("interactionModel", "languageModel", "types", len(types))
            report.origins[type_pointer] = (str(file), "", False)
            values: list[dict[str, Any]] = []
            for number, line in enumerate((report.read_text(file) or "").splitlines(), start=1):
                if line.strip():
                    report.origins[f"{type_pointer}/values/{len(values)}"] = (
                        str(file),
                        f"line {number}",
                        False,
                    )
                    values.append({"name": {"value": line.strip()}})
            types.append({"name": file.name.removesuffix(".txt"), "values": values})

    root = folder.parent if folder.name.lower() == "speechassets" else folder
    invocation, origin = _legacy_invocation(root, locale)
    report.origins[f"{_LM}/invocationName"] = (str(origin), "", False)
    log.info("legacy model in %s carries no invocation name; using %r from %s", folder, invocation, origin)
    return {
        "interactionModel": {
            "languageModel": {"invocationName": invocation, "intents": intents, "types": types}
        }
    }


def _legacy_invocation(root: Path, locale: str) -> tuple[str, Path]:
    """The published name in ``skill.json`` for the locale (or its first locale), else the folder's name with
    separators as spaces; and the file or folder it came from."""
    manifest = root / "skill.json"
    try:
        data = json.loads(_read_text(manifest)) if manifest.is_file() else None
    except (ModelError, ValueError, RecursionError):
        log.debug("ignoring unreadable %s", manifest)
        data = None
    locales = _obj(_obj(_obj(data).get("manifest")).get("publishingInformation")).get("locales")
    if isinstance(locales, dict) and locales:
        entry = _obj(locales.get(locale) or next(iter(locales.values())))
        if name := _name(entry.get("name")):
            return " ".join(name.lower().split()), manifest
    return " ".join(re.sub(r"[^\w']+|[\d_]+", " ", root.name).lower().split()), root


def _legacy_utterances(
    file: Path, intents: list[dict[str, Any]], by_name: dict[str, int], report: _Report
) -> None:
    """Add ``IntentName words {slot}`` lines to their intents; ``{literal|slot}`` becomes ``{slot}``."""
    for number, line in enumerate((report.read_text(file) or "").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith(("#", "//")):
            continue
        name, *rest = line.split(None, 1)
        words = _LEGACY_SLOT_REF.sub(lambda m: "{" + m.group(1) + "}", rest[0] if rest else "")
        index = by_name.get(name)
        where = f"line {number}"
        if not words:
            report.problems.append(Problem(f"no words after intent {name}", file=str(file), pointer=where))
        elif index is None:
            report.problems.append(
                Problem(f"intent {name} is not in the IntentSchema", file=str(file), pointer=where)
            )
        else:
            samples = intents[index]["samples"]
            report.origins[f"{_LM}/intents/{index}/samples/{len(samples)}"] = (str(file), where, False)
            samples.append(words)


# --------------------------------------------------------------------------------------------------- validation


@functools.cache
def _validator() -> Draft202012Validator:
    """The validator for the project's interaction model schema, built once."""
    file = resources.files("assistant.model.schema").joinpath("interaction-model.schema.json")
    schema = json.loads(file.read_text("utf-8"))
    return Draft202012Validator(_inline_refs(schema, schema["$defs"]))


def _inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    """The schema with every local ``{"$ref": "#/$defs/x"}`` replaced by its definition (the schema has no
    cycles); otherwise jsonschema spends a third of its time resolving references."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and len(node) == 1:
            return _inline_refs(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline_refs(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline_refs(v, defs) for v in node]
    return node


def _validated(data: Any, locale: str, report: _Report) -> InteractionModel | None:
    """Check ``data`` with the schema and the cross-reference rules, adding every problem to ``report``; the
    model when there were none."""
    if not isinstance(data, dict):
        report.add(f"expected a JSON object at the top, found {_kind(data)}")
        return None
    if "interactionModel" not in data and "languageModel" in data:
        data = {"interactionModel": data}
        report.origins.setdefault("/interactionModel", (report.source, "", True))
    elif "interactionModel" not in data:
        report.add('expected {"interactionModel": {...}} or {"languageModel": {...}}')
        return None
    if not _shape_ok(data, report):
        return None
    errors = _validator().iter_errors(data)
    for error in sorted(
        errors, key=lambda e: [(0, p, "") if isinstance(p, int) else (1, 0, p) for p in e.absolute_path]
    ):
        path = list(error.absolute_path)
        report.add(_schema_message(error), _pointer(*path), _subject_at(data, path))
    im = data["interactionModel"]
    if isinstance(im, dict):
        _Checker(im, report).run()
    if report.problems:
        return None
    return replace(_build(im, locale, report.source), warnings=tuple(report.warnings))


def _shape_ok(data: Any, report: _Report) -> bool:
    """Reject, without recursion, nesting deeper than MAX_DEPTH, more than MAX_NODES values, non-string keys and
    values that JSON has no type for."""
    stack: list[tuple[Any, int, tuple[object, ...]]] = [(data, 0, ())]
    nodes = 0
    while stack:
        value, depth, path = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            report.add(f"more than {MAX_NODES} JSON values; not a model this runtime can load")
            return False
        if depth > MAX_DEPTH:
            report.add(f"nested more than {MAX_DEPTH} levels deep", _pointer(*path[:MAX_DEPTH]))
            return False
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    report.add(f"object key {key!r} is not a string", _pointer(*path))
                    return False
                stack.append((item, depth + 1, (*path, key) if depth < MAX_DEPTH else path))
        elif isinstance(value, list):
            stack.extend(
                (item, depth + 1, (*path, i) if depth < MAX_DEPTH else path) for i, item in enumerate(value)
            )
        elif not isinstance(value, str | int | float | bool) and value is not None:
            report.add(f"{type(value).__name__} is not a JSON value", _pointer(*path))
            return False
    return True


def _schema_message(error: ValidationError) -> str:
    """A short message for a schema error, quoting at most a little of the offending value."""
    keyword, expected, value = error.validator, error.validator_value, error.instance
    if keyword == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        return f"expected {' or '.join(map(str, kinds))}, found {_kind(value)}"
    if keyword == "pattern":
        return "must not be empty or blank"
    if keyword == "minItems":
        return f"must have at least {expected} item(s)"
    if keyword == "enum":
        shown = _short(value) if isinstance(value, str) else _kind(value)
        choices = ", ".join(str(e) for e in expected)  # type: ignore[union-attr]
        return f"must be one of {choices}, found {shown}"
    if keyword == "required":
        return error.message
    return error.message[:200]


_LABELS = {
    "intents": "intent",
    "slots": "slot",
    "types": "type",
    "prompts": "prompt",
    "validations": "validation",
}


def _subject_at(data: Any, path: list[Any]) -> str | None:
    """``intent X, slot y`` for a path into the normalised model, naming each array item it passes through."""
    parts: list[str] = []
    node = data
    for parent, key in zip([None, *path], path, strict=False):
        in_object = isinstance(node, dict) and isinstance(key, str) and key in node
        in_array = isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)
        if not (in_object or in_array):
            break
        node = node[key]
        if isinstance(key, int) and isinstance(node, dict) and parent in _LABELS:
            name = (
                node.get("id")
                if parent == "prompts"
                else node.get("type" if parent == "validations" else "name")
            )
            if _name(name):
                parts.append(f"{_LABELS[parent]} {name}")
        elif parent == "values" and isinstance(node, dict):
            value = node.get("name", {}).get("value") if isinstance(node.get("name"), dict) else None
            if _name(value):
                parts.append(f"value {value}")
    if parts and path[:2] == ["interactionModel", "dialog"]:
        parts[0] = "dialog " + parts[0]
    return ", ".join(parts) or None


def _items(value: object) -> Iterator[tuple[int, dict[str, Any]]]:
    """The objects of a JSON array with their index; anything else yields nothing (the schema reports it)."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield index, item


def _obj(value: object) -> dict[str, Any]:
    """The value when it is an object, else an empty one."""
    return value if isinstance(value, dict) else {}


def _all_named(items: object) -> bool:
    """Whether a value is an array of objects that all have a usable ``name``."""
    return isinstance(items, list) and all(isinstance(i, dict) and _name(i.get("name")) for i in items)


def _name(value: object) -> str | None:
    """The value when it is a non-blank string, else None (the schema reports it)."""
    return value if isinstance(value, str) and value.strip() else None


@dataclass(slots=True)
class _Checker:
    """The cross-reference rules a schema cannot express, run over a schema-checked or broken model alike."""

    im: dict[str, Any]
    """The ``interactionModel`` object."""
    report: _Report
    """Where problems go."""
    intent_slots: dict[str, dict[str, str | None]] = field(default_factory=dict)
    """Declared slots (name -> type) of each intent."""
    unreadable: set[str] = field(default_factory=set)
    """Intents (``""`` for the intent list itself) whose list of names the schema already reports as broken, so
    that a dialog's reference to them is not reported a second time."""
    prompt_ids: set[str] = field(default_factory=set)
    """Ids of the declared prompts."""

    def run(self) -> None:
        """Run every rule."""
        lm = _obj(self.im.get("languageModel"))
        self.invocation_name(lm.get("invocationName"))
        types = self.types(lm.get("types"))
        self.intents(lm.get("intents"), types)
        self.prompts(self.im.get("prompts"))
        dialog = _obj(self.im.get("dialog"))
        for index, intent in _items(dialog.get("intents")):
            self.dialog_intent(index, intent)
        self.duplicates(dialog.get("intents"), "/interactionModel/dialog/intents", "dialog intent")

    def add(self, message: str, pointer: str, subject: str | None = None) -> None:
        """Record a problem."""
        self.report.add(message, pointer, subject)

    def duplicates(self, items: object, pointer: str, label: str, key: str = "name") -> None:
        """Report every item whose ``key`` repeats an earlier one's."""
        first: dict[str, int] = {}
        for index, item in _items(items):
            name = _name(item.get(key))
            if name is None:
                continue
            if name in first:
                self.add(
                    f"duplicate {label} {name!r} (first at index {first[name]})",
                    f"{pointer}/{index}",
                    f"{label} {name}",
                )
            else:
                first[name] = index

    def invocation_name(self, value: object) -> None:
        """Non-empty, and only letters, spaces, apostrophes and periods once lower-cased."""
        if not isinstance(value, str):
            return
        name = " ".join(value.lower().split())
        bad = sorted({c for c in name if not (c.isalpha() or c in " '.")})
        if not name:
            self.add("invocation name is empty", f"{_LM}/invocationName")
        elif bad:
            self.add(
                f"invocation name {_short(name)} may contain only letters, spaces, apostrophes and periods "
                f"(found {' '.join(repr(c) for c in bad)}; spell numbers out)",
                f"{_LM}/invocationName",
            )

    def types(self, types: object) -> set[str]:
        """Declared custom type names; duplicates are reported."""
        self.duplicates(types, f"{_LM}/types", "type")
        return {name for _, t in _items(types) if (name := _name(t.get("name")))}

    def intents(self, intents: object, types: set[str]) -> None:
        """Slots, slot types and samples of every intent, and duplicate names."""
        self.duplicates(intents, f"{_LM}/intents", "intent")
        if not _all_named(intents):
            self.unreadable.add("")
        for index, intent in _items(intents):
            name = _name(intent.get("name"))
            if name is None:
                continue
            base = f"{_LM}/intents/{index}"
            self.duplicates(intent.get("slots"), f"{base}/slots", "slot")
            slots: dict[str, str | None] = {}
            if "slots" in intent and not _all_named(intent["slots"]):
                self.unreadable.add(name)
            for s_index, slot in _items(intent.get("slots")):
                slot_name = _name(slot.get("name"))
                if slot_name is None:
                    continue
                slot_type = _name(slot.get("type"))
                slots.setdefault(slot_name, slot_type)
                subject = f"intent {name}, slot {slot_name}"
                if slot_type and slot_type not in types and slot_type not in BUILTIN_SLOT_TYPES:
                    hint = (
                        "; declare it under languageModel.types"
                        if not slot_type.startswith("AMAZON.")
                        else ""
                    )
                    self.add(
                        f"slot type {slot_type!r} is neither a custom type of this model nor an Amazon "
                        f"built-in type{hint}",
                        f"{base}/slots/{s_index}/type",
                        subject,
                    )
            self.intent_slots.setdefault(name, slots)
            for s_index, slot in _items(intent.get("slots")):
                slot_name = _name(slot.get("name"))
                samples = slot.get("samples")
                if slot_name is None or not isinstance(samples, list):
                    continue
                for k, sample in enumerate(samples):
                    if isinstance(sample, str):
                        self.sample(
                            sample,
                            slots,
                            f"{base}/slots/{s_index}/samples/{k}",
                            f"intent {name}, slot {slot_name}",
                            own=slot_name,
                        )
            samples = intent.get("samples")
            if isinstance(samples, list):
                for k, sample in enumerate(samples):
                    if isinstance(sample, str):
                        self.sample(sample, slots, f"{base}/samples/{k}", f"intent {name}")

    def sample(
        self, text: str, slots: dict[str, str | None], pointer: str, subject: str, own: str | None = None
    ) -> None:
        """Braces balance, every ``{slot}`` is declared, and a slot's own samples contain it."""
        depth = 0
        for char in text:
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
            if depth not in (0, 1):
                break
        if depth != 0:
            self.add(f"unbalanced braces in sample {_short(text)}", pointer, subject)
            return
        refs = _SLOT_REF.findall(text)
        for ref in refs:
            if ref not in slots:
                declared = ", ".join(slots) or "none"
                self.add(
                    f"sample {_short(text)} refers to slot {{{ref}}}, which the intent does not declare "
                    f"(declared: {declared})",
                    pointer,
                    subject,
                )
        if own is not None and own not in refs:
            # Alexa's build accepts it (pet match, 2017, has ' {temperament} {pet}' among its size samples): said
            # while {own} is elicited, it fills the other slots and leaves {own} to be asked again.
            self.report.warn(
                f"slot sample {_short(text)} does not contain {{{own}}}: it fills other slots, never {{{own}}}",
                pointer,
                subject,
            )

    def prompts(self, prompts: object) -> None:
        """Prompt ids, and duplicate ids."""
        self.duplicates(prompts, "/interactionModel/prompts", "prompt", key="id")
        self.prompt_ids = {pid for _, p in _items(prompts) if (pid := _name(p.get("id")))}

    def prompt_ref(self, value: object, pointer: str, subject: str) -> None:
        """A prompt id used by the dialog must be declared."""
        pid = _name(value)
        if pid is not None and pid not in self.prompt_ids:
            self.add(f"prompt {pid!r} is not declared in interactionModel.prompts", pointer, subject)

    def dialog_intent(self, index: int, intent: dict[str, Any]) -> None:
        """The intent and its slots exist; every prompt they use is declared; validations are well formed."""
        name = _name(intent.get("name"))
        if name is None:
            return
        base = f"/interactionModel/dialog/intents/{index}"
        subject = f"dialog intent {name}"
        slots = self.intent_slots.get(name)
        if slots is None and "" not in self.unreadable:
            self.add(f"dialog intent {name!r} is not declared in the language model", f"{base}/name", subject)
        prompts = _obj(intent.get("prompts"))
        if intent.get("confirmationRequired") is True and "confirmation" not in prompts:
            self.add(
                "intent requires confirmation but has no confirmation prompt", f"{base}/prompts", subject
            )
        self.prompt_ref(prompts.get("confirmation"), f"{base}/prompts/confirmation", subject)
        self.duplicates(intent.get("slots"), f"{base}/slots", "slot")
        for s_index, slot in _items(intent.get("slots")):
            slot_name = _name(slot.get("name"))
            if slot_name is None:
                continue
            at = f"{base}/slots/{s_index}"
            slot_subject = f"{subject}, slot {slot_name}"
            if slots is not None and slot_name not in slots and name not in self.unreadable:
                self.add(
                    f"slot {slot_name!r} is not declared on intent {name} in the language model",
                    f"{at}/name",
                    slot_subject,
                )
            prompts = _obj(slot.get("prompts"))
            for flag, kind in (
                ("elicitationRequired", "elicitation"),
                ("confirmationRequired", "confirmation"),
            ):
                if slot.get(flag) is True and kind not in prompts:
                    self.add(f"slot requires {kind} but has no {kind} prompt", f"{at}/prompts", slot_subject)
                self.prompt_ref(prompts.get(kind), f"{at}/prompts/{kind}", slot_subject)
            for v_index, rule in _items(slot.get("validations")):
                self.validation(rule, f"{at}/validations/{v_index}", slot_subject)

    def validation(self, rule: dict[str, Any], pointer: str, subject: str) -> None:
        """A known rule type with the arguments it needs, and a declared prompt."""
        kind = _name(rule.get("type"))
        self.prompt_ref(rule.get("prompt"), f"{pointer}/prompt", subject)
        if kind is None:
            return
        if kind not in VALIDATION_TYPES:
            self.add(
                f"unknown validation type {kind!r}; known: {', '.join(sorted(VALIDATION_TYPES))}",
                f"{pointer}/type",
                subject,
            )
        elif kind in _SETS and not (isinstance(rule.get("values"), list) and rule["values"]):
            self.add(f"{kind} needs a non-empty 'values' list", pointer, subject)
        elif kind in _COMPARISONS and not isinstance(rule.get("value"), str | int | float):
            self.add(f"{kind} needs a 'value'", pointer, subject)
        elif kind in _DURATIONS and not ("start" in rule or "end" in rule):
            self.add(f"{kind} needs 'start' and/or 'end'", pointer, subject)


# --------------------------------------------------------------------------------------------------- building


def _scalar(value: object) -> str:
    """A validation argument as text: ``5`` and ``5.0`` both become ``"5"``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _build(im: dict[str, Any], locale: str, source: str) -> InteractionModel:
    """The frozen model from a validated ``interactionModel`` object."""
    lm = im["languageModel"]
    intents = []
    for item in lm["intents"]:
        slots = tuple(
            Slot(
                name=s["name"],
                type=s["type"],
                samples=tuple(s.get("samples", ())),
                multiple_values=_obj(s.get("multipleValues")).get("enabled") is True,
            )
            for s in item.get("slots", ())
        )
        samples = tuple(item.get("samples", ()))
        standard = BUILTIN_INTENTS.get(item["name"], ())
        intents.append(
            Intent(name=item["name"], slots=slots, samples=tuple(dict.fromkeys((*standard, *samples))))
        )
    types = tuple(
        SlotType(
            name=t["name"],
            values=tuple(
                TypeValue(
                    name=v["name"]["value"],
                    id=v.get("id") or None,
                    synonyms=tuple(v["name"].get("synonyms", ())),
                )
                for v in t.get("values", ())
            ),
        )
        for t in lm.get("types", ())
    )
    declared = {i.name: i for i in intents}
    dialog = None
    if isinstance(im.get("dialog"), dict):
        d = im["dialog"]
        dialog = Dialog(
            # Absent means SKILL_RESPONSE (see types.DEFAULT_DELEGATION_STRATEGY).
            delegation_strategy=d.get("delegationStrategy", DEFAULT_DELEGATION_STRATEGY),
            intents=tuple(_dialog_intent(di, declared[di["name"]]) for di in d.get("intents", ())),
        )
    prompts = tuple(
        Prompt(
            id=p["id"], variations=tuple(Variation(type=v["type"], value=v["value"]) for v in p["variations"])
        )
        for p in im.get("prompts", ())
    )
    return InteractionModel(
        invocation_name=" ".join(lm["invocationName"].lower().split()),
        intents=tuple(intents),
        types=types,
        dialog=dialog,
        prompts=prompts,
        locale=locale,
        source=source,
    )


def _dialog_intent(item: dict[str, Any], intent: Intent) -> DialogIntent:
    """One dialog intent; a slot without a ``type`` takes the language model's."""
    slots = []
    for s in item.get("slots", ()):
        prompts = s.get("prompts", {})
        declared = intent.slot(s["name"])
        slots.append(
            DialogSlot(
                name=s["name"],
                type=s.get("type") or (declared.type if declared else ""),
                elicitation_required=s.get("elicitationRequired", False),
                confirmation_required=s.get("confirmationRequired", False),
                elicitation_prompt=prompts.get("elicitation"),
                confirmation_prompt=prompts.get("confirmation"),
                validations=tuple(
                    Validation(
                        type=v["type"],
                        prompt=v["prompt"],
                        values=tuple(_scalar(x) for x in v.get("values", ())),
                        value=_scalar(v["value"]) if "value" in v else None,
                        start=v.get("start"),
                        end=v.get("end"),
                    )
                    for v in s.get("validations", ())
                ),
            )
        )
    return DialogIntent(
        name=item["name"],
        delegation_strategy=item.get("delegationStrategy"),
        confirmation_required=item.get("confirmationRequired", False),
        confirmation_prompt=item.get("prompts", {}).get("confirmation"),
        slots=tuple(slots),
    )
