"""Reading a model's files within limits, and reporting what is wrong with them: every problem at once, each with
its file, JSON pointer (or line) and subject; plus the small readers of JSON values the checks share."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ModelError, Problem

MAX_FILE_BYTES = 32 * 1024 * 1024
"""Largest model or side file read, in bytes (Amazon's own limit on a model is far lower)."""


MAX_DEPTH = 100
"""Deepest nesting of JSON arrays and objects accepted; real models nest about 10 deep."""


MAX_NODES = 5_000_000
"""Most JSON values (objects, arrays and scalars) accepted in one model."""


LANGUAGE_MODEL = "/interactionModel/languageModel"


@dataclass(slots=True)
class Report:
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
            return read_file_text(file)
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


def json_pointer(*parts: object) -> str:
    """A JSON pointer (RFC 6901) from path parts."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def shortened(text: str, limit: int = 80) -> str:
    """A string quoted for a message, cut to ``limit`` characters."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def kind_of(value: object) -> str:
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


def read_file_text(file: Path) -> str:
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


def read_json(file: Path) -> Any:
    """A parsed JSON file; ModelError with the line and column of a syntax error."""
    text = read_file_text(file)
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


def object_items(value: object) -> Iterator[tuple[int, dict[str, Any]]]:
    """The objects of a JSON array with their index; anything else yields nothing (the schema reports it)."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield index, item


def as_object(value: object) -> dict[str, Any]:
    """The value when it is an object, else an empty one."""
    return value if isinstance(value, dict) else {}


def all_named(items: object) -> bool:
    """Whether a value is an array of objects that all have a usable ``name``."""
    return isinstance(items, list) and all(isinstance(i, dict) and usable_name(i.get("name")) for i in items)


def usable_name(value: object) -> str | None:
    """The value when it is a non-blank string, else None (the schema reports it)."""
    return value if isinstance(value, str) and value.strip() else None
