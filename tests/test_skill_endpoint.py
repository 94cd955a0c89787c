"""Skills behind HTTPS endpoints (issue 17): a real local HTTPS server with a self-signed certificate that the
test trusts (``--ca-file``), and the real installer, engine and ``assistant skill serve``.

The server below answers as a web-service skill would: a valid response, a 500 (a fault), a reply slower than
the timeout (hangs), and one slower than usual but within it. ``assistant skill serve`` is also run for real, on a
real skill, and another installation reaches it over TLS.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from assistant.errors import SkillInstallError
from assistant.runtime.engine import SKILL_PROBLEM, Engine
from assistant.settings import Settings
from assistant.skills import install
from assistant.skills.registry import Registry
from assistant.skills.sandbox import probe
from assistant.skills.store import AttributeStore
from assistant.skills.worker import WorkerPool

ROOT = Path(__file__).resolve().parent.parent
LEGACY = ROOT / "tests" / "fixtures" / "skills" / "legacy-succeed"
MODEL = {
    "interactionModel": {
        "languageModel": {
            "invocationName": "colour parrot",
            "intents": [
                {"name": "EchoIntent", "slots": [{"name": "colour", "type": "AMAZON.Color"}],
                 "samples": ["say {colour}"]},
                {"name": "AMAZON.StopIntent", "samples": []},
                {"name": "AMAZON.CancelIntent", "samples": []},
                {"name": "AMAZON.HelpIntent", "samples": []},
            ],
        }
    }
}
TIMEOUT = 1.5


@dataclass
class Tls:
    cert: Path
    key: Path


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    """A self-signed certificate for 127.0.0.1 and localhost."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
        check=True, capture_output=True,
    )
    return Tls(folder / "cert.pem", folder / "key.pem")


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    event: dict[str, Any]


@dataclass
class WebSkill:
    """A web-service skill: ``/ok`` answers, ``/fault`` fails with 500, ``/slow`` answers after 0.5 s, ``/hang``
    answers after the timeout."""

    url: str
    seen: list[Seen] = field(default_factory=list)


def _speech(text: str, end: bool) -> dict[str, Any]:
    return {"version": "1.0", "response": {"outputSpeech": {"type": "PlainText", "text": text},
                                           "shouldEndSession": end}}


@pytest.fixture(scope="module")
def web_skill(tls: Tls) -> Iterator[WebSkill]:
    import ssl

    skill = WebSkill("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            skill.seen.append(Seen(self.path, dict(self.headers.items()), event))
            request = event["request"]
            status, body = 200, _speech("Say a colour.", False)
            if request["type"] == "IntentRequest":
                colour = request["intent"]["slots"]["colour"].get("value", "nothing")
                body = _speech(f"You said {colour}.", True)
            elif request["type"] == "SessionEndedRequest":
                body = {"version": "1.0", "response": {}}
            if self.path == "/fault":
                status, body = 500, {"error": "the skill raised"}
            elif self.path == "/slow":
                time.sleep(0.5)
            elif self.path == "/hang":
                time.sleep(TIMEOUT + 1.0)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the client gave up (the hang case)
                self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls.cert, tls.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    skill.url = f"https://127.0.0.1:{server.server_address[1]}"
    yield skill
    server.shutdown()


@pytest.fixture
def model_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "colour-parrot"
    folder.mkdir()
    (folder / "model.json").write_text(json.dumps(MODEL))
    return folder


def _settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache", include_bundled=False,
                    skill_timeout=TIMEOUT)


def _engine(settings: Settings) -> Engine:
    store = AttributeStore(settings.database)
    return Engine(settings, Registry(settings), WorkerPool(settings, store), store)


def _install(folder: Path, settings: Settings, url: str, tls: Tls | None, **extra: Any) -> None:
    install.install(folder, settings, endpoint=url, ca_file=tls.cert if tls else None, **extra)


def test_a_skill_at_an_https_endpoint_answers_with_alexas_headers_and_no_api_endpoint(
    web_skill: WebSkill, tls: Tls, model_folder: Path, tmp_path: Path
) -> None:
    settings = _settings(tmp_path)
    _install(model_folder, settings, web_skill.url + "/ok", tls)
    web_skill.seen.clear()
    with _engine(settings) as engine:
        assert engine.handle_text("open colour parrot").speech == "Say a colour."
        turn = engine.handle_text("say blue")
    assert turn.speech == "You said blue."
    assert not turn.session_open
    launch, intent = web_skill.seen[0], web_skill.seen[1]
    assert launch.path == "/ok" and launch.event["request"]["type"] == "LaunchRequest"
    assert launch.headers["Content-Type"] == "application/json; charset=utf-8"
    assert launch.headers["Accept"] == "application/json"
    assert "Signature" not in launch.headers and "SignatureCertChainUrl" not in launch.headers
    system = intent.event["context"]["System"]
    assert "apiEndpoint" not in system and "apiAccessToken" not in system
    assert intent.event["session"]["new"] is False
    assert intent.event["request"]["intent"]["slots"]["colour"]["value"] == "blue"


