"""Skill workers: real subprocesses running real handlers, every fault kind, real sqlite persistence.

The fast tests run tiny handlers from tests/fixtures/workers with this interpreter and node. The slow ones install
ask-sdk-core (PyPI) and ask-sdk-core v2 (npm) once per session and run real SDK skills; they are skipped, saying
why, when the registries cannot be reached.
"""

from __future__ import annotations

import copy
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from assistant.errors import SkillError, SkillFault
from assistant.settings import Settings
from assistant.skills.package import SkillPackage
from assistant.skills.store import AttributeStore
from assistant.skills.worker import (
    PYTHON_SHIMS,
    NodeWorker,
    PythonWorker,
    SkillWorker,
    WorkerPool,
    make_worker,
    response_limit_problem,
    response_problem,
)

FIXTURES = Path(__file__).parent / "fixtures" / "workers"
PYTHON = Path(sys.executable)
USER = "amzn1.ask.account.LOCALUSER"
needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")

LAUNCH: dict[str, Any] = {
    "version": "1.0",
    "session": {
        "new": True,
        "sessionId": "amzn1.echo-api.session.0001",
        "application": {"applicationId": "amzn1.ask.skill.local-0001"},
        "attributes": {},
        "user": {"userId": USER},
    },
    "context": {
        "System": {
            "application": {"applicationId": "amzn1.ask.skill.local-0001"},
            "user": {"userId": USER},
            "device": {"deviceId": "amzn1.ask.device.LOCALDEV", "supportedInterfaces": {}},
            "apiEndpoint": "https://api.amazonalexa.com",
            "apiAccessToken": "local-token",
        }
    },
    "request": {
        "type": "LaunchRequest",
        "requestId": "amzn1.echo-api.request.1",
        "timestamp": "2024-05-01T12:00:00Z",
        "locale": "en-US",
    },
}


def launch(**extra: Any) -> dict[str, Any]:
    event = copy.deepcopy(LAUNCH)
    event.update(extra)
    return event


def intent(name: str, session_attributes: dict[str, Any]) -> dict[str, Any]:
    event = launch()
    event["session"].update({"new": False, "attributes": session_attributes})
    event["request"] = {
        "type": "IntentRequest",
        "requestId": "amzn1.echo-api.request.2",
        "timestamp": "2024-05-01T12:00:05Z",
        "locale": "en-US",
        "dialogState": "STARTED",
        "intent": {"name": name, "confirmationStatus": "NONE", "slots": {}},
    }
    return event


def package(
    folder: str,
    handler: str,
    runtime: str = "python",
    *,
    code_dir: Path | None = None,
    name: str | None = None,
):
    code = code_dir or FIXTURES / folder
    return SkillPackage(
        name=name or folder,
        root=code,
        layout="plain",
        model_path=code,
        code_dir=code,
        runtime=runtime,
        handler=handler,
        application_id="amzn1.ask.skill.local-0001",
    )


def speech(response: dict[str, Any]) -> str:
    output = response["response"]["outputSpeech"]
    return str(output.get("text") or output.get("ssml"))


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); its state says it is dead.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")


@pytest.fixture
def store(tmp_path: Path):
    with AttributeStore(tmp_path / "attributes.sqlite3") as s:
        yield s


# --- running a handler -------------------------------------------------------------------------------------


def test_python_handler_runs_in_its_folder_with_a_lambda_context(
    store: AttributeStore, tmp_path: Path
) -> None:
    with PythonWorker(package("py_basic", "hello_world.handler"), PYTHON, store, tmp_path / "logs") as worker:
        response = worker.invoke(launch())
    context = response["context"]
    # The skill's own store.py, not the assistant's (the worker script's folder is not on the path).
    assert speech(response) == "hello from the skill's own store module"
    assert context["cwd"] == str(FIXTURES / "py_basic")
    assert context["relative"] == "read relative to the working directory"
    assert context["function_name"] == "py_basic"
    assert context["function_version"] == "$LATEST"
    assert context["invoked_function_arn"].endswith(":function:py_basic")
    assert context["memory_limit_in_mb"] == "128"
    assert context["aws_request_id"]
    assert 0 < context["remaining_ms"] <= 8000
    assert context["request_type"] == "LaunchRequest"


