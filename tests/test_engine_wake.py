"""The wake word at any time (issue 11): "alexa, stop", "alexa, help", "alexa, open <another skill>" and
"alexa, <an answer>" inside an open session, by text and through the grammar the voice loop listens with after
a wake word. Real skill processes: the bundled high low game and wise guy (Python ask-sdk-core, their environments
built by the ``cache`` fixture), space facts (the 2015 Node AlexaSkill.js), and a small Node skill written here that
declares no built-in intent at all.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assistant.asr.decoder import DecoderConfig, Recognizer
from assistant.grammar.union import UNION_KIND
from assistant.nlu.parser import parse
from assistant.runtime.engine import Engine, Turn
from assistant.settings import Settings
from assistant.skills.environments import BUNDLED_ENVS
from assistant.skills.layout import detect
from assistant.skills.package import SkillPackage
from assistant.skills.registry import Registry
from assistant.skills.store import AttributeStore
from assistant.skills.worker import WorkerPool
from assistant.testing.skill import with_environment
from assistant.tts.synth import synthesize_samples

NOW = datetime(2015, 11, 24, 12, 30, tzinfo=UTC)

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")

BARE_MODEL = {
    "interactionModel": {
        "languageModel": {
            "invocationName": "bare bones",
            "intents": [{"name": "CountIntent", "samples": ["count", "count again"]}],
        }
    }
}
BARE_CODE = r"""
const say = (text) => ({type: 'PlainText', text});
exports.handler = async (event) => {
  const request = event.request;
  if (request.type === 'SessionEndedRequest') return undefined;
  if (request.type === 'LaunchRequest' || request.intent.name === 'CountIntent') {
    return {version: '1.0', response: {outputSpeech: say('One.'), reprompt: {outputSpeech: say('Say count.')},
                                       shouldEndSession: false}};
  }
  throw new Error(`an intent I never declared: ${request.intent.name}`);
};
"""


def make_engine(
    settings: Settings, extra: tuple[SkillPackage, ...] = (), wake_phrase: str = "alexa"
) -> Engine:
    store = AttributeStore(settings.database)
    return Engine(
        settings,
        Registry(settings),
        WorkerPool(settings, store),
        store,
        clock=lambda: NOW,
        rng=random.Random(7),
        extra_skills=extra,
        wake_phrase=wake_phrase,
    )


def request_types(turn: Turn) -> list[str]:
    return [r["request"]["type"] for r in turn.requests]


def intents_sent(turn: Turn) -> list[str]:
    return [r["request"]["intent"]["name"] for r in turn.requests if r["request"]["type"] == "IntentRequest"]


def ended(turn: Turn) -> list[tuple[str, str]]:
    """(applicationId, reason) of every SessionEndedRequest of the turn."""
    return [
        (r["session"]["application"]["applicationId"], r["request"]["reason"])
        for r in turn.requests
        if r["request"]["type"] == "SessionEndedRequest"
    ]


# --- space facts (Node, no dependencies) and a skill with no built-ins --------------------------------------------


@pytest.fixture
def node_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache", skill_timeout=10)


@pytest.fixture
def bare_skill(tmp_path: Path) -> SkillPackage:
    folder = tmp_path / "bare-bones"
    folder.mkdir()
    (folder / "en-US.json").write_text(json.dumps(BARE_MODEL))
    (folder / "index.js").write_text(BARE_CODE)
    return detect(folder)


@pytest.fixture
def space(node_settings: Settings, bare_skill: SkillPackage) -> Iterator[Engine]:
    with make_engine(node_settings, (bare_skill,)) as engine:
        yield engine


@needs_node
@pytest.mark.parametrize("woken", [False, True])
def test_a_rejected_exit_skill_never_ends_the_session(space: Engine, woken: bool) -> None:
    """'alexa, tell me about mars' was heard as "exit skill" and rejected: the session goes on."""
    assert space.handle_text("open space facts").listen
    turn = space.handle_recognition(None, "exit skill", woken=woken)
    assert turn.session_open and turn.listen, turn.events
    assert turn.requests == ()
    assert "not-understood" in turn.events
    assert "You can say, tell me a fact" in (turn.speech or "")  # didn't catch that, and the reprompt
    again = space.handle_text("alexa, tell me about mars")
    assert intents_sent(again) == ["GetPlanetFactIntent"]
    assert again.requests[0]["request"]["intent"]["slots"]["Planet"]["value"] == "mars"


@needs_node
@pytest.mark.parametrize("text", ["exit", "alexa exit", "Alexa, quit skill"])
def test_an_understood_exit_still_ends_the_session(space: Engine, text: str) -> None:
    assert space.handle_text("open space facts").listen
    turn = space.handle_text(text)
    assert not turn.session_open
    assert request_types(turn) == ["SessionEndedRequest"]
    assert turn.events[-1] == "session-ended:space-facts:USER_INITIATED"


@needs_node
def test_the_woken_grammar_is_the_session_stop_cancel_help_and_the_launcher(space: Engine) -> None:
    assert space.listening_grammar(woken=True) is space.top_grammar()  # no session: the top level either way
    space.handle_text("open space facts")
    session = space.listening_grammar()
    woken = space.listening_grammar(woken=True)
    assert session.kind == "session" and woken.kind == UNION_KIND
    assert space.listening_grammar(woken=True) is woken  # built once per session grammar
    expected = {
        "tell me about mars": ("GetPlanetFactIntent", None),
        "stop": ("AMAZON.StopIntent", None),
        "cancel": ("AMAZON.CancelIntent", None),
        "help": ("AMAZON.HelpIntent", None),
        "exit": ("System.Exit", None),
        "open bare bones": ("LaunchRequest", "bare bones"),
        "ask bare bones to count again": ("CountIntent", "bare bones"),
        "what skills do i have": ("System.ListSkills", None),
    }
    for text, (intent, skill) in expected.items():
        result = parse(text, woken)
        assert result is not None and (result.intent, result.skill) == (intent, skill), text
        assert woken.fsa is not None and woken.fsa.accepts(text.split()), text
    assert parse("open bare bones", session) is None  # without the wake word, only the skill is heard
    assert woken.fsa is not None and not woken.fsa.accepts(["open", "tell", "me", "about", "mars"])


@needs_node
def test_a_skill_without_stop_or_help_still_stops_and_helps(space: Engine) -> None:
    """Stop and cancel always work: a skill that declares neither gets no intent it never declared, its session
    ends with USER_INITIATED, as "exit" ends it. Help is answered by the assistant, and the session goes on."""
    grammar_words = {"stop", "cancel", "help"}
    assert space.handle_text("open bare bones").listen
    assert grammar_words.isdisjoint(space.listening_grammar().words)
    assert grammar_words <= space.listening_grammar(woken=True).words
    helped = space.handle_text("alexa, help")
    assert helped.requests == () and "help:bare-bones" in helped.events
    assert helped.listen and (helped.speech or "").endswith("Say count.")
    assert intents_sent(space.handle_text("alexa count again")) == ["CountIntent"]
    for text in ("alexa stop", "alexa, never mind"):
        stopped = space.handle_text(text)
        assert not stopped.session_open, text
        assert request_types(stopped) == ["SessionEndedRequest"]
        assert stopped.events[-1] == "session-ended:bare-bones:USER_INITIATED"
        assert stopped.error is None
        assert space.handle_text("open bare bones").listen


@needs_node
def test_the_wake_phrase_alone_does_nothing(space: Engine) -> None:
    space.handle_text("open space facts")
    turn = space.handle_text("Alexa.")
    assert turn.requests == () and turn.speech is None
    assert turn.session_open and turn.listen and turn.skill == "space-facts"
    assert space.handle_text("alexa").requests == ()  # and nothing changed
    with make_engine(space.settings) as top:
        assert top.handle_text("alexa").events == () and top.session is None


@needs_node
def test_the_wake_phrase_is_configurable(node_settings: Settings) -> None:
    with make_engine(node_settings, wake_phrase="Hey Computer") as engine:
        assert engine.wake_words() == ("hey", "computer")
        assert engine.handle_text("hey computer, open space facts").listen
        not_woken = engine.handle_text("alexa stop")  # not the wake word here: words for the skill, never a stop
        assert intents_sent(not_woken) and "AMAZON.StopIntent" not in intents_sent(not_woken)
        if not not_woken.session_open:
            assert engine.handle_text("hey computer, open space facts").listen
        assert intents_sent(engine.handle_text("hey computer stop")) == ["AMAZON.StopIntent"]


@needs_node
def test_woken_top_level_requests_leave_the_skill_by_recognition(space: Engine) -> None:
    """What the voice loop does: decode with listening_grammar(woken=True), hand over with woken=True."""
    space.handle_text("open space facts")
    assert space.session is not None
    application = space.session.package.application_id
    result = parse("what skills do i have", space.listening_grammar(woken=True))
    listed = space.handle_recognition(result, "what skills do i have", woken=True)
    assert ended(listed) == [(application, "USER_INITIATED")]
    assert "list-skills" in listed.events and not listed.session_open
    assert "space facts" in (listed.speech or "")
    space.handle_text("open space facts")
    result = parse("ask bare bones to count", space.listening_grammar(woken=True))
    switched = space.handle_recognition(result, "ask bare bones to count", woken=True)
    assert switched.events[:2] == ("session-ended:space-facts:USER_INITIATED", "session-started:bare-bones")
    assert request_types(switched) == ["SessionEndedRequest", "IntentRequest"]
    assert switched.skill == "bare-bones" and switched.session_open


@pytest.mark.slow
@needs_node
@pytest.mark.parametrize(
    ("said", "intent", "skill"),
    [
        ("open bare bones", "LaunchRequest", "bare bones"),
        ("tell me about jupiter", "GetPlanetFactIntent", None),
        ("stop", "AMAZON.StopIntent", None),
    ],
)
def test_the_woken_grammar_loads_and_decodes_in_the_real_recogniser(
    space: Engine, said: str, intent: str, skill: str | None
) -> None:
    space.handle_text("open space facts")
    grammar = space.listening_grammar(woken=True)
    with Recognizer(DecoderConfig()) as recognizer:
        heard = recognizer.decode(synthesize_samples(said, voice="en-us"), grammar)
    assert heard.result is not None, (said, heard.transcript, heard.rejected)
    assert (heard.result.intent, heard.result.skill) == (intent, skill), heard.transcript
    turn = space.handle_recognition(heard.result, heard.transcript, woken=True)
    if skill is not None:
        assert turn.events[0] == "session-ended:space-facts:USER_INITIATED"
        assert turn.skill == "bare-bones" and turn.session_open
    else:
        assert intents_sent(turn) == [intent]


# --- the bundled Python skills: high low game and wise guy --------------------------------------------------------


@pytest.fixture(scope="module")
def bundled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A data folder whose bundled high-low and knock-knock use the environments of the ``cache`` fixture."""
    request.getfixturevalue("cache")
    folder = tmp_path_factory.mktemp("wake")
    settings = Settings(data_dir=folder / "data", cache_dir=folder / "cache", skill_timeout=20, seed=3)
    envs = settings.data_dir / BUNDLED_ENVS
    envs.mkdir(parents=True)
    for package in Registry(settings).bundled():
        if package.name in ("high-low", "knock-knock"):
            env = with_environment(package, settings, folder / "scratch").env_dir
            assert env is not None
            (envs / package.name).symlink_to(env, target_is_directory=True)
    return settings


