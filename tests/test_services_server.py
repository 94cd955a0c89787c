"""The local Alexa API server (issue 15): real HTTPS on its Unix socket, tokens, permissions, the schema."""

from __future__ import annotations

import http.client
import json
import logging
import socket
import sqlite3
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.services.hub import Services
from assistant.services.permissions import ADDRESS_FULL, Permissions
from assistant.services.userdata import SettingError, UserSettings
from assistant.settings import Settings
from assistant.skills.schema import VERSION, SchemaError, migrate
from assistant.skills.store import AttributeStore

DEVICE = "amzn1.ask.device.TEST"


class _UnixHTTPS(http.client.HTTPSConnection):
    def __init__(self, path: Path, context: ssl.SSLContext) -> None:
        super().__init__("127.0.0.1", context=context)
        self.path = path

    def connect(self) -> None:
        raw = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        raw.connect(str(self.path))
        self.sock = self._context.wrap_socket(raw, server_hostname="127.0.0.1")  # type: ignore[attr-defined]


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    settings = Settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache")
    with AttributeStore(settings.database) as store, Services(settings, store) as hub:
        hub.start()
        yield hub


def call(hub: Services, method: str, path: str, token: str | None, body: Any = None) -> tuple[int, Any]:
    access = hub.start()
    context = ssl.create_default_context(cafile=str(access.bundle))  # verified against the local CA
    connection = _UnixHTTPS(access.socket, context)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = json.dumps(body) if body is not None else None
    if data is not None:
        headers["Content-Type"] = "application/json"
    connection.request(method, path, body=data, headers=headers)
    response = connection.getresponse()
    raw = response.read()
    connection.close()
    return response.status, json.loads(raw) if raw else None


def test_settings_api_answers_the_users_time_zone_over_verified_https(services: Services) -> None:
    services.user.set("time-zone", "Pacific/Kiritimati")
    token = services.issuer.issue("cake", "amzn1.ask.account.U", DEVICE)
    assert call(services, "GET", f"/v2/devices/{DEVICE}/settings/System.timeZone", token) == (200, "Pacific/Kiritimati")
    services.user.set("distance-units", "metric")
    assert call(services, "GET", f"/v2/devices/{DEVICE}/settings/System.distanceUnits", token) == (200, "METRIC")


def test_no_token_or_an_unknown_one_is_401(services: Services) -> None:
    path = f"/v2/devices/{DEVICE}/settings/System.timeZone"
    assert call(services, "GET", path, None)[0] == 401
    assert call(services, "GET", path, "local.forged")[0] == 401


def test_an_api_not_served_is_a_clear_404_and_is_logged(services: Services, caplog: pytest.LogCaptureFixture) -> None:
    token = services.issuer.issue("cake", "U", DEVICE)
    with caplog.at_level(logging.WARNING, logger="assistant.services.server"):
        status, body = call(services, "GET", "/v1/ambient/nonsense", token)
    assert status == 404 and "not an API this assistant serves" in body["message"]
    assert "GET /v1/ambient/nonsense" in caplog.text and "'cake'" in caplog.text


def test_address_needs_its_grant_403_then_200(services: Services) -> None:
    for key, value in {"address.line1": "1 Main St", "address.city": "Springfield", "address.country": "us",
                       "address.postal-code": "12345"}.items():
        services.user.set(key, value)
    token = services.issuer.issue("maps", "U", DEVICE)
    status, body = call(services, "GET", f"/v1/devices/{DEVICE}/settings/address", token)
    assert status == 403 and body["code"] == "ACCESS_DENIED"
    Permissions(services.store).grant("maps", [ADDRESS_FULL])
    status, body = call(services, "GET", f"/v1/devices/{DEVICE}/settings/address", token)
    assert status == 200 and body["addressLine1"] == "1 Main St" and body["countryCode"] == "US"
    status, body = call(services, "GET", f"/v1/devices/{DEVICE}/settings/address/countryAndPostalCode", token)
    assert (status, body) == (200, {"countryCode": "US", "postalCode": "12345"})
    other = services.issuer.issue("other-skill", "U", DEVICE)  # the grant is the skill's, not the user's
    assert call(services, "GET", f"/v1/devices/{DEVICE}/settings/address", other)[0] == 403


def test_profile_not_given_is_204(services: Services) -> None:
    Permissions(services.store).grant("p", ["alexa::profile:email:read"])
    token = services.issuer.issue("p", "U", DEVICE)
    assert call(services, "GET", "/v2/accounts/~current/settings/Profile.email", token) == (204, None)
    services.user.set("profile.email", "me@example.org")
    assert call(services, "GET", "/v2/accounts/~current/settings/Profile.email", token) == (200, "me@example.org")


