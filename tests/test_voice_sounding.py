"""What "alexa, stop" stops: an alert, then playing audio, then the assistant's own speech, else the session.

A fake ``Sounding`` stands in for the alert and the player, which do not exist yet.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from assistant.voice.reply import Reply, ReplyOptions
from assistant.voice.sounding import STOP_ORDER, Sound, Sounding, to_stop


@dataclass
class Fake:
    """Sounds until ``until`` seconds; ``stop`` ends it there."""

    until: float = float("inf")
    stopped_at: float | None = None

    def sounding(self, at: float) -> bool:
        return at < self.until

    def stop(self, at: float) -> None:
        self.stopped_at = at
        self.until = at


def test_the_stop_order() -> None:
    assert STOP_ORDER == (Sound.ALERT, Sound.PLAYER, Sound.SPEECH)


@pytest.mark.parametrize(
    ("alert", "player", "speech", "stopped"),
    [
        (True, True, True, Sound.ALERT),
        (True, False, False, Sound.ALERT),
        (False, True, True, Sound.PLAYER),
        (False, False, True, Sound.SPEECH),
        (True, False, True, Sound.ALERT),
        (False, False, False, None),  # nothing sounds: "stop" goes to the open session
    ],
)
def test_stop_stops_the_first_that_sounds(alert: bool, player: bool, speech: bool, stopped: Sound | None) -> None:
    sounds: dict[Sound, Sounding | None] = {
        Sound.ALERT: Fake() if alert else None,
        Sound.PLAYER: Fake() if player else None,
        Sound.SPEECH: Fake() if speech else None,
    }
    assert to_stop(sounds, 1.0) is stopped


def test_what_has_stopped_sounding_is_passed_over() -> None:
    alert, player = Fake(until=2.0), Fake()
    sounds: dict[Sound, Sounding | None] = {Sound.ALERT: alert, Sound.PLAYER: player}
    assert to_stop(sounds, 1.0) is Sound.ALERT
    alert.stop(1.5)
    assert to_stop(sounds, 1.6) is Sound.PLAYER


def test_the_reply_is_a_sounding() -> None:
    reply = Reply(None, (), ReplyOptions(), lambda _f: None)
    reply.until = 3.0
    sounds: dict[Sound, Sounding | None] = {Sound.ALERT: Fake(until=0.5), Sound.SPEECH: reply}
    assert to_stop(sounds, 1.0) is Sound.SPEECH
    reply.stop(2.0)
    assert not reply.sounding(2.5)
    assert to_stop(sounds, 2.5) is None