@pytest.fixture
def game(bundled: Settings) -> Iterator[Engine]:
    with make_engine(bundled) as engine:
        opened = engine.handle_text("alexa, open high low game")
        assert opened.skill == "high-low" and opened.listen, opened
        assert "Would you like to play" in (opened.speech or "")
        assert intents_sent(engine.handle_text("yes")) == ["AMAZON.YesIntent"]
        yield engine


def _application(turn: Turn, index: int) -> str:
    return str(turn.requests[index]["session"]["application"]["applicationId"])


@pytest.mark.slow
@pytest.mark.parametrize("text", ["alexa stop", "Alexa, stop", "alexa shut up", "alexa, goodbye"])
def test_alexa_stop_reaches_the_game_as_its_stop_intent_and_ends_the_session(game: Engine, text: str) -> None:
    turn = game.handle_text(text)
    assert intents_sent(turn) == ["AMAZON.StopIntent"]
    assert turn.result is not None and turn.result.intent == "AMAZON.StopIntent"
    assert turn.speech == "<speak>Thanks for playing!</speak>"
    assert not turn.session_open
    assert turn.events[-1] == "session-ended:high-low:SHOULD_END_SESSION"


@pytest.mark.slow
def test_alexa_cancel_is_the_cancel_intent(game: Engine) -> None:
    turn = game.handle_text("alexa cancel")
    assert intents_sent(turn) == ["AMAZON.CancelIntent"] and not turn.session_open