def test_bad_settings_are_refused_with_what_and_where(tmp_path: Path) -> None:
    with AttributeStore(tmp_path / "db.sqlite3") as store:
        user = UserSettings(store)
        with pytest.raises(SettingError, match="time-zone: 'Mars/Base'"):
            user.set("time-zone", "Mars/Base")
        with pytest.raises(SettingError, match="no setting 'colour'"):
            user.set("colour", "blue")


def test_a_database_from_before_versions_migrates_and_keeps_the_attributes(tmp_path: Path) -> None:
    path = tmp_path / "attributes.sqlite3"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE attributes (skill TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, "
                "updated REAL NOT NULL, PRIMARY KEY (skill, key))")
    old.execute("INSERT INTO attributes VALUES ('cake', 'u1', '{\"year\": 1990}', 0)")
    old.commit()
    old.close()
    with AttributeStore(path) as store:
        assert store.get("cake", "u1") == {"year": 1990}
        UserSettings(store).set("time-zone", "Europe/Paris")
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA user_version").fetchone()[0] == VERSION
    check.execute(f"PRAGMA user_version = {VERSION + 1}")
    check.commit()
    check.close()
    with pytest.raises(SchemaError, match="newer than this assistant"), AttributeStore(path) as store:
        store.get("cake", "u1")


def test_migrate_is_idempotent(tmp_path: Path) -> None:
    connection = sqlite3.connect(tmp_path / "x.sqlite3", isolation_level=None)
    assert migrate(connection) == 0
    assert migrate(connection) == VERSION


def test_skill_a_token_cannot_read_skill_b_reminders_lists_or_purchases(services: Services, tmp_path: Path) -> None:
    from assistant.services.monetization import Catalog
    from assistant.services.permissions import LISTS_READ, LISTS_WRITE, REMINDERS

    permissions = Permissions(services.store)
    for skill in ("skill-a", "skill-b"):
        permissions.grant(skill, [REMINDERS, LISTS_READ, LISTS_WRITE])
    a = services.issuer.issue("skill-a", "U", DEVICE)
    b = services.issuer.issue("skill-b", "U", DEVICE)
    reminder = {"trigger": {"type": "SCHEDULED_RELATIVE", "offsetInSeconds": 600},
                "alertInfo": {"spokenInfo": {"content": [{"locale": "en-US", "text": "b's secret"}]}},
                "pushNotification": {"status": "ENABLED"}}
    status, made = call(services, "POST", "/v1/alerts/reminders", b, reminder)
    assert status == 200
    assert call(services, "GET", "/v1/alerts/reminders", a)[1]["totalCount"] == "0"
    assert call(services, "GET", f"/v1/alerts/reminders/{made['alertToken']}", a)[0] == 404
    assert call(services, "DELETE", f"/v1/alerts/reminders/{made['alertToken']}", a)[0] == 404
    assert call(services, "GET", "/v1/alerts/reminders", b)[1]["totalCount"] == "1"

    status, own = call(services, "POST", "/v2/householdlists", b, {"name": "b's list", "state": "active"})
    assert status == 201
    call(services, "POST", f"/v2/householdlists/{own['listId']}/items", b, {"value": "x", "status": "active"})
    names = [entry["name"] for entry in call(services, "GET", "/v2/householdlists", a)[1]["lists"]]
    assert "b's list" not in names and "Alexa shopping list" in names
    assert call(services, "GET", f"/v2/householdlists/{own['listId']}/active", a)[0] == 404

    isps = tmp_path / "isps" / "entitlement"
    isps.mkdir(parents=True)
    (isps / "p.json").write_text(json.dumps({"type": "ENTITLEMENT", "referenceName": "Secret",
                                             "publishingInformation": {"locales": {"en-US": {"name": "Secret"}}}}))
    catalog = Catalog(services.store)
    catalog.load("skill-b", isps.parent)
    catalog.buy("skill-b", catalog.products("skill-b")[0])
    assert call(services, "GET", "/v1/users/~current/skills/~current/inSkillProducts", a)[1]["inSkillProducts"] == []
    bought = call(services, "GET", "/v1/users/~current/skills/~current/inSkillProducts", b)[1]["inSkillProducts"]
    assert [p["entitled"] for p in bought] == ["ENTITLED"]
