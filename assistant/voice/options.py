"""How the voice loop listens and speaks, grouped by concern (``LoopOptions``), and what opens the microphone
(``Trigger``). ``with_settings`` changes fields by dotted name, as ``assistant.toml``'s ``[voice]`` section and the
benchmarks do."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from assistant.audio.echo import EchoOptions
from assistant.voice.confirm import SpeechCheckOptions, WakeOptions
from assistant.voice.reply import ReplyOptions
from assistant.voice.utterance import UtteranceOptions

__all__ = ["LoopOptions", "Trigger", "with_settings"]


class Trigger(enum.Enum):
    """What opens the microphone when no skill is waiting for an answer."""

    WAKE_WORD = "wake-word"
    """The wake word, spotted continuously."""
    PUSH_TO_TALK = "push-to-talk"
    """A key press (``LoopOptions.push`` is polled)."""
    ALWAYS = "always"
    """Any speech is a request (``--no-wake``)."""


@dataclass(frozen=True, slots=True)
class LoopOptions:
    """How the loop listens and speaks, by concern."""

    trigger: Trigger = Trigger.WAKE_WORD
    """What opens the microphone when no skill asked anything."""
    wake: WakeOptions = field(default_factory=WakeOptions)
    """The wake word: detection, where its request begins, confirmation."""
    utterance: UtteranceOptions = field(default_factory=UtteranceOptions)
    """Listening deadlines and the end of an utterance."""
    speech: SpeechCheckOptions = field(default_factory=SpeechCheckOptions)
    """Telling speech from noise with the neural voice activity detector."""
    reply: ReplyOptions = field(default_factory=ReplyOptions)
    """How replies are placed on the timeline, and barge-in."""
    echo: EchoOptions = field(default_factory=EchoOptions)
    """The echo canceller on a live microphone beside the speaker (``audio.echo``)."""
    duck: float = 0.1
    """The player's gain from the wake word until the reply has been spoken (-20 dB): low enough that the end of
    a request is heard over music fed back into the microphone."""
    duck_on_speech: bool = True
    """Duck the player (``duck``) while speech is heard, before any wake word: the request said in the same breath
    as the wake word ("alexa, pause") is then heard over ducked music, not over the music at full volume until the
    detector fires (0.3-0.5 s after the word, mid-request). The music comes back when the speech ends without a
    wake word. False: from the wake word on only."""
    ring_seconds: float = 12.0
    """Audio remembered for decoding from before the present (after the wake word, the speech's lead-in),
    seconds."""
    push: Callable[[], bool] | None = None
    """For push-to-talk: returns True once per key press."""
    controls: Callable[[], str | None] | None = None
    """The player's buttons: returns a pressed one's command (``PlayCommandIssued``, ``PauseCommandIssued``,
    ``NextCommandIssued``, ``PreviousCommandIssued``) once per press, else None."""


def with_settings(options: LoopOptions, settings: Mapping[str, object]) -> LoopOptions:
    """``options`` with fields changed by dotted name: ``{"wake.threshold": 0.5, "wake.cut.before": 0.1,
    "trigger": Trigger.ALWAYS}``; an unknown name raises ``TypeError``."""
    for name, value in settings.items():
        options = _replaced(options, name.split("."), value)
    return options


def _replaced(obj: Any, path: list[str], value: object) -> Any:
    if len(path) == 1:
        return dataclasses.replace(obj, **{path[0]: value})
    return dataclasses.replace(obj, **{path[0]: _replaced(getattr(obj, path[0]), path[1:], value)})
