"""The device's AudioPlayer, as Amazon's AudioPlayer interface reference describes it: state, queue, directives,
and the requests the skill that owns the player receives. No audio here: the sound goes through a
:class:`PlaybackOutput` (``assistant.audio.stream`` has the real ones), so ``chat``, a replayed recording and a live
microphone drive the very same player.

Contract (Amazon's reference; the engine sends what this module returns, in order):

- ``AudioPlayer.Play``: ``REPLACE_ALL`` stops what plays (``PlaybackStopped`` to its owner) and empties the queue;
  ``ENQUEUE`` adds to the end of the queue, and its ``expectedPreviousToken`` must be the token of the last
  stream queued (or playing); ``REPLACE_ENQUEUED`` replaces the queue and leaves the current stream playing. When
  nothing plays, what was queued starts. Starting a stream sends ``PlaybackStarted``; a stream that cannot be
  opened sends ``PlaybackFailed`` (with the error type and message) and the user hears :data:`CANNOT_PLAY`.
- ``AudioPlayer.Stop`` stops (``PlaybackStopped`` with the offset reached); ``AudioPlayer.ClearQueue``
  ``CLEAR_ENQUEUED`` empties the queue, ``CLEAR_ALL`` stops as well.
- While a stream plays: ``PlaybackNearlyFinished`` once, when the output is ready for the next stream (a stream of
  known length, :data:`NEARLY_FINISHED_SECONDS` before its end); ``PlaybackFinished`` at its end, then the next
  queued stream starts.
- What a skill may answer to each request (:data:`ALLOWED_DIRECTIVES`): no speech, card or reprompt ever; a
  response that breaks this, or a directive that is not valid, is not acted on and the skill receives
  ``System.ExceptionEncountered`` (``INVALID_RESPONSE``, with ``cause.requestId``).
- ``context.AudioPlayer`` (token, offsetInMilliseconds, playerActivity) goes in every request; the token and
  offset only to the skill that last played.
- Stream URLs: ``https``/``http`` only for a skill granted network at install (``--allow-network``), ``file:``
  only inside the skill's own folder (:func:`resolve_url`).
"""

from __future__ import annotations

import enum
import logging
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from assistant.errors import AssistantError
from assistant.skills.package import SkillPackage

logger = logging.getLogger(__name__)

NEARLY_FINISHED_SECONDS = 10.0
"""How long before the end of a stream of known length ``PlaybackNearlyFinished`` is sent, seconds."""
CANNOT_PLAY = "Sorry, I can't play that right now."
"""What the user hears when a stream cannot be played (the skill gets ``PlaybackFailed``)."""
PLAYER_INTENTS = (
    "AMAZON.PauseIntent",
    "AMAZON.ResumeIntent",
    "AMAZON.NextIntent",
    "AMAZON.PreviousIntent",
    "AMAZON.StartOverIntent",
    "AMAZON.LoopOnIntent",
    "AMAZON.LoopOffIntent",
    "AMAZON.ShuffleOnIntent",
    "AMAZON.ShuffleOffIntent",
    "AMAZON.RepeatIntent",
)
"""Built-in intents that go to the skill that owns the player, without its invocation name, session or not."""
PLAYBACK_COMMANDS = ("PlayCommandIssued", "PauseCommandIssued", "NextCommandIssued", "PreviousCommandIssued")
"""``PlaybackController.*`` requests (the console's or keyboard's buttons)."""
_PLAY_STOP_CLEAR = frozenset({"AudioPlayer.Play", "AudioPlayer.Stop", "AudioPlayer.ClearQueue"})
ALLOWED_DIRECTIVES: dict[str, frozenset[str]] = {
    "AudioPlayer.PlaybackStarted": frozenset({"AudioPlayer.Stop", "AudioPlayer.ClearQueue"}),
    "AudioPlayer.PlaybackNearlyFinished": _PLAY_STOP_CLEAR,
    "AudioPlayer.PlaybackFinished": _PLAY_STOP_CLEAR,
    "AudioPlayer.PlaybackFailed": _PLAY_STOP_CLEAR,
    "AudioPlayer.PlaybackStopped": frozenset(),
    **{f"PlaybackController.{c}": _PLAY_STOP_CLEAR for c in PLAYBACK_COMMANDS},
}
"""The directives a skill may answer each AudioPlayer or PlaybackController request with."""
ERROR_TYPES = (
    "MEDIA_ERROR_UNKNOWN",
    "MEDIA_ERROR_INVALID_REQUEST",
    "MEDIA_ERROR_SERVICE_UNAVAILABLE",
    "MEDIA_ERROR_INTERNAL_SERVER_ERROR",
    "MEDIA_ERROR_INTERNAL_DEVICE_ERROR",
)
"""``PlaybackFailed.error.type`` values."""
MAX_TOKEN_CHARS = 1024
"""Alexa's limit on ``stream.token``."""


