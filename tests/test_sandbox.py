"""Hostile skills, Python and Node, try every escape of issue 12 inside the real bubblewrap sandbox.

Each skill (tests/fixtures/hostile) reports what it saw in its response; the tests assert it saw nothing, and
that the assistant (this process) goes on. Where it is cheap, the same attempt is also made without the sandbox
(``--no-sandbox``), to show that the attempt itself works and the test can fail. Without a sandbox on this
machine the tests are skipped, saying why; with ``ASSISTANT_REQUIRE_SANDBOX=1`` (CI) that is a failure.
"""

from __future__ import annotations

import copy
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from assistant.cli.main import main
from assistant.errors import SkillError, SkillFault
from assistant.settings import Settings
from assistant.skills import install as installer
from assistant.skills import worker as worker_module
from assistant.skills.package import SkillPackage
from assistant.skills.registry import Registry
from assistant.skills.sandbox import Limits, Support, probe
from assistant.skills.store import AttributeStore
from assistant.skills.worker import LOG_BACKUPS, LOG_MAX_BYTES, ProcessWorker, make_worker

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
OTHER_SKILL = Path(__file__).parent / "fixtures" / "workers" / "py_basic" / "hello_world.py"
PYTHON = Path(sys.executable)
RUNTIMES = ("python", "node")
SECRETS = {"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "GITHUB_TOKEN": "ghp_notarealtoken0"}


@pytest.fixture(scope="module", autouse=True)
def sandbox_support() -> Support:
    support = probe()
    if not support.available:
        if os.environ.get("ASSISTANT_REQUIRE_SANDBOX") == "1":
            pytest.fail(f"ASSISTANT_REQUIRE_SANDBOX=1 but no sandbox can be made: {support.detail}")
        pytest.skip(f"no sandbox can be made here: {support.detail}")
    return support


def hostile_package(runtime: str, name: str | None = None, **changes: Any) -> SkillPackage:
    code = HOSTILE / ("py_hostile" if runtime == "python" else "node_hostile")
    package = SkillPackage(
        name=name or f"hostile-{runtime}",
        root=code,
        layout="plain",
        model_path=code,
        code_dir=code,
        runtime=runtime,
        handler="lambda_function.lambda_handler" if runtime == "python" else "index.handler",
        application_id="amzn1.ask.skill.hostile",
    )
    return replace(package, **changes)


EVENT: dict[str, Any] = {
    "version": "1.0",
    "session": {"new": True, "sessionId": "s1", "application": {"applicationId": "amzn1.ask.skill.hostile"},
                "attributes": {}, "user": {"userId": "amzn1.ask.account.LOCAL"}},
    "context": {"System": {"user": {"userId": "amzn1.ask.account.LOCAL"}, "device": {"deviceId": "d"}}},
    "request": {"type": "LaunchRequest", "requestId": "r1", "timestamp": "2026-12-02T12:00:00Z", "locale": "en-US"},
}


def attempt(worker: ProcessWorker, what: str, timeout: float | None = None, **args: Any) -> dict[str, Any]:
    """What the hostile skill saw when it tried ``what``."""
    event = copy.deepcopy(EVENT)
    event.update({"attempt": what, "args": args})
    response = worker.invoke(event, timeout)
    report: dict[str, Any] = response["sessionAttributes"]["report"]
    return report


@pytest.fixture
def store(tmp_path: Path) -> Iterator[AttributeStore]:
    """The real attribute database of the installation in tmp_path, holding another skill's data."""
    with AttributeStore(Settings(data_dir=tmp_path).database) as store:
        store.save("tally-keeper", "amzn1.ask.account.LOCAL", {"tally": 3})
        yield store


def start(runtime: str, store: AttributeStore, tmp_path: Path, *, sandbox: bool = True, **changes: Any) -> ProcessWorker:
    settings = Settings(data_dir=tmp_path, sandbox=sandbox)
    worker = make_worker(hostile_package(runtime, **changes), store, settings, python=PYTHON)
    worker.start()
    return worker


@pytest.fixture(params=RUNTIMES)
def hostile(request: pytest.FixtureRequest, store: AttributeStore, tmp_path: Path) -> Iterator[ProcessWorker]:
    """A sandboxed hostile skill, Python or Node, started with secrets in the assistant's environment."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in SECRETS.items():
            patch.setenv(key, value)
        worker = start(request.param, store, tmp_path)
    try:
        yield worker
    finally:
        worker.stop()


def failed(outcome: str) -> bool:
    return not outcome.startswith("ok")


# --- what it can see ---------------------------------------------------------------------------------------


def test_it_cannot_read_secrets_the_database_or_another_skill(
    hostile: ProcessWorker, store: AttributeStore, tmp_path: Path
) -> None:
    key = tmp_path / "home" / ".ssh" / "id_rsa"
    key.parent.mkdir(parents=True)
    key.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    paths = [str(Path.home() / ".ssh"), str(key), "/etc/shadow", str(store.path), str(OTHER_SKILL),
             str(Path(worker_module.__file__))]
    assert key.read_text() and OTHER_SKILL.read_text() and store.path.read_bytes()  # the test itself can
    seen = attempt(hostile, "read", paths=[*paths, "/proc/1/environ"])
    assert all(failed(seen[path]) for path in paths), seen
    assert "GITHUB_TOKEN" not in seen["/proc/1/environ"]  # pid 1 is the sandbox's own init


def test_it_sees_only_its_own_code_and_runtime(hostile: ProcessWorker, tmp_path: Path) -> None:
    seen = attempt(hostile, "list", paths=["/", str(Path.home()), str(tmp_path), "/etc", "/tmp"])
    top = seen["/"]
    assert "home" not in top and "var" not in top and "opt" not in top, top
    assert ".ssh" not in seen[str(Path.home())]  # /root may exist: a pyenv Python lives there
    assert failed(seen[str(tmp_path)])  # the assistant's data folder
    assert "shadow" not in seen["/etc"] and "passwd" not in seen["/etc"]
    assert seen["/tmp"] in ("ok: []", "ok: "), "its /tmp is private and starts empty"


def test_its_environment_is_clean(hostile: ProcessWorker) -> None:
    environment = attempt(hostile, "env")
    assert not set(SECRETS) & set(environment)
    assert not set(SECRETS.values()) & set(environment.values())
    assert environment["AWS_REGION"] == "us-east-1" and environment["AWS_LAMBDA_FUNCTION_NAME"].startswith("hostile")
    assert environment["HOME"] == "/tmp"


def test_without_the_sandbox_the_same_attempts_work(store: AttributeStore, tmp_path: Path) -> None:
    """The control: --no-sandbox gives the skill the user's files and environment (the attempts are real)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GITHUB_TOKEN", SECRETS["GITHUB_TOKEN"])
        worker = start("python", store, tmp_path, sandbox=False)
    try:
        seen = attempt(worker, "read", paths=[str(OTHER_SKILL), str(store.path)])
        assert not failed(seen[str(OTHER_SKILL)]) and not failed(seen[str(store.path)])
        assert "GITHUB_TOKEN" not in attempt(worker, "env")  # the environment is clean even then
    finally:
        worker.stop()


# --- the attribute database --------------------------------------------------------------------------------


def test_it_cannot_rewrite_another_skills_attributes(hostile: ProcessWorker, store: AttributeStore) -> None:
    seen = attempt(hostile, "sqlite", db=str(store.path))
    assert failed(seen["open"]), seen
    assert store.get("tally-keeper", "amzn1.ask.account.LOCAL") == {"tally": 3}


def test_a_lock_on_the_database_cannot_be_held_from_a_skill(store: AttributeStore, tmp_path: Path) -> None:
    """A detached grandchild tries to hold an exclusive lock: inside the sandbox there is no database to lock, so
    every other skill's persistence goes on at once. Without the sandbox the same child blocks it (the control)."""
    sandboxed = start("python", store, tmp_path)
    try:
        seen = attempt(sandboxed, "lock", db=str(store.path), seconds=30)
        assert seen["lock"] != "ok: locked" and "unable to open" in seen["lock"], seen
        began = time.monotonic()
        store.save("tally-keeper", "amzn1.ask.account.LOCAL", {"tally": 4})
        assert time.monotonic() - began < 1.0
    finally:
        sandboxed.stop()

    unconfined = start("python", store, tmp_path, sandbox=False, name="hostile-unconfined")
    try:
        seen = attempt(unconfined, "lock", db=str(store.path), seconds=2)
        assert seen["lock"] == "ok: locked"
        began = time.monotonic()
        store.save("tally-keeper", "amzn1.ask.account.LOCAL", {"tally": 5})  # waits for the lock to go
        assert time.monotonic() - began > 1.0
    finally:
        unconfined.stop()


@pytest.mark.parametrize("size", [300 * 1024, 500 * 1024])
def test_an_attributes_item_is_at_most_400_kb(hostile: ProcessWorker, store: AttributeStore, size: int) -> None:
    """Over DynamoDB's item limit, the SDK's persistence adapter raises a clear error in the skill."""
    seen = attempt(hostile, "persist", size=size)["persist"]
    saved = store.get(hostile.package.name, "amzn1.ask.account.LOCAL")
    if size < 400 * 1024:
        assert seen == f"ok: saved {size}" and saved == {"blob": "x" * size}
        return
    assert "over DynamoDB's item size limit of 409,600 bytes (400 KB); nothing was saved" in seen, seen
    assert seen.startswith(("PersistenceException", "DynamoDbPersistenceAdapter"))
    assert saved is None


# --- writing -----------------------------------------------------------------------------------------------


def test_it_cannot_write_outside_its_private_tmp(hostile: ProcessWorker, tmp_path: Path) -> None:
    name = f"hostile-{uuid.uuid4().hex}"
    own = hostile.package.code_dir / name
    targets = {
        "tmp": Path("/tmp") / name,
        "home": Path.home() / name,
        "data": tmp_path / name,
        "other skill": OTHER_SKILL.parent / name,
        "own code": own,
    }
    seen = attempt(hostile, "write", paths=[str(p) for p in targets.values()])
    assert not failed(seen[str(targets["tmp"])])  # its own /tmp works...
    for what, path in targets.items():
        assert not path.exists(), f"{what}: {path} was written"  # ...and is not the host's
        if what != "tmp":
            assert failed(seen[str(path)]), (what, seen)


# --- network -----------------------------------------------------------------------------------------------


@pytest.fixture
def tcp_server() -> Iterator[int]:
    """A real TCP service on 127.0.0.1 that greets whoever connects; yields its port."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            with connection:
                connection.sendall(b"hello from the service")

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        server.close()


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_no_network_unless_granted(runtime: str, store: AttributeStore, tmp_path: Path, tcp_server: int) -> None:
    offline = start(runtime, store, tmp_path)
    try:
        seen = attempt(offline, "connect", host="127.0.0.1", port=tcp_server)
        assert failed(seen["connect"]) and "hello" not in seen["connect"], seen
    finally:
        offline.stop()
    online = start(runtime, store, tmp_path, allow_network=True, name=f"hostile-{runtime}-net")
    try:
        seen = attempt(online, "connect", host="127.0.0.1", port=tcp_server)
        assert seen["connect"] == "ok: hello from the service"
    finally:
        online.stop()


def test_a_skill_installed_with_allow_network_reaches_a_local_server(
    tmp_path: Path, tcp_server: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """The grant is made at install, kept in the registry, shown by `skill info`, and used by the sandbox."""
    data = ["--data-dir", str(tmp_path)]
    source = HOSTILE / "node_hostile"
    assert main([*data, "skill", "install", str(source), "--name", "online", "--allow-network",
                 "--invocation", "online node"]) == 0
    assert "may use your network (--allow-network)" in capsys.readouterr().out
    assert main([*data, "skill", "install", str(source), "--name", "offline", "--invocation", "offline node"]) == 0
    capsys.readouterr()
    assert main([*data, "skill", "info", "online", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["network"] == "allowed (granted at install with --allow-network)"
    assert main([*data, "skill", "info", "offline", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["network"] == "none"

    settings = Settings(data_dir=tmp_path)
    registry = Registry(settings)
    with AttributeStore(settings.database) as store:
        for name, reached in (("online", True), ("offline", False)):
            package = registry.get(name)
            assert package.allow_network is reached
            with make_worker(package, store, settings) as worker:
                seen = attempt(worker, "connect", host="127.0.0.1", port=tcp_server)
            assert (seen["connect"] == "ok: hello from the service") is reached, (name, seen)
    installer.remove("online", settings)
    installer.remove("offline", settings)


# --- processes ---------------------------------------------------------------------------------------------


def test_it_cannot_signal_the_assistant(hostile: ProcessWorker) -> None:
    seen = attempt(hostile, "kill", pids=[os.getpid(), os.getppid()])
    assert failed(seen[str(os.getpid())]) and failed(seen[str(os.getppid())]), seen
    assert seen["ppid"] == 1, "its parent is the sandbox's own init, not the assistant"
    assert attempt(hostile, "env")  # the worker, and this process, are still here


def marked(marker: str) -> list[int]:
    """Processes on the host whose command line carries ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def wait_until_gone(marker: str, seconds: float = 5.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := marked(marker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def test_its_children_die_with_the_worker(hostile: ProcessWorker) -> None:
    marker = f"hostile-child-{uuid.uuid4().hex}"
    seen = attempt(hostile, "fork", marker=marker, seconds=60)
    assert not failed(seen["spawned"]), seen
    deadline = time.monotonic() + 5
    while len(marked(marker)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(marked(marker)) >= 3, "two children and a double-forked grandchild run while the worker does"
    hostile.stop()
    assert wait_until_gone(marker) == []


ASSISTANT = """
import sys, time
from pathlib import Path
sys.path.insert(0, {tests!r})
from test_sandbox import attempt, hostile_package
from assistant.settings import Settings
from assistant.skills.store import AttributeStore
from assistant.skills.worker import make_worker
settings = Settings(data_dir=Path({data!r}))
worker = make_worker(hostile_package({runtime!r}), AttributeStore(settings.database), settings,
                     python=Path(sys.executable))
print(attempt(worker, "fork", marker={marker!r}, seconds=60), flush=True)
time.sleep(60)
"""


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_its_children_die_with_a_killed_assistant(runtime: str, tmp_path: Path) -> None:
    """An assistant killed with SIGKILL takes every process of its skills with it (nothing outlives it)."""
    marker = f"hostile-orphan-{uuid.uuid4().hex}"
    script = ASSISTANT.format(tests=str(Path(__file__).parent), data=str(tmp_path), runtime=runtime, marker=marker)
    assistant = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert assistant.stdout is not None
        assert "spawned" in assistant.stdout.readline()
        deadline = time.monotonic() + 5
        while len(marked(marker)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(marked(marker)) >= 3
    finally:
        assistant.kill()
        assistant.wait()
    assert wait_until_gone(marker) == []


# --- resources ---------------------------------------------------------------------------------------------


def test_eight_gigabytes_cannot_be_allocated(hostile: ProcessWorker) -> None:
    limit = Limits().address_space
    try:
        # writing up to the limit (2 GB) takes a second alone, far longer on a loaded machine: the limit is tested
        seen = attempt(hostile, "memory", timeout=60, gigabytes=8)["memory"]
    except SkillFault as fault:  # a runtime may die of it rather than raise: a crash, and the assistant goes on
        assert fault.kind == "crashed"
    else:
        assert "Error after" in seen, seen
        allocated = int(seen.split("after ")[1].split(" MB")[0]) << 20
        assert allocated < limit
    assert attempt(hostile, "env")  # started again if it had to be


def test_the_number_of_processes_is_limited(store: AttributeStore, tmp_path: Path) -> None:
    """A fork bomb stops at ``Limits.processes``, even run as root (a pids cgroup where the controller is
    writable; RLIMIT_NPROC otherwise, which the kernel does not apply to root)."""
    worker = start("python", store, tmp_path)
    try:
        cgroup = worker._cgroup  # noqa: SLF001 (where the limit lives)
        if cgroup is None and os.getuid() == 0:
            pytest.skip("running as root without a writable pids cgroup controller: the process count is not limited")
        seen = attempt(worker, "processes", timeout=20, count=2000)["processes"]
        assert seen.startswith(("BlockingIOError", "OSError")), seen
        assert int(seen.split(" after ")[1].split()[0]) < Limits().processes
        assert attempt(worker, "env")
    finally:
        worker.stop()
    assert cgroup is None or not cgroup.path.exists()


def test_its_tmp_is_small(store: AttributeStore, tmp_path: Path) -> None:
    """The private /tmp holds at most ``Limits.tmp_size``, and no file grows past ``Limits.file_size``."""
    worker = start("python", store, tmp_path)
    try:
        seen = attempt(worker, "fill", timeout=30, paths=["/tmp/a", "/tmp/b"], megabytes=200)
    finally:
        worker.stop()
    first = int(seen["/tmp/a"].split(" after ")[1].split()[0])
    second = int(seen["/tmp/b"].split(" after ")[1].split()[0])
    assert first <= Limits().file_size >> 20 and first + second <= Limits().tmp_size >> 20, seen


def test_a_log_flood_is_capped(hostile: ProcessWorker) -> None:
    assert hostile.log_path is not None
    lines = attempt(hostile, "print", timeout=20, seconds=4)["lines"]
    printed = lines * 1001
    logs = [hostile.log_path, *(hostile.log_path.with_name(f"{hostile.log_path.name}.{i}") for i in (1, 2, 3))]
    kept = sum(p.stat().st_size for p in logs if p.exists())
    assert printed > (1 + LOG_BACKUPS) * LOG_MAX_BYTES, "the flood is bigger than the cap"
    assert kept <= (1 + LOG_BACKUPS) * LOG_MAX_BYTES
    assert logs[1].exists() and not logs[3].exists()


# --- replies -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chars", "problem"),
    [
        (8000, None),
        (8001, "/response/outputSpeech/text: 8,001 characters, over Alexa's limit of 8,000"),
        (50_000, "/response/outputSpeech/text: 50,000 characters"),  # 10,000 words
        (5 * 1024 * 1024, "/response/outputSpeech/text: 5,242,880 characters"),  # 5 MB
    ],
)
def test_long_speech_is_an_invalid_response(hostile: ProcessWorker, chars: int, problem: str | None) -> None:
    if problem is None:
        assert attempt(hostile, "speech", chars=chars) == {}
        return
    with pytest.raises(SkillFault) as caught:
        attempt(hostile, "speech", chars=chars)
    assert caught.value.kind == "invalid-response" and problem in str(caught.value)
    assert attempt(hostile, "env")  # the warm worker is kept, as after any handled error


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("[" * 100_000, "the worker sent a line that is not a JSON object"),  # deeper than the parser goes
        ('"just a string"', "the worker sent a line that is not a JSON object"),
        ("\x00\xff not json", "the worker sent a line that is not a JSON object"),
        ('{"op": "result", "id": "nobody", "response": 1}', None),  # a late reply to no request: ignored
    ],
)
def test_garbage_on_the_channel_is_a_fault_not_the_assistants_crash(
    store: AttributeStore, tmp_path: Path, text: str, detail: str | None
) -> None:
    worker = start("python", store, tmp_path)
    try:
        try:
            seen = attempt(worker, "raw", text=text)
        except SkillFault as fault:
            assert detail is not None and detail in str(fault), fault
        else:
            assert seen == {"raw": "written"}
        assert attempt(worker, "env")  # started again if it had to be
    finally:
        worker.stop()


# --- without a sandbox -------------------------------------------------------------------------------------


def test_without_a_sandbox_installed_skills_need_no_sandbox(
    monkeypatch: pytest.MonkeyPatch, store: AttributeStore, tmp_path: Path
) -> None:
    monkeypatch.setattr(worker_module, "probe", lambda: Support(False, "bwrap: No permissions to create new namespace"))
    settings = Settings(data_dir=tmp_path)
    with pytest.raises(SkillError, match="no sandbox can be made here .*No permissions.*--no-sandbox"):
        make_worker(hostile_package("python"), store, settings, python=PYTHON)
    bundled = make_worker(hostile_package("python", bundled=True), store, settings, python=PYTHON)
    assert bundled.sandbox() is None
    explicit = make_worker(hostile_package("python"), store, settings.with_(sandbox=False), python=PYTHON)
    assert explicit.sandbox() is None
    with explicit:
        assert attempt(explicit, "env")


def test_the_sandbox_command_has_the_limits(store: AttributeStore, tmp_path: Path) -> None:
    worker = make_worker(hostile_package("node"), store, Settings(data_dir=tmp_path))
    sandbox = worker.sandbox()
    assert sandbox is not None and sandbox.limits == Limits() and not sandbox.network
    command = " ".join(sandbox.wrap(["node"]))
    assert command.startswith("bwrap --unshare-all --die-with-parent --new-session") and "--share-net" not in command
    assert f"-- prlimit --as={2048 << 20} --cpu=120:125 --nproc=256 --fsize={64 << 20}" in command
    assert command.endswith("--core=0 -- node")
    assert str(store.path) not in command and str(tmp_path) not in command


# --- through the assistant's commands ----------------------------------------------------------------------

LOUD = HOSTILE / "loud_node"


def test_ten_thousand_words_get_the_apology_and_the_assistant_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path)]
    assert main([*data, "chat", "--no-bundled", "--skill", str(LOUD), "--json", "open loud talker"]) == 0
    turn = json.loads(capsys.readouterr().out)
    assert turn["text"] == "There was a problem with the requested skill's response"
    assert "invalid-response" in turn["error"] and "50,000 characters, over Alexa's limit of 8,000" in turn["error"]
    assert turn["session_open"] is False


