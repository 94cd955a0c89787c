"""Reminders and timers: the Alexa Reminders API and Timers API, and what is due when.

Paths and shapes as ``ReminderManagementServiceClient`` and ``TimerManagementServiceClient`` call them:
``/v1/alerts/reminders[/{alertToken}]`` (create, read, update, delete; permission
``alexa::alerts:reminders:skill:readwrite``) and ``/v1/alerts/timers[/{id}[/pause|/resume]]`` (permission
``alexa::alerts:timers:skill:readwrite``). A skill sees only its own alerts: another skill's token gets 404.

Times: a relative reminder (``SCHEDULED_RELATIVE``) and a timer count from the engine's clock (``--now``); an
absolute one (``SCHEDULED_ABSOLUTE``) is a wall-clock time in its ``timeZoneId``, else the user's time zone. A
daily or weekly recurrence (``recurrence.freq`` or ``FREQ=`` in ``recurrenceRules``) rings again a day or a week
later; other rules ring once (logged). Alerts are rows of the ``alerts`` table, so they outlive a restart:
:meth:`Alerts.due` gives what fell due, with how late it is; the runtime speaks it (``runtime.alerting``).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from assistant.services import permissions as perm
from assistant.services.server import Answer, ApiError, Call, Route
from assistant.services.userdata import UserSettings
from assistant.skills.store import AttributeStore

logger = logging.getLogger(__name__)

REMINDER = "reminder"
TIMER = "timer"
MAX_TIMER = timedelta(days=1)
"""The longest timer (Alexa's limit: 24 hours)."""
_DURATION = re.compile(r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$")


def parse_duration(text: object) -> timedelta:
    """An ISO-8601 duration (``PT10M``, ``PT1H30M``, ``P1D``); ApiError 400 otherwise."""
    match = _DURATION.match(text) if isinstance(text, str) else None
    if match is None or text in ("P", "PT"):
        raise ApiError(400, "INVALID_DURATION", f"duration {text!r} is not an ISO-8601 duration like PT10M")
    parts = {k: float(v) for k, v in match.groupdict().items() if v}
    return timedelta(days=parts.get("d", 0), hours=parts.get("h", 0), minutes=parts.get("m", 0),
                     seconds=parts.get("s", 0))


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@dataclass(frozen=True, slots=True)
class Alert:
    """One reminder or timer."""

    id: str
    """The alertToken (reminders) or id (timers)."""
    skill: str
    """The skill that made it."""
    kind: str
    """``reminder`` or ``timer``."""
    due: float | None
    """When it rings, seconds since the epoch (None: a paused timer)."""
    status: str
    """ON, COMPLETED (a reminder that rang), PAUSED or OFF (a timer that rang)."""
    body: dict[str, Any]
    """The request the skill sent (trigger and alertInfo; duration, label and triggeringBehavior)."""
    created: float
    """When it was made."""
    updated: float
    """When it last changed."""

    def text(self) -> str:
        """What to say when it rings: the reminder's text, or the timer's announcement."""
        if self.kind == REMINDER:
            content = ((self.body.get("alertInfo") or {}).get("spokenInfo") or {}).get("content") or []
            for entry in content if isinstance(content, list) else []:
                if isinstance(entry, dict) and (entry.get("text") or entry.get("ssml")):
                    return str(entry.get("text") or re.sub(r"<[^>]+>", "", str(entry.get("ssml"))))
            return "you asked for a reminder now"
        operation = ((self.body.get("triggeringBehavior") or {}).get("operation")) or {}
        for entry in operation.get("textToAnnounce") or []:
            if isinstance(entry, dict) and entry.get("text"):
                return str(entry["text"])
        return ""

    @property
    def label(self) -> str:
        """A timer's label ("" for none)."""
        return str(self.body.get("timerLabel") or "")


class Alerts:
    """Reminders and timers in the database, on the engine's clock."""

    def __init__(self, store: AttributeStore, user: UserSettings, clock: Callable[[], datetime]) -> None:
        self.store = store
        """The installation's database."""
        self.user = user
        """The user's time zone, for absolute reminders."""
        self.clock = clock
        """The engine's clock."""

    def now(self) -> float:
        """The engine's time, seconds since the epoch."""
        return self.clock().timestamp()

    # --- storage ----------------------------------------------------------------------------------------

    def _rows(self, sql: str, params: tuple[Any, ...]) -> list[Alert]:
        with self.store.transaction("read alerts") as db:
            rows = db.execute(
                "SELECT id, skill, kind, due, status, body, created, updated FROM alerts " + sql, params
            ).fetchall()
        return [Alert(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7]) for r in rows]

    def of(self, skill: str, kind: str) -> list[Alert]:
        """``skill``'s alerts of one kind, oldest first."""
        return self._rows("WHERE skill = ? AND kind = ? ORDER BY created", (skill, kind))

    def get(self, skill: str, kind: str, alert_id: str) -> Alert:
        """One of ``skill``'s alerts; ApiError 404 when it has none with that id (another skill's included)."""
        found = self._rows("WHERE skill = ? AND kind = ? AND id = ?", (skill, kind, alert_id))
        if not found:
            raise ApiError(404, "NOT_FOUND", f"no {kind} {alert_id!r}")
        return found[0]

    def save(self, alert: Alert) -> None:
        """Insert or replace ``alert``."""
        with self.store.transaction(f"save a {alert.kind}") as db:
            db.execute(
                "INSERT OR REPLACE INTO alerts (id, skill, kind, due, status, body, created, updated) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (alert.id, alert.skill, alert.kind, alert.due, alert.status, json.dumps(alert.body), alert.created,
                 alert.updated),
            )

    def delete(self, skill: str, kind: str, alert_id: str | None = None) -> int:
        """Delete one of ``skill``'s alerts (all of that kind when ``alert_id`` is None)."""
        with self.store.transaction(f"delete {kind}s") as db:
            if alert_id is None:
                return int(db.execute("DELETE FROM alerts WHERE skill = ? AND kind = ?", (skill, kind)).rowcount)
            return int(db.execute(
                "DELETE FROM alerts WHERE skill = ? AND kind = ? AND id = ?", (skill, kind, alert_id)
            ).rowcount)

    # --- what is due ------------------------------------------------------------------------------------

    def next_due(self) -> float | None:
        """When the next alert rings (None: nothing scheduled)."""
        with self.store.transaction("read alerts") as db:
            row = db.execute("SELECT MIN(due) FROM alerts WHERE status = 'ON' AND due IS NOT NULL").fetchone()
        return row[0] if row and row[0] is not None else None

    def due(self) -> list[Alert]:
        """Every alert due now (ringing, late or very late), soonest first; each is marked as rung (a recurring
        reminder moves to its next time) before it is returned, so it is never said twice."""
        now = self.now()
        found = self._rows("WHERE status = 'ON' AND due IS NOT NULL AND due <= ? ORDER BY due", (now,))
        for alert in found:
            again = _recur(alert, now)
            status = "ON" if again is not None else ("COMPLETED" if alert.kind == REMINDER else "OFF")
            self.save(Alert(alert.id, alert.skill, alert.kind, again, status, alert.body, alert.created, now))
        return found

    # --- reminders ---------------------------------------------------------------------------------------

    def reminder_due(self, body: dict[str, Any]) -> float:
        """When a reminder request rings; ApiError 400 when its trigger cannot be used."""
        trigger = body.get("trigger")
        if not isinstance(trigger, dict):
            raise ApiError(400, "INVALID_TRIGGER", "the reminder has no trigger")
        kind = trigger.get("type")
        if kind == "SCHEDULED_RELATIVE":
            offset = trigger.get("offsetInSeconds")
            if not isinstance(offset, int | float) or offset <= 0:
                raise ApiError(400, "INVALID_TRIGGER", "offsetInSeconds must be a positive number")
            return self.now() + float(offset)
        if kind == "SCHEDULED_ABSOLUTE":
            text = trigger.get("scheduledTime")
            try:
                moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
            except ValueError as error:
                raise ApiError(400, "INVALID_TRIGGER", f"scheduledTime {text!r} is not an ISO-8601 time") from error
            if moment.tzinfo is None:
                zone = str(trigger.get("timeZoneId") or self.user.get("time-zone") or "UTC")
                try:
                    moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(zone))
                except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
                    raise ApiError(400, "INVALID_TIMEZONE", f"timeZoneId {zone!r} is not a time zone") from error
            if moment.timestamp() <= self.now() and _frequency(trigger) is None:
                raise ApiError(400, "PAST_SCHEDULED_TIME", f"scheduledTime {text!r} is in the past")
            return moment.timestamp()
        raise ApiError(400, "INVALID_TRIGGER", f"trigger type {kind!r} is not SCHEDULED_ABSOLUTE or SCHEDULED_RELATIVE")

    def _reminder(self, alert: Alert) -> dict[str, Any]:
        body = alert.body
        return {
            "alertToken": alert.id, "createdTime": _iso(alert.created), "updatedTime": _iso(alert.updated),
            "status": "ON" if alert.status == "ON" else "COMPLETED", "trigger": body.get("trigger"),
            "alertInfo": body.get("alertInfo"), "pushNotification": body.get("pushNotification"), "version": "1",
        }

    @staticmethod
    def _reminder_response(alert: Alert) -> dict[str, Any]:
        return {
            "alertToken": alert.id, "createdTime": _iso(alert.created), "updatedTime": _iso(alert.updated),
            "status": "ON" if alert.status == "ON" else "COMPLETED", "version": "1",
            "href": f"/v1/alerts/reminders/{alert.id}",
        }

    def create_reminder(self, call: Call) -> Answer:
        body = _object(call.body)
        due = self.reminder_due(body)
        now = time.time()
        alert = Alert(str(uuid.uuid4()), call.grant.skill, REMINDER, due, "ON", body, now, now)
        if not alert.text():
            raise ApiError(400, "INVALID_ALERT_INFO", "alertInfo.spokenInfo.content has no text")
        self.save(alert)
        logger.info("skill %r: reminder %s at %s", alert.skill, alert.id, _iso(due))
        return Answer(200, self._reminder_response(alert))

    def list_reminders(self, call: Call) -> Answer:
        found = self.of(call.grant.skill, REMINDER)
        return Answer(200, {"totalCount": str(len(found)), "alerts": [self._reminder(a) for a in found],
                            "links": None})

    def get_reminder(self, call: Call) -> Answer:
        return Answer(200, self._reminder(self.get(call.grant.skill, REMINDER, call.params["id"])))

    def update_reminder(self, call: Call) -> Answer:
        old = self.get(call.grant.skill, REMINDER, call.params["id"])
        body = _object(call.body)
        alert = Alert(old.id, old.skill, REMINDER, self.reminder_due(body), "ON", body, old.created, time.time())
        self.save(alert)
        return Answer(200, self._reminder_response(alert))

    def delete_reminder(self, call: Call) -> Answer:
        self.get(call.grant.skill, REMINDER, call.params["id"])
        self.delete(call.grant.skill, REMINDER, call.params["id"])
        return Answer(200)

    # --- timers ------------------------------------------------------------------------------------------

    def _timer(self, alert: Alert) -> dict[str, Any]:
        remaining = alert.body.get("_remaining")
        return {
            "id": alert.id, "status": alert.status, "duration": alert.body.get("duration"),
            "triggerTime": _iso(alert.due) if alert.due is not None else None, "timerLabel": alert.label or None,
            "createdTime": _iso(alert.created), "updatedTime": _iso(alert.updated),
            "remainingTimeWhenPaused": f"PT{int(remaining)}S" if alert.status == "PAUSED" and remaining else None,
        }

    def create_timer(self, call: Call) -> Answer:
        body = _object(call.body)
        length = parse_duration(body.get("duration"))
        if length <= timedelta(0) or length > MAX_TIMER:
            raise ApiError(400, "INVALID_DURATION", "a timer lasts more than 0 seconds and at most 24 hours")
        operation = ((body.get("triggeringBehavior") or {}).get("operation") or {}).get("type")
        if operation not in (None, "ANNOUNCE", "NOTIFY_ONLY", "LAUNCH_TASK"):
            raise ApiError(400, "INVALID_OPERATION", f"operation {operation!r} is not ANNOUNCE, NOTIFY_ONLY or LAUNCH_TASK")
        now = time.time()
        alert = Alert(str(uuid.uuid4()), call.grant.skill, TIMER, self.now() + length.total_seconds(), "ON", body,
                      now, now)
        self.save(alert)
        logger.info("skill %r: timer %s for %s", alert.skill, alert.id, body.get("duration"))
        return Answer(200, self._timer(alert))

    def list_timers(self, call: Call) -> Answer:
        found = [a for a in self.of(call.grant.skill, TIMER) if a.status in ("ON", "PAUSED")]
        return Answer(200, {"totalCount": len(found), "timers": [self._timer(a) for a in found], "nextToken": None})

    def get_timer(self, call: Call) -> Answer:
        return Answer(200, self._timer(self.get(call.grant.skill, TIMER, call.params["id"])))

    def delete_timer(self, call: Call) -> Answer:
        self.get(call.grant.skill, TIMER, call.params["id"])
        self.delete(call.grant.skill, TIMER, call.params["id"])
        return Answer(200)

    def delete_timers(self, call: Call) -> Answer:
        self.delete(call.grant.skill, TIMER)
        return Answer(200)

    def pause_timer(self, call: Call) -> Answer:
        alert = self.get(call.grant.skill, TIMER, call.params["id"])
        if alert.status == "ON" and alert.due is not None:
            body = {**alert.body, "_remaining": max(0.0, alert.due - self.now())}
            self.save(Alert(alert.id, alert.skill, TIMER, None, "PAUSED", body, alert.created, time.time()))
        return Answer(200)

    def resume_timer(self, call: Call) -> Answer:
        alert = self.get(call.grant.skill, TIMER, call.params["id"])
        if alert.status == "PAUSED":
            due = self.now() + float(alert.body.get("_remaining") or 0)
            self.save(Alert(alert.id, alert.skill, TIMER, due, "ON", alert.body, alert.created, time.time()))
        return Answer(200)

    def routes(self) -> list[Route]:
        """The Reminders and Timers APIs' routes."""
        rem, tim = (perm.REMINDERS,), (perm.TIMERS,)
        one_reminder = "/v1/alerts/reminders/(?P<id>[^/]+)"
        one_timer = "/v1/alerts/timers/(?P<id>[^/]+)"
        return [
            Route("POST", "/v1/alerts/reminders", "Reminders API create", self.create_reminder, rem),
            Route("GET", "/v1/alerts/reminders", "Reminders API list", self.list_reminders, rem),
            Route("GET", one_reminder, "Reminders API get", self.get_reminder, rem),
            Route("PUT", one_reminder, "Reminders API update", self.update_reminder, rem),
            Route("DELETE", one_reminder, "Reminders API delete", self.delete_reminder, rem),
            Route("POST", "/v1/alerts/timers", "Timers API create", self.create_timer, tim),
            Route("GET", "/v1/alerts/timers", "Timers API list", self.list_timers, tim),
            Route("DELETE", "/v1/alerts/timers", "Timers API delete all", self.delete_timers, tim),
            Route("POST", one_timer + "/pause", "Timers API pause", self.pause_timer, tim),
            Route("POST", one_timer + "/resume", "Timers API resume", self.resume_timer, tim),
            Route("GET", one_timer, "Timers API get", self.get_timer, tim),
            Route("DELETE", one_timer, "Timers API delete", self.delete_timer, tim),
        ]


def _frequency(trigger: dict[str, Any]) -> str | None:
    recurrence = trigger.get("recurrence")
    if not isinstance(recurrence, dict):
        return None
    freq = recurrence.get("freq")
    if isinstance(freq, str) and freq in ("DAILY", "WEEKLY"):
        return freq
    for rule in recurrence.get("recurrenceRules") or []:
        found = re.search(r"FREQ=(DAILY|WEEKLY)", str(rule))
        if found:
            return found.group(1)
    logger.info("a reminder's recurrence %r is not daily or weekly: it rings once", recurrence)
    return None


def _recur(alert: Alert, now: float) -> float | None:
    """The next time of a recurring reminder after ``now``, or None."""
    if alert.kind != REMINDER or alert.due is None:
        return None
    freq = _frequency(alert.body.get("trigger") or {})
    if freq is None:
        return None
    step = 86400.0 if freq == "DAILY" else 7 * 86400.0
    due = alert.due
    while due <= now:
        due += step
    return due


def _object(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ApiError(400, "INVALID_REQUEST", "the body must be a JSON object")
    return value
