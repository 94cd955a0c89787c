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

The work is split by concern: ``layouts`` (where the model is), ``legacy`` (the 2015 layout converted),
``reading`` (files within limits, and the problem report), ``schema_check`` and ``checks`` (the two passes),
``building`` (the frozen types); this module ties them together.

Legacy models carry no invocation name (it lived in the developer console), so it is taken from the published
name for the locale in the skill folder's ``skill.json`` when there is one, else from the folder's name:
``space-geek/speechAssets`` is invoked as "space geek".
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import ModelError, Problem
from .building import build_model
from .checks import Checker
from .diskcache import DiskCache, make_key
from .layouts import (
    PRONUNCIATION_FILES,
    canonical_locale,
    find_model,
    model_for_locale,
    read_pronunciations,
    skill_root,
    with_pronunciations,
)
from .legacy import legacy_model
from .reading import Report, json_pointer, kind_of, read_json
from .schema_check import schema_message, shape_ok, subject_at, validator
from .types import (
    InteractionModel,
)

log = logging.getLogger(__name__)

__all__ = ["PRONUNCIATION_FILES", "find_model", "load_model", "model_for_locale", "model_from_dict"]


def load_model(path: Path, locale: str = "en-US", cache: DiskCache | None = None) -> InteractionModel:
    """Load and validate the model for ``locale`` from a skill folder in any layout, a speechAssets folder or a
    model file; raises ModelError listing every problem found.

    With ``cache``, a model file that was loaded before (same bytes, same pronunciation files, same loader) is
    taken from it instead of being validated again (a 100,000-value type takes seconds to validate)."""
    locale = canonical_locale(locale)
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
        for folder in (found.parent, skill_root(found)):
            for name in PRONUNCIATION_FILES:
                file = folder / name
                parts += [str(file), file.read_bytes() if file.is_file() else b"-"]
    except OSError:
        return None
    return make_key(*parts)


def _load(found: Path, locale: str) -> InteractionModel:
    report = Report(str(found))
    if found.is_dir():
        data = legacy_model(found, locale, report)
        model_dirs = [found, found.parent if found.name.lower() == "speechassets" else found]
    else:
        data = read_json(found)
        model_dirs = [found.parent, skill_root(found)]
    pronunciations = read_pronunciations(model_dirs, report)
    model = _validated(data, locale, report)
    if report.problems or model is None:
        raise ModelError(report.problems or [Problem("unusable model", file=str(found))])
    log.debug(
        "loaded %s model %r from %s: %d intents", locale, model.invocation_name, found, len(model.intents)
    )
    return with_pronunciations(model, pronunciations)


def model_from_dict(
    data: dict[str, Any], source: str = "<memory>", locale: str = "en-US"
) -> InteractionModel:
    """Validate an already parsed model (``{"interactionModel": ...}`` or ``{"languageModel": ...}``) like
    load_model does; ``source`` names it in messages."""
    locale = canonical_locale(locale)
    report = Report(source)
    model = _validated(data, locale, report)
    if report.problems or model is None:
        raise ModelError(report.problems or [Problem("unusable model", file=source)])
    return model


def _validated(data: Any, locale: str, report: Report) -> InteractionModel | None:
    """Check ``data`` with the schema and the cross-reference rules, adding every problem to ``report``; the
    model when there were none."""
    if not isinstance(data, dict):
        report.add(f"expected a JSON object at the top, found {kind_of(data)}")
        return None
    if "interactionModel" not in data and "languageModel" in data:
        data = {"interactionModel": data}
        report.origins.setdefault("/interactionModel", (report.source, "", True))
    elif "interactionModel" not in data:
        report.add('expected {"interactionModel": {...}} or {"languageModel": {...}}')
        return None
    if not shape_ok(data, report):
        return None
    errors = validator().iter_errors(data)
    for error in sorted(
        errors, key=lambda e: [(0, p, "") if isinstance(p, int) else (1, 0, p) for p in e.absolute_path]
    ):
        path = list(error.absolute_path)
        report.add(schema_message(error), json_pointer(*path), subject_at(data, path))
    im = data["interactionModel"]
    if isinstance(im, dict):
        Checker(im, report).run()
    if report.problems:
        return None
    return replace(build_model(im, locale, report.source), warnings=tuple(report.warnings))