@pytest.mark.slow
def test_alexa_help_goes_to_the_game_and_the_game_goes_on(game: Engine) -> None:
    turn = game.handle_text("alexa, help")
    assert intents_sent(turn) == ["AMAZON.HelpIntent"]
    assert "I am thinking of a number" in (turn.speech or "") and turn.listen
    assert intents_sent(game.handle_text("twelve")) == ["NumberGuessIntent"]


@pytest.mark.slow
def test_an_answer_after_alexa_is_the_answer(game: Engine) -> None:
    turn = game.handle_text("alexa, fifty")
    (request,) = [r["request"] for r in turn.requests]
    assert request["intent"]["name"] == "NumberGuessIntent"
    assert request["intent"]["slots"]["number"]["value"] == "50"
    assert turn.skill == "high-low" and turn.session_open
    assert any(w in (turn.speech or "") for w in ("too high", "too low", "got it")), turn.speech


@pytest.mark.slow
def test_alexa_open_wise_guy_ends_the_game_and_launches_wise_guy(game: Engine) -> None:
    game_id = game.session.package.application_id if game.session else ""
    turn = game.handle_text("alexa, open wise guy")
    assert request_types(turn) == ["SessionEndedRequest", "LaunchRequest"]
    assert ended(turn) == [(game_id, "USER_INITIATED")]
    assert _application(turn, 1) != game_id
    assert turn.events[:2] == ("session-ended:high-low:USER_INITIATED", "session-started:knock-knock")
    assert turn.skill == "knock-knock" and turn.session_open and turn.listen
    assert "Knock knock" in (turn.speech or "")
    assert "Pasta" in (game.handle_text("who's there").speech or "")  # the new session answers, not the game