def test_a_worker_stays_warm_between_invokes(store: AttributeStore) -> None:
    with PythonWorker(package("py_basic", "hello_world.handler"), PYTHON, store) as worker:
        first = worker.invoke(launch())
        second = worker.invoke(launch())
    assert first["context"]["pid"] == second["context"]["pid"]
    assert second["sessionAttributes"] == {"calls": 2}


@pytest.mark.parametrize(
    ("runtime", "folder", "handler", "noise"),
    [
        (
            "python",
            "py_basic",
            "hello_world.handler",
            ["noise at import {not json", "stderr noise", "INFO:skill:a log line"],
        ),
        pytest.param(
            "node",
            "node_callback",
            "index.handler",
            ["noise at load {not json", "stderr noise"],
            marks=needs_node,
        ),
    ],
)
def test_skill_output_goes_to_its_log_not_the_channel(
    store: AttributeStore,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    runtime: str,
    folder: str,
    handler: str,
    noise: list[str],
) -> None:
    caplog.set_level(logging.DEBUG, logger="assistant.skills.worker")
    worker = make_worker(package(folder, handler, runtime), store, Settings(data_dir=tmp_path), python=PYTHON)
    with worker:
        response = worker.invoke(launch())
    # The skill printed a forged result line; the real response still came through the channel.
    assert response["response"]["shouldEndSession"] is True
    log = (tmp_path / "logs" / f"{folder}.log").read_text()
    for line in [*noise, '{"op": "result", "id": "forged", "response": {}}']:
        assert line in log
    assert f"[{folder}] stderr noise" in caplog.text


@needs_node
@pytest.mark.parametrize(
    ("folder", "expected"),
    [
        ("node_callback", "callback"),
        ("node_succeed", "<speak>succeed</speak>"),
        ("node_promise", "promise LaunchRequest"),
        ("node_esm", "esm LaunchRequest"),
    ],
)
def test_node_handlers_answer_each_way_and_the_first_answer_wins(
    store: AttributeStore, tmp_path: Path, folder: str, expected: str
) -> None:
    with NodeWorker(package(folder, "index.handler", "node"), store, tmp_path) as worker:
        response = worker.invoke(launch())
        assert speech(response) == expected
        # The late callback/fail/done calls were ignored; the process is fine and answers again.
        assert speech(worker.invoke(launch())) == expected
    ignored = (tmp_path / f"{folder}.log").read_text().count("the handler answered again")
    assert ignored == {"node_callback": 4, "node_succeed": 2, "node_promise": 0, "node_esm": 0}[folder]


@needs_node
def test_node_context_has_the_lambda_fields(store: AttributeStore) -> None:
    with NodeWorker(package("node_callback", "index.handler", "node"), store) as worker:
        context = worker.invoke(launch())["context"]
    assert context["functionName"] == "node_callback"
    assert context["functionVersion"] == "$LATEST"
    assert context["invokedFunctionArn"].endswith(":function:node_callback")
    assert context["memoryLimitInMB"] == "128"
    assert context["logGroupName"] == "/aws/lambda/node_callback"
    assert context["logStreamName"]
    assert context["callbackWaitsForEmptyEventLoop"] is True
    assert context["awsRequestId"]
    assert 0 < context["remaining"] <= 8000
    assert context["cwd"] == str(FIXTURES / "node_callback")


def test_two_skills_with_the_same_module_name_run_side_by_side(store: AttributeStore) -> None:
    with (
        PythonWorker(package("skill_a", "lambda_function.lambda_handler"), PYTHON, store) as a,
        PythonWorker(package("skill_b", "lambda_function.lambda_handler"), PYTHON, store) as b,
    ):
        assert speech(a.invoke(launch())) == "skill a"
        assert speech(b.invoke(launch())) == "skill b"
        assert speech(a.invoke(launch())) == "skill a"


# --- faults ------------------------------------------------------------------------------------------------

