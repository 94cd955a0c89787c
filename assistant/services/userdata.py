"""What the user tells the assistant about themselves, for the Settings, Device Address and Customer Profile APIs.

Kept in the ``user_settings`` table of the installation's database; ``assistant settings`` shows and sets them.
Time zone and units have defaults from the machine (the system time zone; imperial units and Fahrenheit for en-US,
as an Echo sold there starts, metric and Celsius elsewhere); address and profile are empty until set, and an API
asked for an empty one answers as Alexa does for a user who gave none (204 No Content).
"""

from __future__ import annotations

import contextlib
import os
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import AssistantError
from assistant.skills.store import AttributeStore


class SettingError(AssistantError):
    """A setting that does not exist or a value it cannot take."""


def _time_zone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise SettingError(f"time-zone: {value!r} is not an IANA time zone (like Europe/Paris)") from error
    return value


def _choice(*allowed: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        upper = value.strip().upper()
        if upper not in allowed:
            raise SettingError(f"{value!r} is not one of {', '.join(allowed)}")
        return upper

    return check


def _country(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z]{2}", value.strip()):
        raise SettingError(f"{value!r} is not a two-letter country code (like US, FR)")
    return value.strip().upper()


def _email(value: str) -> str:
    if not re.fullmatch(r"[^@\s]+@[^@\s]+", value.strip()):
        raise SettingError(f"{value!r} is not an email address")
    return value.strip()


def _text(value: str) -> str:
    return value.strip()


@dataclass(frozen=True, slots=True)
class Field:
    """One setting."""

    key: str
    """Its name on the command line, e.g. ``time-zone``, ``address.city``."""
    help: str
    """What it is."""
    check: Callable[[str], str]
    """Validates a value and returns it normalised; raises SettingError."""


FIELDS: tuple[Field, ...] = (
    Field("time-zone", "IANA time zone (Settings API System.timeZone)", _time_zone),
    Field("distance-units", "METRIC or IMPERIAL (System.distanceUnits)", _choice("METRIC", "IMPERIAL")),
    Field("temperature-unit", "CELSIUS or FAHRENHEIT (System.temperatureUnit)", _choice("CELSIUS", "FAHRENHEIT")),
    Field("address.line1", "street address (Device Address API)", _text),
    Field("address.line2", "address line 2", _text),
    Field("address.line3", "address line 3", _text),
    Field("address.city", "city", _text),
    Field("address.district", "district or county", _text),
    Field("address.state", "state or region", _text),
    Field("address.postal-code", "postal code", _text),
    Field("address.country", "two-letter country code", _country),
    Field("profile.name", "full name (Customer Profile API)", _text),
    Field("profile.given-name", "given name", _text),
    Field("profile.email", "email address", _email),
    Field("profile.mobile-country-code", "mobile number's country calling code, e.g. +1", _text),
    Field("profile.mobile-number", "mobile number", _text),
)
"""Every setting, in the order ``assistant settings`` shows them."""
_BY_KEY = {f.key: f for f in FIELDS}


def machine_time_zone() -> str:
    """The machine's IANA time zone: ``TZ``, else ``/etc/timezone``, else where ``/etc/localtime`` links; UTC."""
    tz = os.environ.get("TZ", "").lstrip(":")
    candidates = [tz] if tz and not tz.startswith("/") else []
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    try:
        target = os.readlink("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            continue
        return name
    return "UTC"


def defaults(locale: str) -> dict[str, str]:
    """The settings a new installation starts with."""
    us = locale == "en-US"
    return {
        "time-zone": machine_time_zone(),
        "distance-units": "IMPERIAL" if us else "METRIC",
        "temperature-unit": "FAHRENHEIT" if us else "CELSIUS",
    }


class UserSettings:
    """The user's settings in the database, over the machine's defaults."""

    def __init__(self, store: AttributeStore, locale: str = "en-US") -> None:
        self.store = store
        """The installation's database."""
        self.locale = locale
        """Decides the default units."""

    def all(self) -> dict[str, str]:
        """Every setting that has a value (set, or by default)."""
        with self.store.transaction("read the settings") as db:
            saved = dict(db.execute("SELECT key, value FROM user_settings").fetchall())
        values = {**defaults(self.locale), **saved}
        return {f.key: values[f.key] for f in FIELDS if values.get(f.key)}

    def get(self, key: str) -> str | None:
        """One setting's value, or None when it has none."""
        field(key)
        return self.all().get(key)

    def set(self, key: str, value: str) -> str:
        """Set ``key`` (checked and normalised; the stored value is returned); "" clears it."""
        checked = field(key).check(value) if value.strip() else ""
        with self.store.transaction(f"save the setting {key}") as db:
            if checked:
                db.execute(
                    "INSERT INTO user_settings (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, checked),
                )
            else:
                db.execute("DELETE FROM user_settings WHERE key = ?", (key,))
        return checked


def field(key: str) -> Field:
    """The setting named ``key``; SettingError naming the known ones if there is none."""
    try:
        return _BY_KEY[key]
    except KeyError:
        raise SettingError(f"no setting {key!r}; the settings are: {', '.join(_BY_KEY)}") from None