class Activity(enum.Enum):
    """``playerActivity``."""

    IDLE = "IDLE"
    PLAYING = "PLAYING"
    PAUSED = "PAUSED"
    BUFFER_UNDERRUN = "BUFFER_UNDERRUN"
    FINISHED = "FINISHED"
    STOPPED = "STOPPED"


class PlaybackError(AssistantError):
    """A stream that cannot be played: ``error_type`` is one of :data:`ERROR_TYPES`."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


@dataclass(frozen=True, slots=True)
class AudioItem:
    """One stream of an ``AudioPlayer.Play`` directive."""

    token: str
    """``stream.token``: the skill's name for the stream."""
    url: str
    """``stream.url`` as the skill gave it."""
    offset_ms: int = 0
    """``stream.offsetInMilliseconds``: where to start, milliseconds."""
    expected_previous_token: str | None = None
    """``stream.expectedPreviousToken`` (ENQUEUE)."""
    metadata: dict[str, Any] | None = None
    """``audioItem.metadata`` (title, subtitle, art), shown on the console."""

    @property
    def title(self) -> str:
        """The metadata's title, else the token."""
        title = (self.metadata or {}).get("title")
        return title if isinstance(title, str) and title else self.token


@dataclass(frozen=True, slots=True)
class OutputEvent:
    """Something the output reports about the stream it plays."""

    kind: str
    """``nearly-finished``, ``finished`` or ``failed``."""
    offset_ms: int
    """Where the stream is, milliseconds."""
    error: PlaybackError | None = None
    """Why it failed (``failed``)."""


class PlaybackOutput(Protocol):
    """Where the player's sound goes: one stream at a time."""

    def start(self, url: str, offset_ms: int) -> None:
        """Open ``url`` (already resolved by :func:`resolve_url`) and play from ``offset_ms``; raises
        :class:`PlaybackError` when it cannot be opened."""
        ...

    def stop(self) -> int:
        """Stop; the offset reached, milliseconds."""
        ...

    def offset(self) -> int:
        """The offset of the stream playing, milliseconds."""
        ...

    def poll(self) -> OutputEvent | None:
        """What happened to the stream since the last call (at most one event per call)."""
        ...


@dataclass(frozen=True, slots=True)
class Notice:
    """A request the engine must send to a skill because of the player (``request`` without envelope)."""

    package: SkillPackage
    """The skill to send it to."""
    request: dict[str, Any]
    """``request`` of the envelope (type, token, offsetInMilliseconds …; ids and timestamp added by the engine)."""
    say: str | None = None
    """What the user hears as well (:data:`CANNOT_PLAY` after a failure)."""