PYTHON_FAULTS = [
    ("raise", "raised", "ValueError: the skill broke on purpose"),
    ("exit", "crashed", "exit code 3"),
    ("segfault", "crashed", "killed by signal 11 (SIGSEGV)"),
    ("hang", "timeout", "no response within 0.5 s"),
    ("invalid", "invalid-response", "/response/outputSpeech: 'text' is a required property"),
    (
        "not-json",
        "invalid-response",
        "the handler returned a value that is not JSON: Object of type object is not JSON serializable",
    ),
    ("none", "invalid-response", "(root): None is not of type 'object'"),
]

NODE_FAULTS = [
    ("raise", "raised", "TypeError: the skill broke on purpose"),
    ("callback-error", "raised", "Error: callback error"),
    ("fail", "raised", "Error: context failed"),
    ("reject", "raised", "RangeError: rejected on purpose"),
    ("uncaught", "raised", "Error: thrown from a timer"),
    ("exit", "crashed", "exit code 4"),
    ("hang", "timeout", "no response within 0.5 s"),
    ("invalid", "invalid-response", "/response/card/title: 3 is not of type 'string', 'null'"),
    ("undefined", "invalid-response", "(root): None is not of type 'object'"),
    (
        "circular",
        "invalid-response",
        "the handler returned a value that is not JSON: TypeError: Converting circular structure to JSON",
    ),
]


def check_fault_then_recovery(
    worker: SkillWorker, fault: str, kind: str, detail: str, caplog: pytest.LogCaptureFixture
) -> None:
    skill = worker.package.name  # type: ignore[attr-defined]
    before = worker.pid  # type: ignore[attr-defined]
    started = time.monotonic()
    with pytest.raises(SkillFault) as raised:
        worker.invoke(launch(fault=fault), timeout=0.5)
    elapsed = time.monotonic() - started
    assert (raised.value.skill, raised.value.kind, raised.value.detail) == (skill, kind, detail)
    assert f"skill {skill!r} {kind}: {detail}" in caplog.text
    assert elapsed < 4.0
    if kind in ("crashed", "timeout"):
        assert before is not None and not alive(before)
    # The assistant goes on: the next invoke works, on a fresh process after a crash or a hang.
    response = worker.invoke(launch())
    assert speech(response) == "fine"
    assert (response["pid"] != before) == (kind in ("crashed", "timeout") or fault == "uncaught")


@pytest.mark.parametrize(("fault", "kind", "detail"), PYTHON_FAULTS, ids=[f[0] for f in PYTHON_FAULTS])
def test_python_faults(
    store: AttributeStore, caplog: pytest.LogCaptureFixture, fault: str, kind: str, detail: str
) -> None:
    with PythonWorker(package("py_faults", "lambda_function.lambda_handler"), PYTHON, store) as worker:
        check_fault_then_recovery(worker, fault, kind, detail, caplog)


@needs_node
@pytest.mark.parametrize(("fault", "kind", "detail"), NODE_FAULTS, ids=[f[0] for f in NODE_FAULTS])
def test_node_faults(
    store: AttributeStore, caplog: pytest.LogCaptureFixture, fault: str, kind: str, detail: str
) -> None:
    with NodeWorker(package("node_faults", "index.handler", "node"), store) as worker:
        check_fault_then_recovery(worker, fault, kind, detail, caplog)


@pytest.mark.parametrize(
    ("runtime", "handler", "detail"),
    [
        ("python", "lambda_function.nope", "AttributeError: module 'lambda_function'"),
        ("python", "missing_module.handler", "ModuleNotFoundError: No module named 'missing_module'"),
        pytest.param(
            "node", "index.nope", "node_faults/index.js exports no function 'nope'", marks=needs_node
        ),
        pytest.param("node", "missing.handler", "Error: Cannot find module", marks=needs_node),
    ],
)
def test_a_handler_that_cannot_be_loaded_is_a_fault(
    store: AttributeStore, runtime: str, handler: str, detail: str
) -> None:
    folder = "py_faults" if runtime == "python" else "node_faults"
    worker = make_worker(
        package(folder, handler, runtime), store, Settings(data_dir=Path("/nonexistent")), python=PYTHON
    )
    worker.log_path = None
    with pytest.raises(SkillFault) as raised:
        worker.start()
    assert raised.value.kind == "raised"
    assert detail in raised.value.detail
    assert not worker.running
    worker.stop()


