"""Reminders and timers in the voice loop: when to look at what is due, and a ringing timer said again.

The engine keeps the alerts (``Engine.poll_alerts``, ``runtime.alerting``); the loop asks ``AlertClock.due`` each
chunk while IDLE or ALERTING, and says what it returns. "alexa, stop" stops a ringing alert before anything else;
the engine decides that (``voice.sounding.STOP_ORDER``).
"""

from __future__ import annotations

from typing import Protocol

from assistant.runtime.engine import Turn

ALERT_POLL_SECONDS = 0.5
"""Seconds of the timeline between looks at the reminders and timers due."""
RING_REPEAT_SECONDS = 8.0
"""A ringing timer's announcement is said again after this many seconds of the timeline."""


class AlertSource(Protocol):
    """What an engine with reminders and timers offers the loop (``Engine.poll_alerts``…)."""

    def poll_alerts(self) -> Turn | None: ...
    def alert_ringing(self) -> bool: ...
    def stop_alerts(self) -> None: ...


class AlertClock:
    """The engine's alerts on the source's timeline: looked at every ``ALERT_POLL_SECONDS``, a ringing one's
    announcement again every ``RING_REPEAT_SECONDS``."""

    def __init__(self, engine: AlertSource) -> None:
        self.engine = engine
        self._next_look = 0.0
        self._ring_turn: Turn | None = None
        self._next_ring = 0.0

    def time_to_look(self, at: float) -> bool:
        """True once every ``ALERT_POLL_SECONDS`` of the timeline."""
        if at < self._next_look:
            return False
        self._next_look = at + ALERT_POLL_SECONDS
        return True

    def due(self, at: float) -> tuple[Turn | None, bool]:
        """What to say at ``at`` seconds (the reminders and timers due, or a ringing timer's announcement again),
        or None; and whether an alert rings."""
        turn = self.engine.poll_alerts()
        ringing = self.engine.alert_ringing()
        if turn is None:
            if not ringing:
                self._ring_turn = None
                return None, False
            if at < self._next_ring or self._ring_turn is None:
                return None, True
            turn = self._ring_turn  # still ringing: the announcement again
        else:
            self._ring_turn = turn if ringing else None
        self._next_ring = at + RING_REPEAT_SECONDS
        return turn, ringing