def test_a_skills_escape_sequences_never_reach_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = ["--data-dir", str(tmp_path)]
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("ask loud talker to say something strange\n"))
    assert main([*data, "chat", "--no-bundled", "--skill", str(LOUD)]) == 0
    out = capsys.readouterr().out
    assert "alexa> Look here." in out and "card: Red: text" in out
    assert "\x1b" not in out and "\x07" not in out


def test_without_a_sandbox_the_commands_say_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    absent = Support(False, "bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap)")
    monkeypatch.setattr("assistant.cli.common.probe", lambda: absent)
    monkeypatch.setattr("assistant.cli.skill_cmd.probe", lambda: absent)
    monkeypatch.setattr(worker_module, "probe", lambda: absent)
    data = ["--data-dir", str(tmp_path)]
    assert main([*data, "skill", "install", str(LOUD), "--name", "loud"]) == 0
    assert "no sandbox can be made here (bubblewrap (bwrap) is not installed" in capsys.readouterr().out
    assert main([*data, "chat", "--no-bundled", "open loud talker"]) == 0
    captured = capsys.readouterr()
    assert "note: no sandbox can be made here: bubblewrap (bwrap) is not installed" in captured.err
    assert "installed ones only with --no-sandbox" in captured.err
    assert "alexa> Sorry, loud talker can't be started." in captured.out  # refused: third-party, no sandbox
    assert "is third-party code and no sandbox can be made here" in captured.out
    assert "run it only if you trust it, with --no-sandbox" in captured.out
    assert main([*data, "chat", "--no-bundled", "--no-sandbox", "open loud talker"]) == 0
    captured = capsys.readouterr()
    assert "skills run without a sandbox (--no-sandbox)" in captured.err
    assert "There was a problem with the requested skill's response" in captured.out  # it ran (and answered too much)