@dataclass(slots=True)
class AudioPlayer:
    """The device's player: what plays, what is queued, who owns it; its sound goes through ``output``."""

    output: PlaybackOutput
    """Where the sound goes."""
    url_map: Mapping[str, str] = field(default_factory=dict)
    """Test-only: stream URLs replaced before opening (``Settings.stream_url_map``)."""
    fetch: bool = True
    """False for ``assistant test``: URLs are given to the output as they are, without the network grant's or the
    skill folder's checks, since the output fetches nothing (a silent :class:`ClockOutput` without probe)."""
    owner: SkillPackage | None = None
    """The skill that last played (it receives the player's requests and intents)."""
    current: AudioItem | None = None
    """The stream playing, or last played."""
    queue: list[AudioItem] = field(default_factory=list)
    """Streams queued after ``current``."""
    activity: Activity = Activity.IDLE
    """``playerActivity``."""
    offset_ms: int = 0
    """The offset of ``current`` when it is not playing, milliseconds."""
    _nearly_sent: bool = False

    # --- what the device tells ---------------------------------------------------------------------------

    @property
    def playing(self) -> bool:
        """True while a stream plays."""
        return self.activity is Activity.PLAYING

    def offset(self) -> int:
        """The offset of the current stream, milliseconds."""
        return self.output.offset() if self.playing else self.offset_ms

    def context(self, package: SkillPackage | None) -> dict[str, Any]:
        """``context.AudioPlayer`` for a request to ``package``: token and offset for the player's owner only."""
        if package is None or self.owner is None or package.name != self.owner.name or self.current is None:
            return {"playerActivity": Activity.IDLE.value}
        return {
            "token": self.current.token,
            "offsetInMilliseconds": self.offset(),
            "playerActivity": self.activity.value,
        }

    # --- directives ----------------------------------------------------------------------------------------

    def check(self, directives: list[dict[str, Any]], answering: str | None = None) -> str | None:
        """Why these AudioPlayer directives (in a response to a request of type ``answering``) are invalid, or
        None when they are valid."""
        allowed = ALLOWED_DIRECTIVES.get(answering or "")
        last = self.queue[-1].token if self.queue else (self.current.token if self.current else None)
        for index, directive in enumerate(directives):
            kind = str(directive.get("type"))
            where = f"/response/directives/{index}"
            if allowed is not None and kind not in allowed:
                return f"{where}: {kind} is not allowed in a response to {answering}"
            if kind == "AudioPlayer.Play":
                stream = (directive.get("audioItem") or {}).get("stream") or {}
                behavior = directive.get("playBehavior") or "REPLACE_ALL"
                token = stream.get("token")
                if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
                    return f"{where}/audioItem/stream/token: a token of 1 to {MAX_TOKEN_CHARS} characters is required"
                scheme = urllib.parse.urlsplit(str(stream.get("url", ""))).scheme.lower()
                if scheme not in ("https", "http", "file"):
                    return f"{where}/audioItem/stream/url: {stream.get('url')!r} is not an https, http or file URL"
                expected = stream.get("expectedPreviousToken")
                if behavior == "ENQUEUE" and expected is not None and last is not None and expected != last:
                    return f"{where}/audioItem/stream/expectedPreviousToken: {expected!r}, but the last stream is {last!r}"
                last = token
            elif kind == "AudioPlayer.ClearQueue" and directive.get("clearBehavior") not in (
                "CLEAR_ENQUEUED",
                "CLEAR_ALL",
            ):
                return f"{where}/clearBehavior: CLEAR_ENQUEUED or CLEAR_ALL is required"
        return None

    def apply(self, package: SkillPackage, directives: list[dict[str, Any]]) -> list[Notice]:
        """Carry out (checked) AudioPlayer directives from ``package``; the requests that follow."""
        notices: list[Notice] = []
        for directive in directives:
            kind = directive.get("type")
            if kind == "AudioPlayer.Play":
                notices += self._play(package, directive)
            elif kind == "AudioPlayer.Stop":
                notices += self.stop()
            elif kind == "AudioPlayer.ClearQueue":
                self.queue.clear()
                if directive.get("clearBehavior") == "CLEAR_ALL":
                    notices += self.stop()
        return notices

    def _play(self, package: SkillPackage, directive: dict[str, Any]) -> list[Notice]:
        audio = directive.get("audioItem") or {}
        stream = audio.get("stream") or {}
        metadata = audio.get("metadata")
        item = AudioItem(
            token=str(stream["token"]),
            url=str(stream["url"]),
            offset_ms=max(0, int(stream.get("offsetInMilliseconds") or 0)),
            expected_previous_token=stream.get("expectedPreviousToken"),
            metadata=metadata if isinstance(metadata, dict) else None,
        )
        behavior = directive.get("playBehavior") or "REPLACE_ALL"
        notices: list[Notice] = []
        if behavior == "REPLACE_ALL" or self.owner is None or self.owner.name != package.name:
            notices += self.stop()
            self.queue.clear()
            self.owner = package
            return notices + self._start(item)
        if behavior == "REPLACE_ENQUEUED":
            self.queue = [item]
        else:
            self.queue.append(item)
        if self.activity in (Activity.IDLE, Activity.FINISHED):  # nothing to resume: what was queued plays
            return self._start(self.queue.pop(0))
        return notices

    def stop(self) -> list[Notice]:
        """Stop what plays (``PlaybackStopped`` to its owner); nothing when nothing plays."""
        if not self.playing or self.owner is None or self.current is None:
            return []
        self.offset_ms = self.output.stop()
        self.activity = Activity.STOPPED
        logger.info("player: %s stopped at %d ms", self.current.token, self.offset_ms)
        return [self._notice("AudioPlayer.PlaybackStopped")]

    def _start(self, item: AudioItem) -> list[Notice]:
        assert self.owner is not None
        self.current = item
        self.offset_ms = item.offset_ms
        self._nearly_sent = False
        try:
            url = resolve_url(item.url, self.owner, self.url_map) if self.fetch else item.url
            self.output.start(url, item.offset_ms)
        except PlaybackError as error:
            logger.error("player: %s (%s) cannot be played: %s", item.token, item.url, error)
            self.activity = Activity.STOPPED
            return [self._failed(error)]
        self.activity = Activity.PLAYING
        logger.info("player: %s started at %d ms (%s)", item.token, item.offset_ms, item.url)
        return [self._notice("AudioPlayer.PlaybackStarted", offset=item.offset_ms)]

    # --- time passing --------------------------------------------------------------------------------------

    def poll(self) -> list[Notice]:
        """What the output reported since the last call, as requests to the owner (a stream that finished
        starts the next one queued)."""
        if not self.playing:
            return []
        event = self.output.poll()
        if event is None:
            return []
        if event.kind == "nearly-finished":
            if self._nearly_sent:
                return []
            self._nearly_sent = True
            return [self._notice("AudioPlayer.PlaybackNearlyFinished", offset=event.offset_ms)]
        self.offset_ms = event.offset_ms
        if event.kind == "failed":
            self.activity = Activity.STOPPED
            return [self._failed(event.error or PlaybackError("MEDIA_ERROR_UNKNOWN", "playback failed"))]
        notices = []
        if not self._nearly_sent:
            notices.append(self._notice("AudioPlayer.PlaybackNearlyFinished", offset=event.offset_ms))
        self.activity = Activity.FINISHED
        notices.append(self._notice("AudioPlayer.PlaybackFinished", offset=event.offset_ms))
        if self.queue:
            notices += self._start(self.queue.pop(0))
        return notices

    def simulate(self, kind: str) -> list[Notice]:
        """An AudioPlayer request as a test step (``AudioPlayer.PlaybackFinished`` …): ``PlaybackStopped`` stops,
        ``PlaybackFinished`` ends the current stream and starts the next queued, the others are sent as they are
        with the current token and offset; nothing without an owner."""
        if self.owner is None or self.current is None:
            return []
        if kind == "AudioPlayer.PlaybackStopped" and self.playing:
            return self.stop()
        if kind == "AudioPlayer.PlaybackFinished" and self.playing:
            self.offset_ms = self.output.stop()
            self._nearly_sent = True
            self.activity = Activity.FINISHED
            notices = [self._notice(kind)]
            if self.queue:
                notices += self._start(self.queue.pop(0))
            return notices
        if kind == "AudioPlayer.PlaybackFailed":
            self.offset_ms = self.offset()
            if self.playing:
                self.output.stop()
            self.activity = Activity.STOPPED
            return [self._failed(PlaybackError("MEDIA_ERROR_UNKNOWN", "a test step"))]
        if kind == "AudioPlayer.PlaybackNearlyFinished":
            self._nearly_sent = True
        return [self._notice(kind, offset=self.offset())]

    # --- requests ------------------------------------------------------------------------------------------

    def _notice(self, kind: str, offset: int | None = None) -> Notice:
        assert self.owner is not None and self.current is not None
        return Notice(
            self.owner,
            {"type": kind, "token": self.current.token,
             "offsetInMilliseconds": self.offset_ms if offset is None else offset},
        )

    def _failed(self, error: PlaybackError) -> Notice:
        assert self.owner is not None and self.current is not None
        request = {
            "type": "AudioPlayer.PlaybackFailed",
            "token": self.current.token,
            "error": {"type": error.error_type, "message": error.message},
            "currentPlaybackState": {
                "token": self.current.token,
                "offsetInMilliseconds": self.offset_ms,
                "playerActivity": self.activity.value,
            },
        }
        return Notice(self.owner, request, say=CANNOT_PLAY)

    def controller(self, command: str) -> Notice | None:
        """``PlaybackController.<command>`` for the owner (a console button); None without an owner."""
        if self.owner is None:
            return None
        return Notice(self.owner, {"type": f"PlaybackController.{command}"})


