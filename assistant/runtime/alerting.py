"""What the assistant says when a reminder or a timer falls due (a policy: pure, tested alone).

- A timer rings: "Your <label> timer is done." and its announcement; it keeps ringing until "alexa, stop" (or
  ``RING_SECONDS``), and stopping it comes first (``voice.sounding.STOP_ORDER``).
- A reminder is said once: "Here's your reminder: <text>."
- Either one that fell due while the assistant was not running (more than ``LATE_SECONDS`` ago) is said to be
  late, with the time it was due, in the user's time zone, if it is less than ``MAX_LATE`` late; an older one is
  logged and dropped, never said.
"""

from __future__ import annotations

import logging
import zoneinfo
from dataclasses import dataclass
from datetime import datetime

from assistant.services.alerts import TIMER, Alert

logger = logging.getLogger(__name__)

LATE_SECONDS = 60.0
"""An alert said more than this after its time is said to be late."""
MAX_LATE = 86400.0
"""An alert more than this late (a day) is dropped, not said."""
RING_SECONDS = 600.0
"""A timer nobody stops stops ringing after this long."""


@dataclass(frozen=True, slots=True)
class Announcement:
    """What to do about one due alert."""

    alert: Alert
    """The alert."""
    say: str | None
    """What to say (None: dropped)."""
    rings: bool
    """True for a timer said on time or late: it rings until stopped."""


def announce(alert: Alert, now: float, zone: str) -> Announcement:
    """What to say for ``alert``, due at ``alert.due``, said at ``now``, in the time zone ``zone``."""
    late = now - (alert.due or now)
    if late > MAX_LATE:
        logger.warning("the %s %s of skill %r was due %.0f hours ago: dropped, not said",
                       alert.kind, alert.id, alert.skill, late / 3600)
        return Announcement(alert, None, False)
    text = alert.text().strip().rstrip(".")
    if alert.kind == TIMER:
        name = f"Your {alert.label} timer" if alert.label else "Your timer"
        said = f"{name} is done." + (f" {text}." if text else "")
    else:
        said = f"Here's your reminder: {text}."
    if late > LATE_SECONDS:
        when = _clock_time(alert.due or now, zone)
        kind = "timer" if alert.kind == TIMER else "reminder"
        said = f"This {kind} was due at {when}, while I was off. {said}"
    return Announcement(alert, said, alert.kind == TIMER)


def _clock_time(moment: float, zone: str) -> str:
    try:
        tz = zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = zoneinfo.ZoneInfo("UTC")
    local = datetime.fromtimestamp(moment, tz)
    return local.strftime("%I:%M %p").lstrip("0")
