"""``assistant chat``: talk to the skills by typing, through the same engine the voice loop uses.

Each line is an utterance; an empty line is silence (the skill's reprompt, then the session ends). A line that
begins with the wake word ("alexa stop", "alexa, open wise guy") is what an Echo hears after its wake word: inside a
session it can stop, cancel, ask for help or open another skill (``--wake-word`` for another phrase). With an
UTTERANCE argument, that one utterance is run and the command exits, ending a session left open. Without a
terminal on stdin, lines are read until end of input, without prompts, so tests and scripts can pipe input.
While a skill's audio plays (silently: chat has no sound), ``/play``, ``/pause``, ``/next`` and ``/previous`` are the
player's buttons, and the player's requests to the skill are shown as ``[audio: …]`` lines.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from ..runtime.engine import DEFAULT_WAKE_PHRASE, Engine, Turn
from ..runtime.envelopes import card_text
from ..runtime.events import SESSION_ENDED
from ..settings import Settings
from ..skills.layout import detect
from ..skills.package import SkillPackage
from ..skills.registry import Registry
from ..skills.sanitize import printable
from ..skills.store import AttributeStore
from ..skills.worker import WorkerPool
from ..tts.ssml import spoken_text
from .common import add_locale_option, add_skill_options, sandbox_notice, text_player

CONSOLE_CONTROLS = {
    "/play": "PlayCommandIssued",
    "/pause": "PauseCommandIssued",
    "/next": "NextCommandIssued",
    "/previous": "PreviousCommandIssued",
}
"""Lines that press the player's buttons (``PlaybackController.*`` to the skill that owns the player)."""
LOCAL_ENVS = (".venv", "venv", "env")
"""Virtualenv folders looked for in a ``--skill`` folder (or its code folder) for a Python skill."""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser(
        "chat", help="type to the skills: shows what would be spoken, the reprompt and the card"
    )
    p.add_argument("utterance", nargs="?", help="run this one utterance and exit")
    p.add_argument(
        "--json", action="store_true", help="print each turn as one JSON line, with the raw envelopes"
    )
    add_skill_options(p)
    add_locale_option(p)
    p.add_argument(
        "--wake-word",
        default=DEFAULT_WAKE_PHRASE,
        metavar="PHRASE",
        help=f"the wake phrase a typed line may begin with, as said inside a session (default {DEFAULT_WAKE_PHRASE!r})",
    )
    p.set_defaults(handler=run)


def local_package(path: Path, settings: Settings) -> SkillPackage:
    """A skill folder as a package for this run; a Python skill uses a virtualenv found in the folder."""
    package = detect(path, settings.locale)
    if package.runtime == "python":
        for folder in (package.code_dir, package.root):
            for name in LOCAL_ENVS:
                if (folder / name / "bin" / "python").exists():
                    return replace(package, env_dir=folder / name)
    return package


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.no_bundled:
        settings = settings.with_(include_bundled=False)
    extra = [local_package(path, settings) for path in args.skill]
    store = AttributeStore(settings.database)
    interactive = args.utterance is None and sys.stdin.isatty()
    notice = sandbox_notice(settings)
    if notice is not None:
        print(f"note: {notice}", file=sys.stderr)
    with (
        store,
        Engine(
            settings,
            Registry(settings),
            WorkerPool(settings, store),
            store,
            extra_skills=extra,
            wake_phrase=args.wake_word,
            player=text_player(settings),
        ) as engine,
    ):
        if interactive:
            engine.skills()
            for notice in engine.notices:
                print(f"note: {notice}", file=sys.stderr)
            names = ", ".join(sorted(engine.skills())) or "none"
            print(
                f"Skills: {names}. Type what you would say; an empty line is silence; "
                f"'{args.wake_word}, …' works inside a skill too; Ctrl-D ends."
            )
        engine.services.progressive.speak = lambda _skill, text: show_progress(text, args.json, sys.stdout)
        if args.utterance is not None:
            show(engine.handle_text(args.utterance), args.json, sys.stdout)
            return 0
        with AlertWatcher(engine, lambda turn: show(turn, args.json, sys.stdout)) as watcher:
            for line in _lines(interactive):
                with watcher.lock:
                    progress = engine.poll_player()  # what the player did while the user typed
                    if progress is not None:
                        show(progress, args.json, sys.stdout)
                    command = CONSOLE_CONTROLS.get(line.strip().lower())
                    turn = engine.playback_control(command) if command else engine.handle_text(line)
                    show(turn, args.json, sys.stdout)
    return 0


