"""The Progressive Response API: ``POST /v1/directives`` with a ``VoicePlayer.Speak`` directive.

What a skill sends while it keeps working ("Let me look that up…") is handed to ``speak`` at once: the CLI says it
then (``chat`` prints it as it comes); without a listener it is queued and said before the skill's answer. As on
Alexa, the directive's ``header.requestId`` must be the request the skill is answering, no permission is needed,
and at most ``MAX_PER_REQUEST`` are accepted per request. Success is 204 No Content.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from assistant.services.server import Answer, ApiError, Call, Route

logger = logging.getLogger(__name__)

MAX_PER_REQUEST = 5
"""Progressive responses accepted per request (Alexa's limit)."""


class Progressive:
    """Progressive responses, said at once through ``speak`` or kept for the turn."""

    def __init__(self) -> None:
        self.speak: Callable[[str, str], None] | None = None
        """``speak(skill, ssml_or_text)``, called from the server's thread; None to queue instead."""
        self._queued: list[tuple[str, str]] = []
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, skill: str) -> list[str]:
        """What ``skill`` sent that was not said yet (and forget the per-request counts)."""
        with self._lock:
            mine = [text for who, text in self._queued if who == skill]
            self._queued = [(who, text) for who, text in self._queued if who != skill]
            self._counts.clear()
            return mine

    def post(self, call: Call) -> Answer:
        body = call.body if isinstance(call.body, dict) else {}
        header: Any = body.get("header") or {}
        directive: Any = body.get("directive") or {}
        if not isinstance(header, dict) or not isinstance(header.get("requestId"), str):
            raise ApiError(400, "INVALID_REQUEST", "header.requestId is missing")
        if not isinstance(directive, dict) or directive.get("type") != "VoicePlayer.Speak":
            raise ApiError(400, "INVALID_DIRECTIVE", f"directive type {directive.get('type')!r} is not VoicePlayer.Speak")
        speech = directive.get("speech")
        if not isinstance(speech, str) or not speech.strip():
            raise ApiError(400, "INVALID_DIRECTIVE", "VoicePlayer.Speak has no speech")
        with self._lock:
            count = self._counts.get(header["requestId"], 0) + 1
            self._counts[header["requestId"]] = count
            if count > MAX_PER_REQUEST:
                raise ApiError(429, "RATE_EXCEEDED", f"more than {MAX_PER_REQUEST} progressive responses")
            speak = self.speak
            if speak is None:
                self._queued.append((call.grant.skill, speech))
        if speak is not None:
            speak(call.grant.skill, speech)
        return Answer(204)

    def routes(self) -> list[Route]:
        return [Route("POST", "/v1/directives", "Progressive Response API", self.post)]
