"""What a skill's response must be: the project's JSON schema of the response envelope, and Alexa's size limits.

Shared by every kind of worker (``worker``: a skill run here; ``endpoint``: a skill at an HTTPS endpoint).
"""

from __future__ import annotations

import functools
import json
import logging
from pathlib import Path
from typing import Any, cast

import jsonschema

logger = logging.getLogger(__name__)

RESPONSE_SCHEMA = Path(__file__).resolve().parent / "response_schema.json"
"""The JSON schema of the response envelope (docs/alexa-behaviour.md section 2)."""

# Alexa's limits on a response, from the Request and Response JSON Reference ("Response format", size
# limitations): https://developer.amazon.com/en-US/docs/alexa/custom-skills/request-and-response-json-reference.html
# "The outputSpeech response can't exceed 8000 characters. All of the text included in a card can't exceed 8000
# characters. [...] The total size of your response can't exceed 24 kilobytes."
SPEECH_MAX_CHARS = 8000
"""Characters of an outputSpeech (``text`` or ``ssml``), of a reprompt's, and of a card's text together."""
RESPONSE_MAX_BYTES = 24 * 1024
"""Bytes of the whole response envelope, as compact UTF-8 JSON."""


@functools.cache
def response_validator() -> jsonschema.protocols.Validator:
    """The validator of response envelopes, built once."""
    schema = json.loads(RESPONSE_SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def response_problem(response: object) -> str | None:
    """Why ``response`` is not a valid response envelope (``/response/outputSpeech: 'text' is a required
    property``), or None when it is."""
    error = jsonschema.exceptions.best_match(response_validator().iter_errors(cast(Any, response)))
    if error is None:
        return None
    pointer = "".join(f"/{part}" for part in error.absolute_path) or "(root)"
    return f"{pointer}: {error.message}"


def response_limit_problem(response: dict[str, Any]) -> str | None:
    """Which of Alexa's size limits a (schema-valid) response breaks, or None: speech and reprompt at most
    ``SPEECH_MAX_CHARS`` characters, a card's text too, the whole envelope at most ``RESPONSE_MAX_BYTES``."""
    body = response.get("response")
    body = body if isinstance(body, dict) else {}
    reprompt = body.get("reprompt")
    speeches = {
        "/response/outputSpeech": body.get("outputSpeech"),
        "/response/reprompt/outputSpeech": reprompt.get("outputSpeech") if isinstance(reprompt, dict) else None,
    }
    for pointer, speech in speeches.items():
        if isinstance(speech, dict):
            for key in ("text", "ssml"):
                text = speech.get(key)
                if isinstance(text, str) and len(text) > SPEECH_MAX_CHARS:
                    return (
                        f"{pointer}/{key}: {len(text):,} characters, over Alexa's limit of "
                        f"{SPEECH_MAX_CHARS:,}"
                    )
    card = body.get("card")
    if isinstance(card, dict):
        card_text = sum(len(v) for k, v in card.items() if k in ("title", "content", "text") and isinstance(v, str))
        if card_text > SPEECH_MAX_CHARS:
            return f"/response/card: {card_text:,} characters of text, over Alexa's limit of {SPEECH_MAX_CHARS:,}"
    size = len(json.dumps(response, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    if size > RESPONSE_MAX_BYTES:
        return f"(root): the response is {size:,} bytes, over Alexa's limit of {RESPONSE_MAX_BYTES:,} (24 KB)"
    return None


IGNORED_REPLIES = frozenset({"SessionEndedRequest", "System.ExceptionEncountered"})
"""Requests whose reply Alexa ignores (a skill may answer nothing at all)."""


def ignored_reply(skill: str, response: object) -> dict[str, Any]:
    """A skill's reply to a SessionEndedRequest, which Alexa ignores: kept when it is an object, else ``{}``; never
    a fault, whatever it is (a problem is logged at debug level only)."""
    if response is None or response == {}:
        return {}
    problem = response_problem(response)
    if problem is not None:
        logger.debug("skill %r: its reply to SessionEndedRequest is ignored (%s)", skill, problem)
    return response if isinstance(response, dict) else {}
