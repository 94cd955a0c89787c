"""The 2015 ``AlexaSkill.js`` answers a SessionEndedRequest with nothing (``context.succeed()``), which Alexa
allows: the reply to a SessionEndedRequest is ignored. The bundled space-facts skill (Node, no dependencies) in
its real worker: no fault, no "invalid-response" in the log, whether the session ends on "exit", on silence, or
when the engine closes. A reply that is no response to any other request is still a fault."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from assistant.errors import SkillFault
from assistant.runtime import envelopes
from assistant.runtime.engine import Engine, Turn
from assistant.settings import Settings
from assistant.skills.package import SkillPackage
from assistant.skills.registry import Registry
from assistant.skills.store import AttributeStore
from assistant.skills.worker import NodeWorker, WorkerPool, make_worker

NOW = datetime(2015, 11, 24, 12, 30, tzinfo=UTC)
APP = "amzn1.ask.skill.test-space-facts"
DEVICE = envelopes.Device("amzn1.ask.account.LOCALUSER", "amzn1.ask.device.LOCALDEV", "en-US")

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache", skill_timeout=10)


@pytest.fixture
def space_facts(settings: Settings) -> SkillPackage:
    (package,) = [p for p in Registry(settings).bundled() if p.name == "space-facts"]
    assert package.runtime == "node"
    return package


@pytest.fixture
def worker(settings: Settings, space_facts: SkillPackage) -> Iterator[NodeWorker]:
    with AttributeStore(settings.database) as store:
        worker = make_worker(space_facts, store, settings)
        assert isinstance(worker, NodeWorker)
        with worker:
            yield worker


def event(request: dict[str, Any], *, new: bool) -> dict[str, Any]:
    return envelopes.envelope(request, DEVICE, APP, "amzn1.echo-api.session.1", new=new, attributes={})


def test_the_legacy_skill_answers_session_ended_with_nothing_and_that_is_no_fault(
    worker: NodeWorker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="assistant.skills.worker")
    launched = worker.invoke(event(envelopes.launch_request("r1", NOW, "en-US"), new=True))
    assert "Welcome to space facts" in launched["response"]["outputSpeech"]["text"]
    for reason in ("USER_INITIATED", "EXCEEDED_MAX_REPROMPTS", "ERROR"):
        request = envelopes.session_ended_request("r2", NOW, "en-US", reason)
        assert worker.invoke(event(request, new=False)) == {}
    assert "invalid-response" not in caplog.text
    assert "not of type" not in caplog.text
    assert worker.running  # nothing went wrong: the warm process is kept


def test_a_reply_that_is_no_response_is_still_a_fault_for_other_requests(
    tmp_path: Path, settings: Settings
) -> None:
    code = tmp_path / "silent"
    code.mkdir()
    (code / "index.js").write_text("exports.handler = (event, context) => context.succeed();\n")
    package = SkillPackage(
        name="silent", root=code, layout="plain", model_path=code / "model.json", code_dir=code, runtime="node",
        handler="index.handler", application_id=APP,
    )
    with AttributeStore(settings.database) as store, make_worker(package, store, settings) as worker:
        ended = envelopes.session_ended_request("r1", NOW, "en-US", "USER_INITIATED")
        assert worker.invoke(event(ended, new=True)) == {}
        with pytest.raises(SkillFault) as fault:
            worker.invoke(event(envelopes.launch_request("r2", NOW, "en-US"), new=True))
    assert fault.value.kind == "invalid-response"
    assert "None is not of type 'object'" in fault.value.detail


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    store = AttributeStore(settings.database)
    with (
        store,
        Engine(settings, Registry(settings), WorkerPool(settings, store), store, clock=lambda: NOW) as engine,
    ):
        yield engine


def ended_cleanly(turn: Turn, reason: str) -> None:
    assert turn.events[-1] == f"session-ended:space-facts:{reason}", turn.events
    assert [r["request"]["type"] for r in turn.requests][-1] == "SessionEndedRequest"
    assert not any(e.startswith("fault:") for e in turn.events), turn.events
    assert turn.error is None
    assert turn.responses == ()  # the skill answered nothing, and nothing is recorded


def test_ending_a_space_facts_session_logs_no_invalid_response(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert engine.handle_text("open space facts").listen
    ended_cleanly(engine.handle_text("exit"), "USER_INITIATED")

    assert engine.handle_text("open space facts").listen
    assert "You can say" in (engine.handle_silence().speech or "")  # the reprompt
    ended_cleanly(engine.handle_silence(), "EXCEEDED_MAX_REPROMPTS")

    assert engine.handle_text("open space facts").listen
    engine.close()  # ends the open session with USER_INITIATED
    assert engine.session is None
    assert "invalid-response" not in caplog.text
    assert "not of type" not in caplog.text