class AlertWatcher:
    """Says reminders and timers at their time while the user types (a thread of its own, stopped on exit);
    ``lock`` keeps it and the user's lines from using the engine at once."""

    INTERVAL = 0.5
    """Seconds between looks at what is due."""

    def __init__(self, engine: Engine, show_turn: Any) -> None:
        self.engine = engine
        self.show_turn = show_turn
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="alerts", daemon=True)

    def __enter__(self) -> AlertWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5.0)

    def _watch(self) -> None:
        while not self._stop.wait(self.INTERVAL):
            with self.lock:
                turn = self.engine.poll_alerts()
                if turn is not None:
                    self.show_turn(turn)


def show_progress(text: str, as_json: bool, out: TextIO) -> None:
    """A progressive response, as it comes."""
    spoken = spoken_text(text, text.lstrip().startswith("<speak"))
    if as_json:
        out.write(json.dumps({"progressive": text, "text": spoken}) + "\n")
    else:
        out.write(printable(f"alexa> {spoken}") + "\n")
    out.flush()


def _lines(interactive: bool) -> Any:
    """The user's lines: prompted on a terminal, else read from stdin until end of input."""
    if not interactive:
        for line in sys.stdin:
            yield line.rstrip("\r\n")
        return
    while True:
        try:
            yield input("you> ")
        except EOFError:
            print()
            return


def show(turn: Turn, as_json: bool, out: TextIO) -> None:
    """Print one turn: what would be spoken, the reprompt, the card, and the session's state."""
    if as_json:
        out.write(json.dumps(turn_json(turn)) + "\n")
        out.flush()
        return
    lines = []
    speech = spoken_text(turn.speech, turn.speech_ssml)
    if speech:
        lines.append(f"alexa> {speech}")
    if turn.reprompt and turn.listen:
        lines.append(f"  reprompt: {spoken_text(turn.reprompt, turn.reprompt_ssml)}")
    if turn.card and turn.card.get("type") == "AskForPermissionsConsent":
        lines.append(f"  card: {consent_card(turn.skill, turn.card)}")
    elif turn.card:
        lines.append(f"  card: {card_text(turn.card)}")
    lines += [f"  [{line}]" for line in audio_lines(turn)]
    lines += [f"  [volume {e.detail} of 10]" for e in turn.events if getattr(e, "kind", None) == "volume"]
    if any(e.startswith("alert-ringing:") for e in turn.events):
        lines.append("  [ringing: say 'alexa, stop']")
    if any(e.startswith("alert-stopped:") for e in turn.events):
        lines.append("  [stopped]")
    if turn.error:
        lines.append(f"  error: {turn.error}")
    if turn.session_open:
        lines.append(f"  [{turn.skill}: session open{', listening' if turn.listen else ''}]")
    elif any(e.kind == SESSION_ENDED for e in turn.events):
        lines.append(f"  [{turn.skill}: session ended]")
    for line in lines:  # what a skill says may carry terminal escape sequences
        out.write(printable(line) + "\n")
    out.flush()


def audio_lines(turn: Turn) -> list[str]:
    """The player's requests of a turn, one line each: ``audio: PlaybackStarted sample-token at 0 ms``."""
    lines = []
    for event in turn.requests:
        request = event.get("request") or {}
        kind = str(request.get("type", ""))
        if kind.startswith(("AudioPlayer.", "PlaybackController.", "System.")):
            line = f"audio: {kind.split('.', 1)[1]}"
            if "token" in request:
                line += f" {request['token']} at {request.get('offsetInMilliseconds', 0)} ms"
            if isinstance(request.get("error"), dict):
                line += f": {request['error'].get('type')} {request['error'].get('message', '')}"
            lines.append(line)
    return lines


def consent_card(skill: str | None, card: dict[str, Any]) -> str:
    """An ``AskForPermissionsConsent`` card as the Alexa app would show it: what the skill asks for, and how to
    grant it here."""
    asked = [p for p in card.get("permissions") or [] if isinstance(p, str)]
    names = " ".join(asked) or "PERMISSION"
    return f"{skill or 'the skill'} asks for permission: {', '.join(asked) or '(none named)'}; grant it with " \
        f"`assistant skill grant {skill or 'NAME'} {names}`"


def turn_json(turn: Turn) -> dict[str, Any]:
    """A turn as JSON: what was heard and understood, the raw envelopes, and what would be said."""
    return {
        "heard": turn.heard,
        "result": turn.result.to_json() if turn.result is not None else None,
        "skill": turn.skill,
        "requests": list(turn.requests),
        "responses": list(turn.responses),
        "speech": turn.speech,
        "speech_ssml": turn.speech_ssml,
        "text": spoken_text(turn.speech, turn.speech_ssml),
        "reprompt": turn.reprompt,
        "card": turn.card,
        "session_open": turn.session_open,
        "listen": turn.listen,
        "events": list(turn.events),
        "error": turn.error,
    }
