"""Alexa request envelopes built from what was understood, and response envelopes read back.

Requests follow ``docs/alexa-behaviour.md`` section 1 and are what a real ask-sdk-core ``CustomSkillBuilder`` (Python
1.19) and ask-sdk-core v2 (Node) accept: ``context.System`` is always present, timestamps are ISO-8601 UTC, every
slot the intent declares is listed (an unfilled one without ``value``), and a filled custom-type slot always carries
``resolutions`` (dynamic entities first). Responses are read per section 2; the worker has already checked them
against the response schema.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from assistant.model.types import Intent, InteractionModel
from assistant.nlu.result import IntentResult, SlotValue

API_ENDPOINT = "https://api.amazonalexa.com"
"""What ``context.System.apiEndpoint`` says; nothing is ever sent there."""
API_ACCESS_TOKEN = "local-token"
"""A placeholder ``apiAccessToken``: skills that call Alexa's APIs with it get no answer offline."""
AUTHORITY = "amzn1.er-authority.echo-sdk.{app}.{type}"
"""Entity-resolution authority of a custom slot type."""
DYNAMIC_AUTHORITY = "amzn1.er-authority.echo-sdk.dynamic.{app}.{type}"
"""Entity-resolution authority of a type's session dynamic entities."""

SESSION_END_REASONS = ("USER_INITIATED", "ERROR", "EXCEEDED_MAX_REPROMPTS")
"""``SessionEndedRequest.reason`` values."""
ERROR_TYPES = ("INVALID_RESPONSE", "DEVICE_COMMUNICATION_ERROR", "INTERNAL_SERVICE_ERROR", "ENDPOINT_TIMEOUT")
"""``SessionEndedRequest.error.type`` values."""
DIALOG_STATES = ("STARTED", "IN_PROGRESS", "COMPLETED")
"""``IntentRequest.dialogState`` values."""
SUPPORTED_INTERFACES: Mapping[str, Any] = {"AudioPlayer": {}}
"""``context.System.device.supportedInterfaces``: the AudioPlayer (no screen, so no APL or Display)."""


@dataclass(frozen=True, slots=True)
class Device:
    """Who and where the requests come from: the same for every skill of one installation."""

    user_id: str
    """``amzn1.ask.account.<uuid>``, stable per installation (persistence is keyed by it)."""
    device_id: str
    """``amzn1.ask.device.<uuid>``, stable per installation."""
    locale: str = "en-US"
    """Locale of every request."""


@dataclass(slots=True)
class SessionIds:
    """Generates the request and session ids; seeded, so a seeded run is reproducible."""

    rng: random.Random = field(default_factory=random.Random)
    """Source of the uuids."""

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def session_id(self) -> str:
        """A new ``amzn1.echo-api.session.<uuid>``."""
        return f"amzn1.echo-api.session.{self._uuid()}"

    def request_id(self) -> str:
        """A new ``amzn1.echo-api.request.<uuid>``."""
        return f"amzn1.echo-api.request.{self._uuid()}"


def timestamp(now: datetime) -> str:
    """ISO-8601 UTC with a ``Z``, to the second, as Alexa sends it (a naive time is taken to be UTC)."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(
    request: dict[str, Any],
    device: Device,
    application_id: str,
    session_id: str,
    *,
    new: bool,
    attributes: Mapping[str, Any] | None,
    audio_player: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A whole request envelope: ``version``, ``session``, ``context`` (``System``, and ``AudioPlayer`` when
    given) and the ``request``."""
    application = {"applicationId": application_id}
    user = {"userId": device.user_id}
    event = out_of_session_envelope(request, device, application_id, audio_player)
    event["session"] = {
        "new": new,
        "sessionId": session_id,
        "application": dict(application),
        "attributes": dict(attributes or {}),
        "user": dict(user),
    }
    return {"version": event.pop("version"), "session": event.pop("session"), **event}


