"""Alexa's service APIs with real skills (issue 15): a Python ask-sdk-core fixture skill calling through its SDK's
own service clients, in a real sandboxed worker, against the real local server; permissions granted and denied;
the purchase flow's ERROR outcome (the other three are the premium hello world sample's, test_services_samples)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from skill_installs import installed

from assistant.runtime.engine import Engine, Turn
from assistant.services.permissions import (
    ADDRESS_FULL,
    LISTS_READ,
    LISTS_WRITE,
    PROFILE_GIVEN_NAME,
    REMINDERS,
    TIMERS,
    Permissions,
)
from assistant.services.userdata import UserSettings
from assistant.settings import Settings
from assistant.skills.registry import Registry
from assistant.skills.store import AttributeStore
from assistant.skills.worker import WorkerPool
from assistant.tts.ssml import ssml_to_text

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "skills" / "py-services"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

pytestmark = pytest.mark.slow




@pytest.fixture(scope="module")
def tester(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The fixture skill, installed with no terminal: nothing granted."""
    return installed(FIXTURE, tmp_path_factory.mktemp("services-data"), "tester")


@pytest.fixture
def engine(tester: Settings) -> Iterator[Engine]:
    with AttributeStore(tester.database) as store:
        Permissions(store).revoke("tester")
        with Engine(
            tester, Registry(tester), WorkerPool(tester, store), store, clock=lambda: NOW, rng=random.Random(1)
        ) as running:
            yield running


def said(turn: Turn) -> str:
    text = turn.speech or ""
    return " ".join((ssml_to_text(text) if turn.speech_ssml else text).split())


def ask(engine: Engine, utterance: str) -> Turn:
    opened = engine.handle_text("open service tester")
    assert said(opened) == "Service tester. What shall I try?", opened.error
    return engine.handle_text(utterance)


def test_an_install_without_a_terminal_grants_nothing(engine: Engine) -> None:
    assert Permissions(engine.store).of("tester") == []


def test_device_address_denied_then_granted(engine: Engine) -> None:
    user = UserSettings(engine.store)
    user.set("address.line1", "1 Main Street")
    user.set("address.city", "Springfield")
    denied = ask(engine, "where am i")
    assert said(denied) == "I need your permission. Error 403."
    assert denied.card == {"type": "AskForPermissionsConsent", "permissions": [ADDRESS_FULL]}
    Permissions(engine.store).grant("tester", [ADDRESS_FULL])
    assert said(ask(engine, "where am i")) == "You are at 1 Main Street in Springfield."


def test_customer_profile_denied_then_granted(engine: Engine) -> None:
    UserSettings(engine.store).set("profile.given-name", "Ada")
    assert said(ask(engine, "what is my name")) == "I need your permission. Error 403."
    Permissions(engine.store).grant("tester", [PROFILE_GIVEN_NAME])
    assert said(ask(engine, "what is my name")) == "Your name is Ada."


def test_buying_a_product_the_skill_does_not_have_is_error_400(engine: Engine) -> None:
    turn = ask(engine, "buy the unicorn")
    assert said(turn) == "Sorry, that product isn't available. Purchase ERROR, status 400."
    assert "purchase-result:tester:ERROR" in turn.events
    response = turn.requests[-1]["request"]
    assert response["type"] == "Connections.Response" and response["token"] == "unicorn"
    assert turn.requests[-1]["session"]["new"] is True  # the purchase flow ended the session; a new one answers