def resolve_url(url: str, package: SkillPackage, url_map: Mapping[str, str] | None = None) -> str:
    """What the output may open for ``url`` from ``package``: a network URL only with the skill's network grant,
    a ``file:`` URL only inside the skill's folder (as a path); raises :class:`PlaybackError` otherwise."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        if not package.allow_network:
            raise PlaybackError(
                "MEDIA_ERROR_INVALID_REQUEST",
                f"skill {package.name!r} has no network grant, so {url} is not fetched "
                "(install it with --allow-network to let it stream)",
            )
        mapped = (url_map or {}).get(url)
        if mapped is not None:
            logger.info("player: %s mapped to %s (test URL map)", url, mapped)
            return mapped
        return url
    if scheme == "file":
        path = Path(urllib.parse.unquote(parts.path))
        root = package.root.resolve()
        if not path.is_absolute():
            path = root / path
        resolved = path.resolve()
        if not resolved.is_relative_to(root):
            raise PlaybackError(
                "MEDIA_ERROR_INVALID_REQUEST", f"{url} is outside skill {package.name!r}'s folder ({root})"
            )
        if not resolved.is_file():
            raise PlaybackError("MEDIA_ERROR_INVALID_REQUEST", f"{url}: no such file in the skill's folder")
        return str(resolved)
    raise PlaybackError("MEDIA_ERROR_INVALID_REQUEST", f"{url}: only https, http and file URLs are played")


class ClockOutput:
    """A silent output whose stream advances with a clock (``chat``, ``assistant test``): a stream is opened by
    ``probe`` (which raises :class:`PlaybackError` when it cannot be, and gives its length in seconds, None for
    a live stream), then plays in silence at the clock's pace."""

    def __init__(self, clock: Callable[[], float], probe: Callable[[str], float | None] | None = None) -> None:
        self._clock = clock
        self._probe = probe
        self._start = 0.0
        self._from_ms = 0
        self._length_ms: int | None = None
        self._playing = False

    def start(self, url: str, offset_ms: int) -> None:
        length = self._probe(url) if self._probe is not None else None
        self._length_ms = None if length is None else int(length * 1000)
        self._from_ms = offset_ms
        self._start = self._clock()
        self._playing = True

    def stop(self) -> int:
        offset = self.offset()
        self._playing = False
        return offset

    def offset(self) -> int:
        if not self._playing:
            return self._from_ms
        offset = self._from_ms + int((self._clock() - self._start) * 1000)
        return offset if self._length_ms is None else min(offset, self._length_ms)

    def poll(self) -> OutputEvent | None:
        if not self._playing or self._length_ms is None:
            return None
        offset = self.offset()
        if offset >= self._length_ms:
            self._playing = False
            self._from_ms = offset
            return OutputEvent("finished", offset)
        if offset >= self._length_ms - NEARLY_FINISHED_SECONDS * 1000:
            return OutputEvent("nearly-finished", offset)
        return None