def test_a_hung_start_is_a_timeout(store: AttributeStore, tmp_path: Path) -> None:
    code = tmp_path / "slow"
    code.mkdir()
    (code / "lambda_function.py").write_text("import time\ntime.sleep(60)\n")
    worker = PythonWorker(
        package("slow", "lambda_function.lambda_handler", code_dir=code), PYTHON, store, start_timeout=0.5
    )
    with pytest.raises(SkillFault) as raised:
        worker.start()
    assert (raised.value.kind, raised.value.detail) == ("timeout", "the handler was not loaded within 0.5 s")
    worker.stop()


# --- persistence ---------------------------------------------------------------------------------------------


def test_the_dynamodb_stand_in_keeps_attributes_in_sqlite(store: AttributeStore) -> None:
    with PythonWorker(package("py_persist", "lambda_function.lambda_handler"), PYTHON, store) as worker:
        assert speech(worker.invoke(launch())) == "count 1"
        assert speech(worker.invoke(launch())) == "count 2"
    assert store.get("py_persist", USER) == {"count": 2}
    # Another skill running the same code sees nothing of it.
    with PythonWorker(
        package("py_persist", "lambda_function.lambda_handler", name="other"), PYTHON, store
    ) as worker:
        assert speech(worker.invoke(launch())) == "count 1"
        assert speech(worker.invoke(launch(delete=True))) == "count 0"
    assert store.get("other", USER) is None
    assert store.get("py_persist", USER) == {"count": 2}


def test_an_acknowledged_save_survives_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "attributes.sqlite3"
    store = AttributeStore(path)
    worker = PythonWorker(package("py_persist", "lambda_function.save_then_die"), PYTHON, store)
    with worker, pytest.raises(SkillFault) as raised:
        worker.invoke(launch())
    assert (raised.value.kind, raised.value.detail) == ("crashed", "killed by signal 9 (SIGKILL)")
    with AttributeStore(path) as fresh:
        assert fresh.get("py_persist", USER) == {"saved": "before SIGKILL"}
    store.close()


@needs_node
def test_alexa_sdk_v1_document_client_is_kept_offline(store: AttributeStore) -> None:
    with NodeWorker(package("node_v1_dynamo", "index.handler", "node"), store) as worker:
        assert speech(worker.invoke(launch())) == "visit 1"
    with NodeWorker(package("node_v1_dynamo", "index.handler", "node"), store) as worker:
        assert speech(worker.invoke(launch())) == "visit 2"
    key = 'dynamodb/skillTable/{"userId":"amzn1.ask.account.LOCALUSER"}'
    assert store.get("node_v1_dynamo", key) == {"userId": USER, "mapAttr": {"visits": 2}}


# --- making and pooling workers ----------------------------------------------------------------------------


def test_make_worker_picks_the_runtime(store: AttributeStore, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, skill_timeout=3.0)
    python_package = package("skill_a", "lambda_function.lambda_handler")
    with pytest.raises(SkillError, match="no Python environment"):
        make_worker(python_package, store, settings)
    env = tmp_path / "venv"
    worker = make_worker(SkillPackage(**{**_fields(python_package), "env_dir": env}), store, settings)
    assert isinstance(worker, PythonWorker)
    assert worker.python == env / "bin" / "python"
    assert worker.timeout == 3.0
    assert worker.log_path == tmp_path / "logs" / "skill_a.log"
    with pytest.raises(SkillError, match="does not exist"):
        worker.start()
    assert isinstance(
        make_worker(package("node_promise", "index.handler", "node"), store, settings), NodeWorker
    )
    with pytest.raises(SkillError, match="unknown runtime 'ruby'"):
        make_worker(package("skill_a", "x.y", "ruby"), store, settings)


