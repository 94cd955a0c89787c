"""Alexa's built-in list slot types (AMAZON.US_CITY, AMAZON.Color, ...): their spoken values.

A list type's slot value is the spoken text itself ("seattle"), so a type is just a tuple of speakable values.
The values live in package data, ``lists/<NAME>.txt`` beside this module (one value a line, ``#`` comments
first), generated from maintained offline data packages by ``tools/gen_lists.py``; nothing here needs those
packages.
"""

from __future__ import annotations

import functools
import logging
from importlib import resources

logger = logging.getLogger(__name__)

_PREFIX = "AMAZON."
_NAMES = (
    "AT_CITY", "Airport", "Animal", "City", "Color", "Country", "DE_CITY", "DayOfWeek", "Dessert", "Drink",
    "EUROPE_CITY", "FirstName", "Food", "GB_CITY", "Genre", "Language", "Month", "Room", "Sport", "US_CITY",
    "US_STATE",
)
"""Stems of the data files, each the type's name without ``AMAZON.``."""

_ALIASES = {"AMAZON.US_FIRST_NAME": "AMAZON.FirstName"}
"""Old type names Alexa still accepts, and the type each one now names."""

LIST_TYPES: frozenset[str] = frozenset({_PREFIX + name for name in _NAMES} | _ALIASES.keys())
"""Every list type name this module can give values for, aliases included."""


def canonical_type(type_name: str) -> str:
    """The current name of a list type: aliases resolved, others returned as they are."""
    return _ALIASES.get(type_name, type_name)


@functools.cache
def list_values(type_name: str) -> tuple[str, ...]:
    """The spoken values of a list type, most common first where the source ranks them.

    Raises KeyError for a name that is not in LIST_TYPES.
    """
    if type_name not in LIST_TYPES:
        raise KeyError(
            f"{type_name!r} is not a built-in list slot type; known: {', '.join(sorted(LIST_TYPES))}"
        )
    stem = canonical_type(type_name).removeprefix(_PREFIX)
    data = resources.files(__package__ or "assistant.grammar").joinpath("lists", f"{stem}.txt")
    lines = data.read_text(encoding="utf-8").splitlines()
    values = tuple(line for line in (raw.strip() for raw in lines) if line and not line.startswith("#"))
    logger.debug("loaded %d values for %s", len(values), type_name)
    return values