def test_api_url_is_sent_as_api_endpoint(web_skill: WebSkill, tls: Tls, model_folder: Path, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    _install(model_folder, settings, web_skill.url + "/ok", tls, api_url="https://192.168.1.5:8443")
    web_skill.seen.clear()
    with _engine(settings) as engine:
        engine.handle_text("open colour parrot")
    assert web_skill.seen[0].event["context"]["System"]["apiEndpoint"] == "https://192.168.1.5:8443"


@pytest.mark.parametrize(
    ("path", "kind", "detail", "error_type"),
    [("/fault", "invalid-response", "HTTP 500", "INVALID_RESPONSE"),
     ("/hang", "timeout", f"no response within {TIMEOUT:g} s", "ENDPOINT_TIMEOUT")],
)
def test_a_fault_or_a_timeout_is_a_skill_fault_with_the_usual_apology(
    web_skill: WebSkill, tls: Tls, model_folder: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture,
    path: str, kind: str, detail: str, error_type: str,
) -> None:
    settings = _settings(tmp_path)
    _install(model_folder, settings, web_skill.url + path, tls)
    caplog.set_level(logging.INFO, "assistant")
    began = time.monotonic()
    with _engine(settings) as engine:
        turn = engine.handle_text("open colour parrot")
    assert turn.speech == SKILL_PROBLEM
    assert f"fault:colour-parrot:{kind}" in turn.events
    assert turn.error is not None and detail in turn.error
    ended = turn.requests[-1]["request"]
    assert ended["type"] == "SessionEndedRequest" and ended["error"]["type"] == error_type
    logged = [r.getMessage() for r in caplog.records if r.name == "assistant.skills.endpoint"]
    assert any(detail in line and " s (https://127.0.0.1:" in line for line in logged), logged
    if kind == "timeout":  # the whole exchange is bounded: two requests (launch, session end) of TIMEOUT each
        assert time.monotonic() - began < 2 * TIMEOUT + 1.0


def test_a_slow_reply_within_the_timeout_is_answered(
    web_skill: WebSkill, tls: Tls, model_folder: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = _settings(tmp_path)
    _install(model_folder, settings, web_skill.url + "/slow", tls)
    caplog.set_level(logging.INFO, "assistant.skills.endpoint")
    with _engine(settings) as engine:
        turn = engine.handle_text("open colour parrot")
    assert turn.speech == "Say a colour." and turn.error is None
    assert any("HTTP 200 in 0.5" in r.getMessage() for r in caplog.records), [r.getMessage() for r in caplog.records]


def test_an_untrusted_certificate_is_a_tls_failure(
    web_skill: WebSkill, model_folder: Path, tmp_path: Path
) -> None:
    settings = _settings(tmp_path)
    _install(model_folder, settings, web_skill.url + "/ok", None)  # the self-signed certificate is not trusted
    with _engine(settings) as engine:
        turn = engine.handle_text("open colour parrot")
    assert turn.speech == SKILL_PROBLEM
    assert "fault:colour-parrot:unreachable" in turn.events
    assert turn.error is not None and "TLS failure" in turn.error and "CERTIFICATE_VERIFY_FAILED" in turn.error


@pytest.mark.parametrize("url", ["http://192.168.1.5/skill", "ftp://127.0.0.1/", "https:///nohost"])
def test_an_endpoint_must_be_https_except_on_loopback(url: str, model_folder: Path, tmp_path: Path) -> None:
    with pytest.raises(SkillInstallError, match="--endpoint"):
        install.install(model_folder, _settings(tmp_path), endpoint=url)
    assert not (tmp_path / "data" / "skills" / "colour-parrot").exists()


@pytest.mark.slow
def test_skill_serve_runs_an_installed_skill_as_an_https_endpoint(tls: Tls, tmp_path: Path) -> None:
    """Two installations: one serves a real skill (Node, 2015 style, in its sandbox) with ``assistant skill
    serve``; the other installs it by URL and talks to it over TLS."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    sandboxed = probe().available
    if not sandboxed and os.environ.get("ASSISTANT_REQUIRE_SANDBOX") == "1":
        pytest.fail(f"ASSISTANT_REQUIRE_SANDBOX=1 but no sandbox can be made: {probe().detail}")
    home = _settings(tmp_path / "home")
    install.install(LEGACY, home, invocation="animal sounds")
    command = [sys.executable, "-m", "assistant.cli.main", "--data-dir", str(home.data_dir), "skill", "serve",
               "animal-sounds", "--port", "0", "--cert", str(tls.cert), "--key", str(tls.key),
               *([] if sandboxed else ["--no-sandbox"])]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.startswith("serving animal-sounds at https://127.0.0.1:"), (line, server.poll())
        url = line.split(" at ")[1].split()[0]
        away = _settings(tmp_path / "away")
        install.install(LEGACY, away, invocation="animal sounds", endpoint=url, ca_file=tls.cert)
        with _engine(away.with_(skill_timeout=8.0)) as engine:
            assert engine.handle_text("open animal sounds").speech == "Welcome to animal sounds. Name an animal."
            assert engine.handle_text("what does a cow say").speech == "A cow says moo."
    finally:
        server.terminate()
        assert server.wait(10) == 143
