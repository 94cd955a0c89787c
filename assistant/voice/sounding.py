"""What the assistant has sounding, and what "alexa, stop" stops.

Contract: "alexa, stop" stops one thing, the first of these that is sounding: a ringing alert (a timer or a
reminder), then playing audio (the AudioPlayer), then the assistant's own speech. When nothing sounds, it goes to
the open session as the skill's stop intent. The engine applies the order to what it owns, a ringing alert and
the player (``Engine.handle_recognition``); the voice loop stops its own speech by barge-in on the wake word
(``voice.reply.Reply`` is a ``Sounding``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Protocol


class Sound(enum.Enum):
    """The kinds of thing that sound."""

    ALERT = "alert"
    """A ringing timer or reminder."""
    PLAYER = "player"
    """Audio a skill plays (music, a podcast)."""
    SPEECH = "speech"
    """The assistant's own reply."""


STOP_ORDER = (Sound.ALERT, Sound.PLAYER, Sound.SPEECH)
"""What "alexa, stop" stops first, when several sound at once."""


class Sounding(Protocol):
    """Something audible the loop can stop."""

    def sounding(self, at: float) -> bool:
        """True while it is audible at ``at`` seconds on the source's timeline."""
        ...

    def stop(self, at: float) -> None:
        """Silence it from ``at`` seconds on the source's timeline."""
        ...


def to_stop(sounds: Mapping[Sound, Sounding | None], at: float) -> Sound | None:
    """What "alexa, stop" said at ``at`` seconds stops (``STOP_ORDER``); None: nothing sounds, the stop goes to
    the open session."""
    for kind in STOP_ORDER:
        thing = sounds.get(kind)
        if thing is not None and thing.sounding(at):
            return kind
    return None
