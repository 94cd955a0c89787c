"""The 2015-2017 layout (``speechAssets/IntentSchema.json``, ``SampleUtterances.txt``, ``customSlotTypes/``)
converted to the JSON model, with every problem located by file and line; the invocation name comes from the
skill's ``skill.json`` for the locale, else from the folder's name."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

from ..errors import ModelError, Problem
from .layouts import legacy_file
from .reading import LANGUAGE_MODEL, Report, as_object, json_pointer, read_file_text, read_json, usable_name

log = logging.getLogger(__name__)


_LEGACY_SLOT_REF = re.compile(r"\{[^{}|]*\|([^{}|]+)\}")


def legacy_model(folder: Path, locale: str, report: Report) -> dict[str, Any]:
    """Convert a speechAssets folder into the modern model dict, recording in ``report.origins`` which file and
    line each part came from so that later problems point there."""
    schema_file = legacy_file(folder, "IntentSchema", ".json", locale)
    if schema_file is None:
        raise ModelError("missing IntentSchema.json", file=str(folder))
    schema = read_json(schema_file)
    report.origins[""] = (str(folder), "", False)
    report.origins[f"{LANGUAGE_MODEL}/intents"] = (str(schema_file), "/intents", True)
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
                    pointer=json_pointer("intents", index),
                )
            )
            continue
        intent: dict[str, Any] = {"name": name, "samples": []}
        if "slots" in item:
            intent["slots"] = item["slots"]
        report.origins[json_pointer("interactionModel", "languageModel", "intents", len(intents))] = (
            str(schema_file),
            json_pointer("intents", index),
            True,
        )
        by_name.setdefault(name, len(intents))
        intents.append(intent)

    utterances = legacy_file(folder, "SampleUtterances", ".txt", locale)
    if utterances is None:
        if any(not name.startswith("AMAZON.") for name in by_name):
            report.problems.append(Problem("missing SampleUtterances.txt", file=str(folder)))
    else:
        _legacy_utterances(utterances, intents, by_name, report)

    types: list[dict[str, Any]] = []
    type_folder = folder / "customSlotTypes"
    if type_folder.is_dir():
        for file in sorted(f for f in type_folder.iterdir() if f.is_file() and not f.name.startswith(".")):
            type_pointer = json_pointer("interactionModel", "languageModel", "types", len(types))
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
    report.origins[f"{LANGUAGE_MODEL}/invocationName"] = (str(origin), "", False)
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
        data = json.loads(read_file_text(manifest)) if manifest.is_file() else None
    except (ModelError, ValueError, RecursionError):
        log.debug("ignoring unreadable %s", manifest)
        data = None
    locales = as_object(as_object(as_object(data).get("manifest")).get("publishingInformation")).get("locales")
    if isinstance(locales, dict) and locales:
        entry = as_object(locales.get(locale) or next(iter(locales.values())))
        if name := usable_name(entry.get("name")):
            return " ".join(name.lower().split()), manifest
    return " ".join(re.sub(r"[^\w']+|[\d_]+", " ", root.name).lower().split()), root


def _legacy_utterances(
    file: Path, intents: list[dict[str, Any]], by_name: dict[str, int], report: Report
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
            report.origins[f"{LANGUAGE_MODEL}/intents/{index}/samples/{len(samples)}"] = (str(file), where, False)
            samples.append(words)
