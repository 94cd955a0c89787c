"""What happened in a turn, as typed events: ``TurnEvent("session-ended", "knock-knock", "USER_INITIATED")``.

An event is also its text, ``"session-ended:knock-knock:USER_INITIATED"`` (it is a ``str``): the text is what
transcripts and ``--json`` show, and what a reader can grep for; code reads the fields and never splits the text.

The kinds: ``session-started`` and ``session-ended`` (detail: the SessionEndedRequest reason, or
``SHOULD_END_SESSION`` when the skill's response ended it), ``fault`` (detail: the fault's kind), ``reprompt``,
``fallback``, ``not-understood``, ``list-skills``, ``unknown-skill`` and ``one-shot-unmatched`` (skill: the name
said), ``setup-needed``, ``dialog`` (detail: the directive), ``help`` (the assistant's own help after "alexa, help"
in a skill without AMAZON.HelpIntent), ``audio`` (detail: the AudioPlayer directive), the AudioPlayer's requests
(``AudioPlayer.PlaybackStarted`` …; detail: the stream's token), ``System.ExceptionEncountered``, ``purchase``
(detail: the Connections directive's name) and ``purchase-result`` (detail: the result); ``alert`` (a reminder
or timer said; detail: its kind), ``alert-dropped`` (one more than a day late, not said), ``alert-ringing`` and
``alert-stopped``; ``volume`` (detail: the device volume set, 0 to 10).
"""

from __future__ import annotations

SESSION_STARTED = "session-started"
SESSION_ENDED = "session-ended"


class TurnEvent(str):
    """One thing that happened in a turn: its ``kind``, the ``skill`` it concerns, and a ``detail``."""

    kind: str
    """What happened (see the module's docstring)."""
    skill: str | None
    """The skill it concerns (its name, or for ``unknown-skill`` the name the user said), if any."""
    detail: str | None
    """More about it: a reason, a fault's kind, a directive, a token."""

    def __new__(cls, kind: str, skill: str | None = None, detail: str | None = None) -> TurnEvent:
        parts = [kind] + ([skill] if skill is not None else []) + ([detail] if detail is not None else [])
        event = super().__new__(cls, ":".join(parts))
        event.kind, event.skill, event.detail = kind, skill, detail
        return event

    def __getnewargs__(self) -> tuple[str, str | None, str | None]:  # type: ignore[override]
        return self.kind, self.skill, self.detail