def _fields(p: SkillPackage) -> dict[str, Any]:
    return {name: getattr(p, name) for name in SkillPackage.__slots__}  # type: ignore[attr-defined]


def test_the_pool_keeps_one_warm_worker_per_skill_and_reaps_idle_ones(
    store: AttributeStore, tmp_path: Path
) -> None:
    now = [0.0]
    settings = Settings(data_dir=tmp_path, worker_idle_seconds=60)
    pool = WorkerPool(
        settings,
        store,
        factory=lambda p: make_worker(p, store, settings, python=PYTHON),
        clock=lambda: now[0],
    )
    a, b = (
        package("skill_a", "lambda_function.lambda_handler"),
        package("skill_b", "lambda_function.lambda_handler"),
    )
    try:
        worker_a = pool.get(a)
        assert speech(worker_a.invoke(launch())) == "skill a"
        pid_a = worker_a.pid  # type: ignore[attr-defined]
        assert pool.get(a) is worker_a
        now[0] = 50
        worker_b = pool.get(b)
        assert speech(worker_b.invoke(launch())) == "skill b"
        assert pool.running() == ["skill_a", "skill_b"]
        now[0] = 100  # a idle for 100 s, b for 50 s
        assert pool.reap() == ["skill_a"]
        assert not alive(pid_a)
        assert pool.running() == ["skill_b"]
        assert pool.get(a) is not worker_a
    finally:
        pool.close()
    assert pool.running() == []
    assert not worker_b.running  # type: ignore[attr-defined]


# --- the response schema -------------------------------------------------------------------------------------

VALID = [
    {"version": "1.0", "response": {}},
    {
        "version": "1.0",
        "sessionAttributes": {"x": 1},
        "userAgent": "ask-python/1.19.0",
        "response": {"shouldEndSession": None},
    },
    {
        "version": "1.0",
        "response": {
            "outputSpeech": {"type": "SSML", "ssml": "<speak>hi</speak>"},
            "shouldEndSession": False,
            "reprompt": {"outputSpeech": {"type": "PlainText", "text": "again?"}},
        },
    },
    {
        "version": "1.0",
        "response": {"card": {"type": "Simple", "title": "T", "content": "C"}, "shouldEndSession": True},
    },
    {
        "version": "1.0",
        "response": {
            "card": {
                "type": "Standard",
                "title": "T",
                "text": "x",
                "image": {"smallImageUrl": "https://a/s.png", "largeImageUrl": "https://a/l.png"},
            }
        },
    },
    {"version": "1.0", "response": {"card": {"type": "LinkAccount"}}},
    {
        "version": "1.0",
        "response": {
            "card": {"type": "AskForPermissionsConsent", "permissions": ["read::alexa:device:all:address"]}
        },
    },
    {
        "version": "1.0",
        "response": {
            "directives": [
                {
                    "type": "Dialog.Delegate",
                    "updatedIntent": {
                        "name": "OrderIntent",
                        "confirmationStatus": "NONE",
                        "slots": {"size": {"name": "size", "value": "large"}},
                    },
                },
                {"type": "Dialog.ElicitSlot", "slotToElicit": "size"},
                {"type": "Dialog.ConfirmSlot", "slotToConfirm": "size"},
                {"type": "Dialog.ConfirmIntent"},
                {"type": "Dialog.UpdateDynamicEntities", "updateBehavior": "CLEAR"},
                {
                    "type": "AudioPlayer.Play",
                    "playBehavior": "REPLACE_ALL",
                    "audioItem": {
                        "stream": {"token": "t", "url": "https://a/x.mp3", "offsetInMilliseconds": 0}
                    },
                },
                {"type": "AudioPlayer.Stop"},
                {"type": "Alexa.Presentation.APL.RenderDocument", "document": {}},
            ]
        },
    },
]

