"""Request envelopes from understood utterances, and response envelopes read back (no skills run here; the
engine tests send these envelopes to real ask-sdk skills)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from assistant.grammar.compiler import compile_session
from assistant.model.loader import model_from_dict
from assistant.model.types import TypeValue
from assistant.nlu.parser import parse
from assistant.runtime import envelopes
from assistant.runtime.engine import join_speech
from assistant.runtime.envelopes import ABSENT, Device, SessionIds, Speech

APP = "amzn1.ask.skill.test-0001"
MODEL = model_from_dict(
    {
        "interactionModel": {
            "languageModel": {
                "invocationName": "pizza helper",
                "intents": [
                    {
                        "name": "OrderIntent",
                        "slots": [
                            {"name": "size", "type": "SizeType"},
                            {"name": "topping", "type": "ToppingType"},
                            {"name": "count", "type": "AMAZON.NUMBER"},
                        ],
                        "samples": ["order a {size} pizza", "order {count} {size} pizzas", "order {topping}"],
                    },
                    {"name": "AMAZON.StopIntent", "samples": []},
                ],
                "types": [
                    {
                        "name": "SizeType",
                        "values": [{"id": "LARGE", "name": {"value": "large", "synonyms": ["big"]}}],
                    },
                    {"name": "ToppingType", "values": [{"name": {"value": "cheese"}}]},
                ],
            }
        }
    }
)


def understood(text: str, dynamic: dict[str, tuple[TypeValue, ...]] | None = None) -> dict[str, Any]:
    result = parse(text, compile_session(MODEL, dynamic))
    assert result is not None, text
    return envelopes.intent_object(MODEL, result, APP)


def test_every_declared_slot_is_listed_and_unfilled_ones_have_no_value() -> None:
    intent = understood("order a big pizza")
    assert intent["name"] == "OrderIntent"
    assert intent["confirmationStatus"] == "NONE"
    assert set(intent["slots"]) == {"size", "topping", "count"}
    assert intent["slots"]["topping"] == {"name": "topping", "confirmationStatus": "NONE"}
    assert intent["slots"]["count"] == {"name": "count", "confirmationStatus": "NONE"}
    size = intent["slots"]["size"]
    assert (size["name"], size["value"], size["confirmationStatus"]) == ("size", "big", "NONE")


def test_a_custom_slot_match_carries_the_skills_authority_with_name_and_id() -> None:
    size = understood("order a big pizza")["slots"]["size"]
    assert size["resolutions"] == {
        "resolutionsPerAuthority": [
            {
                "authority": f"amzn1.er-authority.echo-sdk.{APP}.SizeType",
                "status": {"code": "ER_SUCCESS_MATCH"},
                "values": [{"value": {"name": "large", "id": "LARGE"}}],
            }
        ]
    }


def test_a_value_without_id_resolves_to_its_name_only() -> None:
    topping = understood("order cheese")["slots"]["topping"]
    assert topping["resolutions"]["resolutionsPerAuthority"][0]["values"] == [{"value": {"name": "cheese"}}]


def test_dynamic_entities_come_first_and_a_miss_has_no_values() -> None:
    dynamic = {"SizeType": (TypeValue("huge", "HUGE", ("enormous",)),)}
    size = understood("order a enormous pizza", dynamic)["slots"]["size"]
    first, second = size["resolutions"]["resolutionsPerAuthority"]
    assert first["authority"] == f"amzn1.er-authority.echo-sdk.dynamic.{APP}.SizeType"
    assert first["values"] == [{"value": {"name": "huge", "id": "HUGE"}}]
    assert second == {
        "authority": f"amzn1.er-authority.echo-sdk.{APP}.SizeType",
        "status": {"code": "ER_SUCCESS_NO_MATCH"},
    }


def test_built_in_types_carry_no_resolutions() -> None:
    count = understood("order three big pizzas")["slots"]["count"]
    assert count == {"name": "count", "value": "3", "confirmationStatus": "NONE"}


def test_the_envelope_has_session_context_and_request() -> None:
    device = Device("amzn1.ask.account.U", "amzn1.ask.device.D", "en-US")
    now = datetime(2024, 5, 1, 14, 0, 0, tzinfo=timezone(timedelta(hours=2)))
    request = envelopes.launch_request("amzn1.echo-api.request.1", now, "en-US")
    event = envelopes.envelope(
        request, device, APP, "amzn1.echo-api.session.1", new=True, attributes={"a": 1}
    )
    assert event == {
        "version": "1.0",
        "session": {
            "new": True,
            "sessionId": "amzn1.echo-api.session.1",
            "application": {"applicationId": APP},
            "attributes": {"a": 1},
            "user": {"userId": "amzn1.ask.account.U"},
        },
        "context": {
            "System": {
                "application": {"applicationId": APP},
                "user": {"userId": "amzn1.ask.account.U"},
                "device": {"deviceId": "amzn1.ask.device.D", "supportedInterfaces": {"AudioPlayer": {}}},
                "apiEndpoint": "https://api.amazonalexa.com",
                "apiAccessToken": "local-token",
            }
        },
        "request": {
            "type": "LaunchRequest",
            "requestId": "amzn1.echo-api.request.1",
            "timestamp": "2024-05-01T12:00:00Z",
            "locale": "en-US",
        },
    }


def test_session_ended_carries_an_error_only_for_reason_error() -> None:
    now = datetime(2024, 5, 1, 12, tzinfo=UTC)
    ended = envelopes.session_ended_request("r", now, "en-US", "ERROR", "ENDPOINT_TIMEOUT", "timeout: 2 s")
    assert ended["reason"] == "ERROR"
    assert ended["error"] == {"type": "ENDPOINT_TIMEOUT", "message": "timeout: 2 s"}
    assert "error" not in envelopes.session_ended_request("r", now, "en-US", "USER_INITIATED")


def test_intent_request_has_dialog_state_only_when_given() -> None:
    now = datetime(2024, 5, 1, 12, tzinfo=UTC)
    intent = understood("order a big pizza")
    assert "dialogState" not in envelopes.intent_request("r", now, "en-US", intent)
    assert envelopes.intent_request("r", now, "en-US", intent, "STARTED")["dialogState"] == "STARTED"


def test_seeded_ids_repeat_and_differ_between_calls() -> None:
    first, second = SessionIds(random.Random(7)), SessionIds(random.Random(7))
    ids = [first.session_id(), first.request_id()]
    assert ids == [second.session_id(), second.request_id()]
    assert ids[0].startswith("amzn1.echo-api.session.") and ids[1].startswith("amzn1.echo-api.request.")
    assert first.request_id() != ids[1]


def response(**fields: Any) -> dict[str, Any]:
    return {"version": "1.0", "response": dict(fields)}


@pytest.mark.parametrize(
    ("fields", "ends"),
    [
        ({"shouldEndSession": True}, True),
        ({"shouldEndSession": False}, False),
        ({"shouldEndSession": None}, False),
        ({}, True),  # absent: a device without a screen ends the session
        ({"directives": [{"type": "Dialog.Delegate"}]}, False),
        ({"directives": [{"type": "Dialog.ElicitSlot", "slotToElicit": "size"}]}, False),
        ({"directives": [{"type": "Dialog.UpdateDynamicEntities", "updateBehavior": "CLEAR"}]}, True),
    ],
)
def test_which_responses_end_the_session(fields: dict[str, Any], ends: bool) -> None:
    assert envelopes.read_response(response(**fields)).ends_session is ends


def test_a_response_is_read_into_its_parts() -> None:
    reply = envelopes.read_response(
        {
            "version": "1.0",
            "sessionAttributes": {"x": 1},
            "response": {
                "outputSpeech": {"type": "SSML", "ssml": "<speak>hi</speak>"},
                "reprompt": {"outputSpeech": {"type": "PlainText", "text": "say something"}},
                "card": {"type": "Simple", "title": "T", "content": "C"},
            },
        }
    )
    assert reply.speech == Speech("<speak>hi</speak>", True)
    assert reply.reprompt == Speech("say something", False)
    assert reply.card == {"type": "Simple", "title": "T", "content": "C"}
    assert reply.session_attributes == {"x": 1}
    assert reply.should_end_session is ABSENT


def test_speech_parts_join_as_ssml_when_any_part_is_ssml() -> None:
    assert join_speech([]) == (None, False)
    assert join_speech([Speech("Sorry.", False), Speech("Name one.", False)]) == ("Sorry. Name one.", False)
    assert join_speech([Speech("Tom & Jerry.", False), Speech("<speak>Name <b>one</b>.</speak>", True)]) == (
        "<speak>Tom &amp; Jerry. Name <b>one</b>.</speak>",
        True,
    )