@pytest.mark.slow
def test_alexa_open_wise_guy_at_the_top_level(bundled: Settings) -> None:
    with make_engine(bundled) as engine:
        turn = engine.handle_text("alexa open wise guy")
        assert request_types(turn) == ["LaunchRequest"]
        assert turn.skill == "knock-knock" and turn.listen
        assert "Welcome to wise guy" in (turn.speech or "")


@pytest.mark.slow
def test_the_voice_loop_path_for_the_game(game: Engine) -> None:
    """listening_grammar(woken=True) and handle_recognition(..., woken=True), as the loop calls them."""
    for said, intent in (
        ("fifty", "NumberGuessIntent"),
        ("help", "AMAZON.HelpIntent"),
        ("stop", "AMAZON.StopIntent"),
    ):
        result = parse(said, game.listening_grammar(woken=True))
        assert result is not None and result.intent == intent, said
        turn = game.handle_recognition(result, said, woken=True)
        assert intents_sent(turn) == [intent]
    assert game.session is None


# --- by voice: the wake word inside an open session (the neural detector listens at any time) -------------------


def _spoken_after_alexa(text: str) -> object:
    """A real person's "alexa" (the wake corpus), 0.3 s, then ``text`` at that person's loudness."""
    import numpy as np
    from conftest import CORPORA

    from assistant.audio.mix import max_frame_energy
    from assistant.audio.wav import read_wav
    from assistant.tts.synth import silence

    folder = CORPORA / "wake" / "alexa"
    if not folder.is_dir():
        pytest.skip(f"the wake corpus is not at {folder} (it lives in ../shared/corpora)")
    alexa = read_wav(sorted(folder.iterdir())[1])
    said = synthesize_samples(text, voice="en-gb")
    said = (said * np.sqrt(max_frame_energy(alexa) / max_frame_energy(said))).astype(np.int16)
    return np.concatenate([silence(1.0), alexa, silence(0.3), said, silence(3.0)])