def out_of_session_envelope(
    request: dict[str, Any],
    device: Device,
    application_id: str,
    audio_player: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A request envelope without ``session``: the AudioPlayer and PlaybackController requests (docs/alexa-behaviour.md
    section 1)."""
    application = {"applicationId": application_id}
    user = {"userId": device.user_id}
    context: dict[str, Any] = {
        "System": {
            "application": dict(application),
            "user": dict(user),
            "device": {"deviceId": device.device_id, "supportedInterfaces": dict(SUPPORTED_INTERFACES)},
            "apiEndpoint": API_ENDPOINT,
            "apiAccessToken": API_ACCESS_TOKEN,
        }
    }
    if audio_player is not None:
        context["AudioPlayer"] = dict(audio_player)
    return {"version": "1.0", "context": context, "request": request}


def event_request(request_id: str, now: datetime, locale: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The ``request`` of an AudioPlayer, PlaybackController or System request: ``fields`` (its ``type`` first)
    with the id, timestamp and locale."""
    request = {"type": fields["type"], "requestId": request_id, "timestamp": timestamp(now), "locale": locale}
    request.update({k: v for k, v in fields.items() if k != "type"})
    return request


def launch_request(request_id: str, now: datetime, locale: str) -> dict[str, Any]:
    """The ``request`` of a LaunchRequest."""
    return {"type": "LaunchRequest", "requestId": request_id, "timestamp": timestamp(now), "locale": locale}


def intent_request(
    request_id: str, now: datetime, locale: str, intent: dict[str, Any], dialog_state: str | None = None
) -> dict[str, Any]:
    """The ``request`` of an IntentRequest carrying ``intent`` (see :func:`intent_object`)."""
    request: dict[str, Any] = {
        "type": "IntentRequest",
        "requestId": request_id,
        "timestamp": timestamp(now),
        "locale": locale,
    }
    if dialog_state is not None:
        request["dialogState"] = dialog_state
    request["intent"] = intent
    return request


def session_ended_request(
    request_id: str,
    now: datetime,
    locale: str,
    reason: str,
    error_type: str | None = None,
    message: str | None = None,
) -> dict[str, Any]:
    """The ``request`` of a SessionEndedRequest; ``error`` only with reason ERROR."""
    request: dict[str, Any] = {
        "type": "SessionEndedRequest",
        "requestId": request_id,
        "timestamp": timestamp(now),
        "locale": locale,
        "reason": reason,
    }
    if reason == "ERROR":
        request["error"] = {"type": error_type or "INTERNAL_SERVICE_ERROR", "message": message or ""}
    return request


def intent_object(
    model: InteractionModel,
    result: IntentResult,
    application_id: str,
    confirmation_status: str = "NONE",
) -> dict[str, Any]:
    """``request.intent`` for an understood utterance: every declared slot, filled ones with value and
    resolutions. An intent the model does not declare (a built-in the grammar added) gets the filled slots only."""
    declared = model.intent(result.intent) or Intent(result.intent)
    slots: dict[str, Any] = {}
    for slot in declared.slots:
        filled = result.slots.get(slot.name)
        slots[slot.name] = (
            slot_object(filled, application_id)
            if filled is not None
            else {"name": slot.name, "confirmationStatus": "NONE"}
        )
    for name, filled in result.slots.items():
        slots.setdefault(name, slot_object(filled, application_id))
    return {"name": result.intent, "confirmationStatus": confirmation_status, "slots": slots}


def empty_intent(model: InteractionModel, name: str) -> dict[str, Any]:
    """``request.intent`` for ``name`` with every declared slot unfilled (AMAZON.FallbackIntent and the like)."""
    return intent_object(model, IntentResult(name), "")


def slot_object(value: SlotValue, application_id: str) -> dict[str, Any]:
    """One filled slot: name, value, confirmationStatus, and resolutions when the NLU resolved it."""
    slot: dict[str, Any] = {"name": value.name, "value": value.value, "confirmationStatus": "NONE"}
    if value.resolutions:
        authorities = []
        for resolution in value.resolutions:
            pattern = DYNAMIC_AUTHORITY if resolution.dynamic else AUTHORITY
            authority: dict[str, Any] = {
                "authority": pattern.format(app=application_id, type=resolution.authority),
                "status": {"code": "ER_SUCCESS_MATCH" if resolution.matched else "ER_SUCCESS_NO_MATCH"},
            }
            if resolution.matched:
                entity = {"name": resolution.name}
                if resolution.id is not None:
                    entity["id"] = resolution.id
                authority["values"] = [{"value": entity}]
            authorities.append(authority)
        # Dynamic entities are listed first, as Alexa does (skills read resolutionsPerAuthority[0]).
        authorities.sort(key=lambda a: ".dynamic." not in a["authority"])
        slot["resolutions"] = {"resolutionsPerAuthority": authorities}
    return slot


# --- responses -----------------------------------------------------------------------------------------------


ABSENT = "absent"
"""``Reply.should_end_session`` when the response has no ``shouldEndSession`` key at all."""


@dataclass(frozen=True, slots=True)
class Speech:
    """An ``outputSpeech``: what to say, as given."""

    text: str
    """The plain text, or the SSML with its ``<speak>`` element, exactly as the skill sent it."""
    ssml: bool
    """True when ``text`` is SSML."""


@dataclass(frozen=True, slots=True)
class Reply:
    """The parts of a response envelope the runtime acts on."""

    speech: Speech | None
    """``response.outputSpeech``."""
    reprompt: Speech | None
    """``response.reprompt.outputSpeech``: said when the user is silent."""
    card: dict[str, Any] | None
    """``response.card`` as sent (Simple, Standard, LinkAccount, AskForPermissionsConsent)."""
    should_end_session: bool | None | str
    """True, False, None (JSON null), or :data:`ABSENT`."""
    directives: tuple[dict[str, Any], ...]
    """``response.directives``."""
    session_attributes: dict[str, Any]
    """``sessionAttributes``, carried into the next request of the session."""

    @property
    def audio_directives(self) -> tuple[dict[str, Any], ...]:
        """The ``AudioPlayer.*`` directives."""
        return tuple(d for d in self.directives if str(d.get("type", "")).startswith("AudioPlayer."))

    @property
    def dialog_directives(self) -> tuple[dict[str, Any], ...]:
        """The ``Dialog.*`` directives (UpdateDynamicEntities included)."""
        return tuple(d for d in self.directives if str(d.get("type", "")).startswith("Dialog."))

    @property
    def ends_session(self) -> bool:
        """Whether this response ends the session.

        True ends it. False and null keep it open and reopen the microphone. An absent ``shouldEndSession``
        ends it: Amazon documents that, with the key undefined, only a device with a screen keeps the session
        (for up to 30 s, without opening the microphone), and this assistant has no screen. A response whose
        directives include Dialog ones (other than UpdateDynamicEntities) and no ``shouldEndSession`` keeps the
        session open, since the dialog goes on.
        """
        if self.should_end_session is True:
            return True
        if self.should_end_session is ABSENT:
            return not self._continues_dialog()
        return False

    def _continues_dialog(self) -> bool:
        return any(d.get("type") != "Dialog.UpdateDynamicEntities" for d in self.dialog_directives)


def card_text(card: Mapping[str, Any]) -> str:
    """A card as one line of text, the one place cards are shown (``chat``, ``run``): "Title: its text", or the
    title (else the card's type) alone when it has no text."""
    title = card.get("title") or card.get("type", "card")
    body = card.get("content") or card.get("text") or ""
    return f"{title}: {body}" if body else f"{title}"


def read_speech(output: object) -> Speech | None:
    """An ``outputSpeech`` object as :class:`Speech` (None when missing or empty)."""
    if not isinstance(output, dict):
        return None
    if output.get("type") == "SSML":
        text = output.get("ssml")
        return Speech(text, True) if isinstance(text, str) and text.strip() else None
    text = output.get("text")
    return Speech(text, False) if isinstance(text, str) and text.strip() else None


def read_response(envelope: Mapping[str, Any]) -> Reply:
    """The :class:`Reply` of a (schema-valid) response envelope."""
    response = envelope.get("response")
    response = response if isinstance(response, dict) else {}
    reprompt = response.get("reprompt")
    directives = response.get("directives")
    attributes = envelope.get("sessionAttributes")
    card = response.get("card")
    return Reply(
        speech=read_speech(response.get("outputSpeech")),
        reprompt=read_speech(reprompt.get("outputSpeech")) if isinstance(reprompt, dict) else None,
        card=card if isinstance(card, dict) else None,
        should_end_session=response.get("shouldEndSession", ABSENT),
        directives=tuple(d for d in directives if isinstance(d, dict))
        if isinstance(directives, list)
        else (),
        session_attributes=dict(attributes) if isinstance(attributes, dict) else {},
    )