INVALID = [
    ({"response": {}}, "(root): 'version' is a required property"),
    (
        {"version": "1.0", "response": {"outputSpeech": {"type": "Voice", "text": "x"}}},
        "/response/outputSpeech/type: 'Voice' is not one of ['PlainText', 'SSML']",
    ),
    (
        {"version": "1.0", "response": {"outputSpeech": {"type": "SSML", "text": "x"}}},
        "/response/outputSpeech: 'ssml' is a required property",
    ),
    (
        {"version": "1.0", "response": {"shouldEndSession": "yes"}},
        "/response/shouldEndSession: 'yes' is not of type 'boolean', 'null'",
    ),
    (
        {"version": "1.0", "response": {"directives": [{"type": "Dialog.ElicitSlot"}]}},
        "/response/directives/0: 'slotToElicit' is a required property",
    ),
    (
        {"version": "1.0", "response": {"card": {"type": "AskForPermissionsConsent"}}},
        "/response/card: 'permissions' is a required property",
    ),
    (
        {
            "version": "1.0",
            "response": {
                "directives": [{"type": "AudioPlayer.Play", "audioItem": {"stream": {"token": "t"}}}]
            },
        },
        "/response/directives/0/audioItem/stream: 'url' is a required property",
    ),
]


@pytest.mark.parametrize("response", VALID)
def test_the_schema_accepts_what_sdks_emit(response: dict[str, Any]) -> None:
    assert response_problem(response) is None


@pytest.mark.parametrize(("response", "problem"), INVALID)
def test_the_schema_names_the_exact_problem(response: dict[str, Any], problem: str) -> None:
    assert response_problem(response) == problem


def _speech(text: str, kind: str = "PlainText") -> dict[str, Any]:
    return {"type": kind, "text": text} if kind == "PlainText" else {"type": kind, "ssml": text}


LIMITS: list[tuple[dict[str, Any], str | None]] = [
    ({"version": "1.0", "response": {"outputSpeech": _speech("x" * 8000)}}, None),
    (
        {"version": "1.0", "response": {"outputSpeech": _speech("<speak>" + "x" * 7994 + "</speak>", "SSML")}},
        "/response/outputSpeech/ssml: 8,009 characters, over Alexa's limit of 8,000",
    ),
    (
        {"version": "1.0", "response": {"reprompt": {"outputSpeech": _speech("x" * 8001)}}},
        "/response/reprompt/outputSpeech/text: 8,001 characters, over Alexa's limit of 8,000",
    ),
    (
        {"version": "1.0", "response": {"card": {"type": "Simple", "title": "t" * 10, "content": "c" * 7991}}},
        "/response/card: 8,001 characters of text, over Alexa's limit of 8,000",
    ),
    ({"version": "1.0", "response": {}, "sessionAttributes": {"state": "s" * 24_000}}, None),
    (
        {"version": "1.0", "response": {}, "sessionAttributes": {"state": "s" * 24_576}},
        "(root): the response is 24,640 bytes, over Alexa's limit of 24,576 (24 KB)",
    ),
    (
        {"version": "1.0", "response": {"outputSpeech": _speech("é" * 8000)}, "sessionAttributes": {"é": "é" * 8000}},
        "(root): the response is 32,106 bytes, over Alexa's limit of 24,576 (24 KB)",  # UTF-8 bytes count
    ),
]


@pytest.mark.parametrize(("response", "problem"), LIMITS)
def test_alexas_size_limits(response: dict[str, Any], problem: str | None) -> None:
    assert response_problem(response) is None
    assert response_limit_problem(response) == problem


# --- real SDKs (slow: installs from PyPI and npm once per session) ------------------------------------------

NETWORK_TROUBLE = (
    "connection",
    "network",
    "resolve",
    "timed out",
    "unreachable",
    "proxy",
    "enotfound",
    "eai_again",
    "etimedout",
)


def _install(command: list[str], cwd: Path, what: str) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        output = (result.stdout + result.stderr)[-1500:]
        if any(word in output.lower() for word in NETWORK_TROUBLE):
            pytest.skip(f"cannot install {what}, the registry is unreachable:\n{output}")
        pytest.fail(f"installing {what} failed:\n{output}")