class Clock:
    """The engine's clock, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def engine_on(settings: Settings, store: AttributeStore, clock: Clock) -> Engine:
    return Engine(settings, Registry(settings), WorkerPool(settings, store), store, clock=clock, rng=random.Random(1))


def test_a_reminder_is_spoken_on_time_with_no_session_open(tester: Settings) -> None:
    clock = Clock(NOW)
    with AttributeStore(tester.database) as store, engine_on(tester, store, clock) as engine:
        Permissions(store).revoke("tester")
        assert said(ask(engine, "remind me in 5 minutes")) == "I need your permission. Error 403."
        Permissions(store).grant("tester", [REMINDERS])
        assert said(ask(engine, "remind me in 5 minutes")) == "I will remind you in 5 minutes."
        assert said(ask(engine, "how many reminders do i have")) == "You have 1 reminders."
        assert engine.session is None and engine.poll_alerts() is None
        clock.advance(minutes=5, seconds=1)
        rang = engine.poll_alerts()
        assert rang is not None and said(rang) == "Here's your reminder: time to stretch."
        assert engine.poll_alerts() is None  # said once
        assert said(ask(engine, "delete my reminders")) == "Deleted 1 reminders."


def test_a_reminder_due_while_the_assistant_was_off_is_said_late_after_a_restart(tester: Settings) -> None:
    clock = Clock(NOW)
    with AttributeStore(tester.database) as store:
        Permissions(store).grant("tester", [REMINDERS])
        with engine_on(tester, store, clock) as engine:
            ask(engine, "delete my reminders")
            assert said(ask(engine, "remind me in 5 minutes")) == "I will remind you in 5 minutes."
            assert said(ask(engine, "remind me in 60 minutes")) == "I will remind you in 60 minutes."
        UserSettings(store).set("time-zone", "Europe/Paris")
    clock.advance(days=1, minutes=30)  # the assistant was off: one is a day and 25 minutes late, the other less
    with AttributeStore(tester.database) as store, engine_on(tester, store, clock) as restarted:
        late = restarted.poll_alerts()
        assert late is not None
        assert said(late) == (
            "This reminder was due at 11:00 AM, while I was off. Here's your reminder: time to stretch."
        )
        assert sum(e.startswith("alert-dropped:tester:reminder") for e in late.events) == 1
        assert restarted.poll_alerts() is None


def test_a_timer_rings_with_its_announcement_until_alexa_stop(tester: Settings) -> None:
    clock = Clock(NOW)
    with AttributeStore(tester.database) as store, engine_on(tester, store, clock) as engine:
        Permissions(store).grant("tester", [TIMERS])
        assert said(ask(engine, "set a timer for 1 minutes")) == "Timer ON for 1 minutes."
        clock.advance(seconds=61)
        rang = engine.poll_alerts()
        assert rang is not None and said(rang) == "Your tea timer is done. your tea is ready."
        assert engine.alert_ringing()
        stopped = engine.handle_text("alexa stop")
        assert any(e.startswith("alert-stopped:") for e in stopped.events) and not engine.alert_ringing()


def test_household_lists_need_their_grant(tester: Settings) -> None:
    with AttributeStore(tester.database) as store, engine_on(tester, store, Clock(NOW)) as engine:
        Permissions(store).revoke("tester")
        assert said(ask(engine, "add milk to my shopping list")) == "I need your permission. Error 403."
        Permissions(store).grant("tester", [LISTS_READ, LISTS_WRITE])
        assert said(ask(engine, "add milk to my shopping list")) == "Added milk."
        assert said(ask(engine, "what is on my shopping list")).startswith("Your shopping list has")
        assert "milk" in said(ask(engine, "what is on my shopping list"))


def test_a_progressive_response_is_said_before_the_answer(engine: Engine) -> None:
    assert said(ask(engine, "think hard")) == "Let me think. Forty two."


def test_grant_settings_and_remove_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.cli.main import main

    settings = installed(FIXTURE, tmp_path / "data", "doomed")
    data = ["--data-dir", str(settings.data_dir)]
    assert main([*data, "skill", "grant", "doomed", REMINDERS, TIMERS]) == 0
    assert main([*data, "skill", "grant", "doomed", "alexa::everything"]) == 2  # an unknown name is refused
    assert main([*data, "skill", "grant", "doomed"]) == 0
    out = capsys.readouterr()
    assert "unknown permission alexa::everything" in out.err
    assert f"doomed has: {REMINDERS}, {TIMERS}" in out.out and "doomed asks for: read::alexa:device:all:address" in out.out
    assert main([*data, "settings", "time-zone", "Asia/Tokyo"]) == 0
    assert main([*data, "settings", "time-zone"]) == 0
    assert "Asia/Tokyo" in capsys.readouterr().out
    with AttributeStore(settings.database) as store, engine_on(settings, store, Clock(NOW)) as engine:
        assert said(ask(engine, "remind me in 5 minutes")) == "I will remind you in 5 minutes."
        store.save("doomed", "user", {"kept": True})
    assert main([*data, "skill", "remove", "doomed"]) == 0  # no terminal: removed, its data kept
    assert "is kept; --forget deletes it" in capsys.readouterr().out
    with AttributeStore(settings.database) as store:
        assert Permissions(store).of("doomed") and store.get("doomed", "user") == {"kept": True}
    installed(FIXTURE, tmp_path / "data", "doomed")
    assert main([*data, "skill", "remove", "doomed", "--forget"]) == 0
    assert "1 alerts" in capsys.readouterr().out
    with AttributeStore(settings.database) as store:
        assert Permissions(store).of("doomed") == [] and store.get("doomed", "user") is None
