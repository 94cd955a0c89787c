"""What the voice benchmark says to the bundled skills, as data: no audio here (``bench/voices.py`` speaks it).

Three kinds of case:

- ``REQUESTS``: "alexa" then a request, at the top level: ``Request(text, skill, intent, slots)``. ``text`` is
  what follows the wake word; ``intent`` is ``LaunchRequest`` for "open <skill>", else the intent the skill
  receives; ``slots`` the slot values expected (``{"number": "50"}``, ``{"Planet": "mars"}``). ``skill`` is the
  skill's folder in ``skills/`` (``knock-knock`` is "wise guy").
- ``ANSWERS``: an answer inside an open session, said without the wake word: ``Answer(skill, setup, text,
  intent, slots, sent, kind)``. ``setup`` is the conversation that leads there: its first line follows "alexa"
  (``"open high low game"``), the others are answers of their own (``"yes"`` to start a game before a number is
  guessed); a benchmark that measures only the answer can type the setup (``Engine.handle_text``) and speak
  only ``text``. ``intent`` and ``slots`` are what the recogniser should understand; ``sent`` is the intent the
  skill then receives (None when the dialog model answers for the skill, as for barista's "large" when it asks
  for the size; and barista's confirmation "yes" reaches the skill as ``OrderDrinkIntent``). ``kind`` is one of
  the issue's kinds: yes, no, stop, cancel, help, number, whos-there, one-word, slot (a slot value the dialog
  asked for).
- ``WAKE_IN_SESSION``: "alexa, <something>" said while a session waits for an answer (the issue's "wake word at
  any time"). ``text`` is what follows "alexa"; the expectations are the issue's: stop and cancel go to the skill
  as its intents, "open <another skill>" ends this session and starts that skill (``intent == "LaunchRequest"``,
  ``to_skill`` the new one), an answer after "alexa" is the answer. By text the engine does this.

Every case has ``held_out``: the dev cases are the ones to look at while tuning; the held-out wordings judge the
result (the issue: "held-out cases of the same kinds judge the result"). Each skill and each answer kind has
cases in both sets.

``check_by_text()`` runs every case through the real engine by text (the skills' real code in their workers,
persistent attributes in a throw-away data folder) and returns the failures; ``python -m bench.conversations``
prints them. By text every case passes, so a case that fails by voice failed in the voice path.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

WAKE_WORD = "alexa"

INVOCATION = {
    "knock-knock": "wise guy",
    "high-low": "high low game",
    "space-facts": "space facts",
    "hello-world": "hello world",
    "barista": "barista",
}
"""Skill folder → the name said to open it."""


@dataclass(frozen=True, slots=True)
class Request:
    """ "alexa, <text>" with no session open."""

    text: str
    skill: str
    intent: str
    slots: dict[str, str] = field(default_factory=dict)
    held_out: bool = False
    sent: str | None = ""
    """The request the skill receives; "" means ``intent``; None: nothing yet (the dialog model asks first, as
    barista's confirmation "So a large latte, right?")."""

    @property
    def sent_intent(self) -> str | None:
        return self.intent if self.sent == "" else self.sent

    @property
    def spoken(self) -> str:
        """The whole utterance, wake word first."""
        return f"{WAKE_WORD}, {self.text}"


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer said (without the wake word) while ``skill``'s session waits, after the ``setup`` turns."""

    skill: str
    setup: tuple[str, ...]
    text: str
    intent: str
    slots: dict[str, str] = field(default_factory=dict)
    sent: str | None = ""
    """The intent the skill receives; "" means the same as ``intent``; None: nothing is sent (the dialog model
    answers)."""
    kind: str = ""
    held_out: bool = False

    @property
    def sent_intent(self) -> str | None:
        return self.intent if self.sent == "" else self.sent


@dataclass(frozen=True, slots=True)
class WakeInSession:
    """ "alexa, <text>" said while ``skill``'s session waits, after ``setup``."""

    skill: str
    setup: tuple[str, ...]
    text: str
    intent: str
    slots: dict[str, str] = field(default_factory=dict)
    to_skill: str = ""
    """The skill that gets it: "" for the open one; another folder for "open <another skill>"."""
    held_out: bool = False

    @property
    def spoken(self) -> str:
        return f"{WAKE_WORD}, {self.text}"


def _r(text: str, skill: str, intent: str = "LaunchRequest", held_out: bool = False, sent: str | None = "",
       **slots: str) -> Request:
    return Request(text, skill, intent, dict(slots), held_out, sent)


H = True  # held out

REQUESTS: tuple[Request, ...] = (
    # wise guy (skills/knock-knock)
    _r("open wise guy", "knock-knock"),
    _r("launch wise guy", "knock-knock"),
    _r("ask wise guy to tell me a joke", "knock-knock", "TellJokeIntent"),
    _r("tell wise guy to tell me a knock knock joke", "knock-knock", "TellJokeIntent"),
    _r("start wise guy", "knock-knock", held_out=H),
    _r("ask wise guy for a joke", "knock-knock", "TellJokeIntent", held_out=H),
    # high low game
    _r("open high low game", "high-low"),
    _r("launch high low game", "high-low"),
    _r("ask high low game what is my score", "high-low", "StatsIntent"),
    _r("play high low game", "high-low", held_out=H),
    _r("ask high low game how am i doing", "high-low", "StatsIntent", held_out=H),
    # space facts
    _r("open space facts", "space-facts"),
    _r("ask space facts for a fact", "space-facts", "GetFactIntent"),
    _r("ask space facts to tell me about mars", "space-facts", "GetPlanetFactIntent", Planet="mars"),
    _r("ask space facts what do you know about neptune", "space-facts", "GetPlanetFactIntent", Planet="neptune"),
    _r("launch space facts", "space-facts", held_out=H),
    _r("ask space facts to tell me a fact", "space-facts", "GetFactIntent", held_out=H),
    _r("tell space facts to give me a fact about jupiter", "space-facts", "GetPlanetFactIntent", held_out=H,
       Planet="jupiter"),
    # hello world
    _r("open hello world", "hello-world"),
    _r("tell hello world to say hello", "hello-world", "HelloWorldIntent"),
    _r("ask hello world to say hi", "hello-world", "HelloWorldIntent"),
    _r("start hello world", "hello-world", held_out=H),
    _r("ask hello world to greet me", "hello-world", "HelloWorldIntent", held_out=H),
    # barista
    _r("open barista", "barista"),
    _r("tell barista to make me a large latte", "barista", "OrderDrinkIntent", sent=None, size="large", drink="latte"),
    _r("ask barista for a medium cappuccino please", "barista", "OrderDrinkIntent", sent=None, size="medium",
       drink="cappuccino"),
    _r("ask barista what is on the menu", "barista", "MenuIntent"),
    _r("launch barista", "barista", held_out=H),
    _r("ask barista to get me a small mocha", "barista", "OrderDrinkIntent", held_out=H, sent=None, size="small",
       drink="mocha"),
    _r("ask barista what drinks do you have", "barista", "MenuIntent", held_out=H),
)
"""Wake word + request, several wordings per skill; about a third held out."""


HL = ("open high low game",)
HL_GAME = ("open high low game", "yes")
WG = ("open wise guy",)
WG_PUNCH = ("open wise guy", "who's there", "pasta who")
HW = ("open hello world",)
SF = ("open space facts",)
BA = ("open barista",)
BA_SIZE = ("open barista", "i would like a latte")
BA_CONFIRM = ("open barista", "i would like a latte", "large")


def _a(skill: str, before: tuple[str, ...], text: str, intent: str, kind: str, sent: str | None = "",
       held_out: bool = False, **slots: str) -> Answer:
    return Answer(skill, before, text, intent, dict(slots), sent, kind, held_out)


ANSWERS: tuple[Answer, ...] = (
    # yes
    _a("high-low", HL, "yes", "AMAZON.YesIntent", "yes"),
    _a("knock-knock", WG_PUNCH, "yes", "AMAZON.YesIntent", "yes"),
    _a("barista", BA_CONFIRM, "yes", "AMAZON.YesIntent", "yes", sent="OrderDrinkIntent"),
    _a("high-low", HL, "yeah", "AMAZON.YesIntent", "yes", held_out=H),
    _a("knock-knock", WG_PUNCH, "sure", "AMAZON.YesIntent", "yes", held_out=H),
    # no
    _a("high-low", HL, "no", "AMAZON.NoIntent", "no"),
    _a("knock-knock", WG_PUNCH, "no", "AMAZON.NoIntent", "no"),
    _a("high-low", HL, "no thanks", "AMAZON.NoIntent", "no", held_out=H),
    _a("knock-knock", WG_PUNCH, "nope", "AMAZON.NoIntent", "no", held_out=H),
    # stop
    _a("high-low", HL_GAME, "stop", "AMAZON.StopIntent", "stop"),
    _a("barista", BA_SIZE, "stop", "AMAZON.StopIntent", "stop"),
    _a("knock-knock", WG, "stop", "AMAZON.StopIntent", "stop"),
    _a("space-facts", SF, "stop", "AMAZON.StopIntent", "stop", held_out=H),
    _a("hello-world", HW, "stop", "AMAZON.StopIntent", "stop", held_out=H),
    # cancel
    _a("high-low", HL_GAME, "cancel", "AMAZON.CancelIntent", "cancel"),
    _a("hello-world", HW, "cancel", "AMAZON.CancelIntent", "cancel"),
    _a("barista", BA, "cancel", "AMAZON.CancelIntent", "cancel", held_out=H),
    _a("knock-knock", WG_PUNCH, "never mind", "AMAZON.CancelIntent", "cancel", held_out=H),
    # help
    _a("high-low", HL_GAME, "help", "AMAZON.HelpIntent", "help"),
    _a("space-facts", SF, "help", "AMAZON.HelpIntent", "help"),
    _a("barista", BA, "help", "AMAZON.HelpIntent", "help"),
    _a("hello-world", HW, "help", "AMAZON.HelpIntent", "help", held_out=H),
    _a("knock-knock", WG, "help", "AMAZON.HelpIntent", "help", held_out=H),
    # a number (high low game)
    _a("high-low", HL_GAME, "fifty", "NumberGuessIntent", "number", number="50"),
    _a("high-low", HL_GAME, "twenty five", "NumberGuessIntent", "number", number="25"),
    _a("high-low", HL_GAME, "is it seventy three", "NumberGuessIntent", "number", number="73"),
    _a("high-low", HL_GAME, "how about twelve", "NumberGuessIntent", "number", number="12"),
    _a("high-low", HL_GAME, "eighty", "NumberGuessIntent", "number", held_out=H, number="80"),
    _a("high-low", HL_GAME, "my guess is forty one", "NumberGuessIntent", "number", held_out=H, number="41"),
    _a("high-low", HL_GAME, "sixty six", "NumberGuessIntent", "number", held_out=H, number="66"),
    # who's there (wise guy)
    _a("knock-knock", WG, "who's there", "WhosThereIntent", "whos-there"),
    _a("knock-knock", WG, "who is there", "WhosThereIntent", "whos-there", held_out=H),
    _a("knock-knock", ("open wise guy", "who's there"), "pasta who", "SetupWhoIntent", "whos-there",
       setup="pasta"),
    # one-word (and short) requests
    _a("hello-world", HW, "hello", "HelloWorldIntent", "one-word"),
    _a("space-facts", SF, "mars", "GetPlanetFactIntent", "one-word", Planet="mars"),
    _a("barista", BA, "menu", "MenuIntent", "one-word"),
    _a("hello-world", HW, "hi", "HelloWorldIntent", "one-word", held_out=H),
    _a("space-facts", SF, "jupiter", "GetPlanetFactIntent", "one-word", held_out=H, Planet="jupiter"),
    # a slot value the dialog asked for (barista's "What size would you like?")
    _a("barista", BA_SIZE, "large", "OrderDrinkIntent", "slot", sent=None, size="large"),
    _a("barista", BA_SIZE, "a small please", "OrderDrinkIntent", "slot", sent=None, held_out=H, size="small"),
)
"""In-session answers, every kind in dev and held-out."""


WAKE_IN_SESSION: tuple[WakeInSession, ...] = (
    WakeInSession("high-low", HL_GAME, "stop", "AMAZON.StopIntent"),
    WakeInSession("knock-knock", WG, "cancel", "AMAZON.CancelIntent"),
    WakeInSession("barista", BA_SIZE, "help", "AMAZON.HelpIntent"),
    WakeInSession("high-low", HL_GAME, "open wise guy", "LaunchRequest", to_skill="knock-knock"),
    WakeInSession("knock-knock", WG, "who's there", "WhosThereIntent"),
    WakeInSession("high-low", HL_GAME, "fifty", "NumberGuessIntent", {"number": "50"}),
    WakeInSession("space-facts", SF, "tell me about mars", "GetPlanetFactIntent", {"Planet": "mars"}),
    WakeInSession("space-facts", SF, "stop", "AMAZON.StopIntent", held_out=H),
    WakeInSession("knock-knock", WG, "open hello world", "LaunchRequest", to_skill="hello-world", held_out=H),
    WakeInSession("high-low", HL, "yes", "AMAZON.YesIntent", held_out=H),
)
"""The wake word inside an open session (the issue's "wake word at any time")."""


def dev(cases: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(c for c in cases if not c.held_out)


def held_out(cases: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(c for c in cases if c.held_out)


# --- by text, through the real engine ---------------------------------------------------------------------------

NOW = datetime(2024, 5, 14, 18, 30, tzinfo=UTC)


@contextmanager
def text_engine(seed: int = 1) -> Iterator[Any]:
    """The real engine with the bundled skills, in a throw-away data folder (fresh persistent attributes: no
    score or "usual" order carried over). The skills' environments are borrowed: the ones ``assistant setup``
    made in the normal data folder, else the test environments of ``assistant.testing.skill.with_environment``
    (built in the cache folder, which needs the network once)."""
    from assistant.runtime.engine import Engine
    from assistant.settings import Settings
    from assistant.skills.environments import BUNDLED_ENVS, needs_environment
    from assistant.skills.registry import Registry
    from assistant.skills.store import AttributeStore
    from assistant.skills.worker import WorkerPool
    from assistant.testing.skill import with_environment

    base = Settings()
    with tempfile.TemporaryDirectory(prefix="bench-conversations-") as tmp:
        settings = base.with_(data_dir=Path(tmp) / "data", seed=seed)
        envs = settings.data_dir / BUNDLED_ENVS
        envs.mkdir(parents=True)
        for package in Registry(settings).bundled():
            if not needs_environment(package):
                continue
            env: Path | None = base.data_dir / BUNDLED_ENVS / package.name
            if env is None or not env.is_dir():
                env = with_environment(package, base, Path(tmp)).env_dir
            if env is not None:
                os.symlink(env, envs / package.name, target_is_directory=True)
        store = AttributeStore(settings.database)
        with store, Engine(settings, Registry(settings), WorkerPool(settings, store), store,
                           clock=lambda: NOW, rng=random.Random(seed)) as engine:
            yield engine


def _intent_requests(turn: Any) -> list[dict[str, Any]]:
    return [r["request"] for r in turn.requests if r["request"]["type"] in ("IntentRequest", "LaunchRequest")]


def _got(turn: Any) -> tuple[str | None, dict[str, str]]:
    if turn.result is None:
        return None, {}
    return turn.result.intent, {n: s.value for n, s in turn.result.slots.items()}


def _judge(label: str, turn: Any, skill: str, intent: str, slots: dict[str, str],
           sent: str | None) -> str | None:
    """None if the turn matches; else what went wrong."""
    got_intent, got_slots = _got(turn)
    problems = []
    if got_intent != intent:
        problems.append(f"understood {got_intent!r}, expected {intent!r}")
    if got_slots != slots:
        problems.append(f"slots {got_slots}, expected {slots}")
    if turn.skill != skill:
        problems.append(f"went to {turn.skill!r}, expected {skill!r}")
    names = [r.get("intent", {}).get("name") or r["type"] for r in _intent_requests(turn)]
    if sent is None and names:
        problems.append(f"skill received {names}, expected nothing (the dialog model answers)")
    if sent is not None and sent not in names:
        problems.append(f"skill received {names}, expected {sent}")
    if turn.error:
        problems.append(f"error: {turn.error}")
    return f"{label}: " + "; ".join(problems) if problems else None


def _setup(engine: Any, setup: tuple[str, ...], skill: str) -> str | None:
    for line in setup:
        turn = engine.handle_text(line)
        if not turn.session_open or turn.skill != skill or turn.error:
            return f"setup {line!r}: session {'open' if turn.session_open else 'closed'} in {turn.skill!r}" + (
                f", error {turn.error}" if turn.error else "")
    return None


def check_by_text(wake_in_session: bool = True) -> list[str]:
    """Every request and answer by text through the real engine; the failures, one line each ([] = all pass).

    With ``wake_in_session`` (the default), the ``WAKE_IN_SESSION`` cases too (typed "alexa, stop" inside a
    session)."""
    failures: list[str] = []
    for r in REQUESTS:
        with text_engine() as engine:
            turn = engine.handle_text(r.text)
            problem = _judge(f"request {r.text!r}", turn, r.skill, r.intent, r.slots, r.sent_intent)
            if problem is None and turn.skill is not None and INVOCATION[r.skill] != (turn.result.skill or ""):
                problem = f"request {r.text!r}: invocation {turn.result.skill!r}"
            if problem:
                failures.append(problem)
    for a in ANSWERS:
        with text_engine() as engine:
            problem = _setup(engine, a.setup, a.skill)
            if problem is None:
                turn = engine.handle_text(a.text)
                problem = _judge(f"answer {a.text!r}", turn, a.skill, a.intent, a.slots, a.sent_intent)
            if problem:
                failures.append(f"[{a.skill} after {' / '.join(a.setup)}] {problem}")
    if wake_in_session:
        for w in WAKE_IN_SESSION:
            with text_engine() as engine:
                problem = _setup(engine, w.setup, w.skill)
                if problem is None:
                    turn = engine.handle_text(w.spoken)
                    to = w.to_skill or w.skill
                    problem = _judge(f"wake in session {w.spoken!r}", turn, to, w.intent, w.slots, w.intent)
                if problem:
                    failures.append(f"[{w.skill} after {' / '.join(w.setup)}] {problem}")
    return failures


def summary() -> str:
    def count(cases: tuple[Any, ...]) -> str:
        return f"{len(dev(cases))} dev + {len(held_out(cases))} held-out"

    kinds = sorted({a.kind for a in ANSWERS})
    return (f"requests: {count(REQUESTS)}; answers: {count(ANSWERS)} ({', '.join(kinds)}); "
            f"wake in session: {count(WAKE_IN_SESSION)}")


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(description="Check the voice benchmark's conversations by text.")
    p.add_argument("--no-wake-in-session", action="store_true", help="leave out the 'alexa, ...' in a session cases")
    args = p.parse_args(argv)
    print(summary())
    failures = check_by_text(not args.no_wake_in_session)
    for f in failures:
        print("FAIL", f)
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