@pytest.fixture(scope="session")
def ask_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with ask-sdk-core, the real DynamoDB adapter (the stand-in must win over it) and ask-sdk."""
    venv = tmp_path_factory.mktemp("ask-sdk-venv")
    _install([sys.executable, "-m", "venv", str(venv)], venv, "a virtualenv")
    packages = ["ask-sdk-core", "ask-sdk-dynamodb-persistence-adapter", "ask-sdk"]
    _install(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            *packages,
        ],
        venv,
        " ".join(packages),
    )
    return venv / "bin" / "python"


@pytest.fixture(scope="session")
def ask_node(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A skill folder with ask-sdk-core v2 and the real DynamoDB adapter in node_modules."""
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed")
    folder = tmp_path_factory.mktemp("ask-node-skill")
    shutil.copy(FIXTURES / "ask_node" / "index.js", folder / "index.js")
    (folder / "package.json").write_text('{"name": "ask-node-skill", "version": "1.0.0", "private": true}\n')
    _install(
        [
            "npm",
            "install",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "ask-sdk-core",
            "ask-sdk-model",
            "ask-sdk-dynamodb-persistence-adapter",
        ],
        folder,
        "ask-sdk-core from npm",
    )
    return folder


@pytest.mark.slow
def test_a_real_ask_sdk_python_skill(ask_python: Path, store: AttributeStore) -> None:
    skill = package("ask_python", "lambda_function.lambda_handler")
    with PythonWorker(skill, ask_python, store) as worker:
        first = worker.invoke(launch())
        assert speech(first) == "<speak>Welcome, visit 1.</speak>"
        assert first["response"]["shouldEndSession"] is False
        assert first["sessionAttributes"] == {"count": 0}
        counted = worker.invoke(intent("CountIntent", first["sessionAttributes"]))
        assert speech(counted) == "<speak>Count 1.</speak>"
        assert counted["sessionAttributes"] == {"count": 1}
        with pytest.raises(SkillFault) as raised:
            worker.invoke(intent("BrokenIntent", {}))
        assert (raised.value.kind, raised.value.detail) == ("raised", "KeyError: 'missing'")
    assert store.get("ask_python", USER) == {"visits": 1}
    with PythonWorker(skill, ask_python, store) as worker:
        assert speech(worker.invoke(launch())) == "<speak>Welcome, visit 2.</speak>"
        assert speech(worker.invoke(intent("ForgetIntent", {}))) == "<speak>Forgotten.</speak>"
    assert store.get("ask_python", USER) is None


@pytest.mark.slow
def test_standard_skill_builder_and_s3_adapter_use_the_stand_ins(
    ask_python: Path, store: AttributeStore
) -> None:
    with PythonWorker(
        package("ask_python", "standard_skill.handler", name="standard"), ask_python, store
    ) as worker:
        response = worker.invoke(launch())
    assert speech(response) == "<speak>launched 1</speak>"
    assert Path(response["sessionAttributes"]["adapter_file"]).is_relative_to(PYTHON_SHIMS)
    assert store.get("standard", USER) == {"launched": 1}
    with PythonWorker(package("ask_python", "s3_skill.handler", name="s3"), ask_python, store) as worker:
        assert speech(worker.invoke(launch())) == "<speak>saved to s3</speak>"
    assert store.get("s3", f"prefix/{USER}") == {"s3": True}


@pytest.mark.slow
@needs_node
def test_a_real_ask_sdk_node_skill(ask_node: Path, store: AttributeStore, tmp_path: Path) -> None:
    skill = package("ask_node", "index.handler", "node", code_dir=ask_node)
    with NodeWorker(skill, store, tmp_path) as worker:
        first = worker.invoke(launch())
        assert speech(first) == "<speak>Welcome, visit 1.</speak>"
        assert first["response"]["shouldEndSession"] is False
        counted = worker.invoke(intent("CountIntent", first["sessionAttributes"]))
        assert speech(counted) == "<speak>Count 1.</speak>"
        assert counted["sessionAttributes"] == {"count": 1}
    assert "visit number 1" in (tmp_path / "ask_node.log").read_text()
    assert store.get("ask_node", USER) == {"visits": 1}
    with NodeWorker(skill, store) as worker:
        assert speech(worker.invoke(launch())) == "<speak>Welcome, visit 2.</speak>"
