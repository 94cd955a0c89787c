"""Settings, Device Address and Customer Profile APIs, from the user's settings (``userdata.py``).

Paths and shapes as Amazon documents them and the ASK SDKs' ``UpsServiceClient`` and
``DeviceAddressServiceClient`` call them:

- ``GET /v2/devices/{deviceId}/settings/System.timeZone`` → ``"Europe/Paris"`` (a JSON string);
  ``System.distanceUnits`` → ``"METRIC"|"IMPERIAL"``; ``System.temperatureUnit`` → ``"CELSIUS"|"FAHRENHEIT"``.
  No permission needed.
- ``GET /v1/devices/{deviceId}/settings/address`` → ``{addressLine1, addressLine2, addressLine3, city,
  stateOrRegion, districtOrCounty, postalCode, countryCode}``; ``…/address/countryAndPostalCode`` →
  ``{countryCode, postalCode}``. Permission ``read::alexa:device:all:address`` (either) or
  ``…:country_and_postal_code`` (the second only).
- ``GET /v2/accounts/~current/settings/Profile.name|givenName|email`` → a JSON string; ``Profile.mobileNumber`` →
  ``{countryCode, phoneNumber}``, each with its permission. A value the user never gave: 204 No Content.
"""

from __future__ import annotations

from collections.abc import Callable

from assistant.services import permissions as perm
from assistant.services.server import Answer, ApiError, Call, Route
from assistant.services.userdata import UserSettings

_DEVICE = r"/v[12]/devices/(?P<device>[^/]+)"


def routes(settings: UserSettings) -> list[Route]:
    """The routes of these three APIs."""

    def device_setting(key: str) -> Callable[[Call], Answer]:
        def handler(call: Call) -> Answer:
            _check_device(call)
            return Answer(200, settings.get(key))

        return handler

    def address(call: Call) -> Answer:
        _check_device(call)
        values = settings.all()
        body = {
            "addressLine1": values.get("address.line1"),
            "addressLine2": values.get("address.line2"),
            "addressLine3": values.get("address.line3"),
            "districtOrCounty": values.get("address.district"),
            "stateOrRegion": values.get("address.state"),
            "city": values.get("address.city"),
            "countryCode": values.get("address.country"),
            "postalCode": values.get("address.postal-code"),
        }
        return Answer(200, body) if any(body.values()) else Answer(204)

    def country_postal(call: Call) -> Answer:
        _check_device(call)
        values = settings.all()
        body = {"countryCode": values.get("address.country"), "postalCode": values.get("address.postal-code")}
        return Answer(200, body) if any(body.values()) else Answer(204)

    def profile(key: str) -> Callable[[Call], Answer]:
        def handler(call: Call) -> Answer:
            value = settings.get(key)
            return Answer(200, value) if value else Answer(204)

        return handler

    def mobile(call: Call) -> Answer:
        values = settings.all()
        number = values.get("profile.mobile-number")
        if not number:
            return Answer(204)
        return Answer(200, {"countryCode": values.get("profile.mobile-country-code"), "phoneNumber": number})

    settings_path = "/v2/devices/(?P<device>[^/]+)/settings/"
    profile_path = "/v2/accounts/~current/settings/"
    return [
        Route("GET", settings_path + r"System\.timeZone", "Settings API System.timeZone", device_setting("time-zone")),
        Route(
            "GET", settings_path + r"System\.distanceUnits", "Settings API System.distanceUnits",
            device_setting("distance-units"),
        ),
        Route(
            "GET", settings_path + r"System\.temperatureUnit", "Settings API System.temperatureUnit",
            device_setting("temperature-unit"),
        ),
        Route("GET", _DEVICE + "/settings/address", "Device Address API (full)", address, (perm.ADDRESS_FULL,)),
        Route(
            "GET", _DEVICE + "/settings/address/countryAndPostalCode", "Device Address API (country, postal code)",
            country_postal, (perm.ADDRESS_FULL, perm.ADDRESS_COUNTRY_POSTAL),
        ),
        Route("GET", profile_path + r"Profile\.name", "Customer Profile API name", profile("profile.name"),
              (perm.PROFILE_NAME,)),
        Route("GET", profile_path + r"Profile\.givenName", "Customer Profile API givenName",
              profile("profile.given-name"), (perm.PROFILE_GIVEN_NAME,)),
        Route("GET", profile_path + r"Profile\.email", "Customer Profile API email", profile("profile.email"),
              (perm.PROFILE_EMAIL,)),
        Route("GET", profile_path + r"Profile\.mobileNumber", "Customer Profile API mobileNumber", mobile,
              (perm.PROFILE_MOBILE,)),
    ]


def _check_device(call: Call) -> None:
    if call.params.get("device") != call.grant.device_id:
        raise ApiError(403, "ACCESS_DENIED", f"the token was not issued for device {call.params.get('device')!r}")