def _talk(engine: Engine, audio: object) -> list[Turn]:
    from loop_fakes import Recording

    from assistant.voice.confirm import WakeOptions
    from assistant.voice.loop import LoopOptions, VoiceLoop

    with Recognizer(DecoderConfig()) as recognizer:
        loop = VoiceLoop(engine, recognizer, None, (), LoopOptions(wake=WakeOptions(engine="neural")))
        return [r.turn for r in loop.run(Recording(audio)) if r.kind == "speech"]  # type: ignore[arg-type]


@pytest.mark.slow
def test_by_voice_alexa_stop_inside_the_game_stops_it(game: Engine) -> None:
    turns = _talk(game, _spoken_after_alexa("stop"))
    assert [intents_sent(t) for t in turns] == [["AMAZON.StopIntent"]]
    assert not turns[0].session_open


@pytest.mark.slow
def test_by_voice_alexa_open_another_skill_leaves_the_game(game: Engine) -> None:
    turns = _talk(game, _spoken_after_alexa("open wise guy"))
    assert len(turns) == 1 and turns[0].skill == "knock-knock"
    assert "session-ended:high-low:USER_INITIATED" in turns[0].events


# --- the device's volume inside a session (an Echo's own, whatever skill is open) --------------------------------


@pytest.mark.slow
def test_alexa_volume_inside_the_game_sets_the_volume_and_the_game_waits(game: Engine) -> None:
    """"volume three" is no guess of three: the device takes it, the skill gets nothing and still waits."""
    for text, level in (("alexa, volume three", 3), ("alexa louder", 4), ("alexa, mute", 0), ("alexa unmute", 4)):
        turn = game.handle_text(text)
        assert turn.requests == () and [e for e in turn.events if e.kind == "volume"] == [f"volume:{level}"], text
        assert game.volume == level and turn.session_open and game.expects_answer(), text
    assert intents_sent(game.handle_text("twelve")) == ["NumberGuessIntent"]


@pytest.mark.slow
def test_the_woken_grammar_holds_the_volume(game: Engine) -> None:
    result = parse("volume five", game.listening_grammar(woken=True))
    assert result is not None and result.intent == "System.SetVolume"
    plain = parse("volume five", game.listening_grammar())  # without the wake word, words for the game
    assert plain is None or plain.intent != "System.SetVolume"


@pytest.mark.slow
def test_by_voice_alexa_louder_inside_the_game(game: Engine) -> None:
    before = game.volume
    turns = _talk(game, _spoken_after_alexa("turn the volume down"))
    assert [t.requests for t in turns] == [()] and game.volume == before - 1
    assert game.session is not None and game.expects_answer()
