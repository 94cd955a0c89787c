"""Each skill's handler, unmodified, in a process of its own, as on AWS Lambda.

A worker starts ``python_worker.py`` (in the skill's own virtualenv) or ``node_bridge.js`` with the skill's code
folder as working directory, and talks to it in JSON lines over two pipes of its own; the skill's stdout and
stderr go to its log (``<log_dir>/<skill>.log`` and this module's logger at debug level), as they would to
CloudWatch. While a handler runs, the persistence stand-ins in ``shims/`` ask for attributes over the same
channel, and each write is committed to the ``AttributeStore`` before the skill hears back.

Whatever a skill does, the assistant goes on: a handler that raises, a process that dies, a handler that hangs
past its timeout, or a reply that is not a valid response envelope all become ``SkillFault(skill, kind, detail)``.
The one reply that is not checked is the reply to a SessionEndedRequest: Alexa ignores it, so a skill may answer
nothing at all (the 2015 ``AlexaSkill.js`` calls ``context.succeed()`` with no response); that gives ``{}``.
A dead or hung process is killed and started afresh on the next ``invoke``; after a handled error the warm process
is kept, as Lambda keeps its execution environment.

Each worker runs in a sandbox of its own (``sandbox.py``) unless it is told not to: it sees only its code, its
environment and its runtime, read-only, with no network (unless granted at install), its own PID namespace and
resource limits. Its environment is clean in every case: the few variables Lambda sets, none of the assistant's.
Its output goes to a log capped by rotation (``LOG_MAX_BYTES``, ``LOG_BACKUPS``), and a reply over Alexa's size
limits (``response_limit_problem``) is an invalid response.
"""

from __future__ import annotations

import abc
import collections
import contextlib
import itertools
import json
import logging
import os
import selectors
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Protocol, runtime_checkable

from assistant.errors import SkillError, SkillFault
from assistant.settings import Settings
from assistant.skills.endpoint import EndpointWorker
from assistant.skills.package import SkillPackage
from assistant.skills.responses import (
    IGNORED_REPLIES,
    ignored_reply,
    response_limit_problem,
    response_problem,
)
from assistant.skills.sandbox import SANDBOX_SOCKET, Limits, PidsCgroup, Sandbox, interpreter_paths, probe
from assistant.skills.sanitize import printable
from assistant.skills.store import AttributeStore, AttributeStoreError

logger = logging.getLogger(__name__)


class TokenIssuer(Protocol):
    """Issues ``apiAccessToken`` values (``assistant.services.tokens.TokenIssuer``)."""

    def issue(self, skill: str, user_id: str, device_id: str) -> str:
        """A new token for one request of ``skill``."""
        ...


class ApiAccess(Protocol):
    """The local API server as workers reach it (``assistant.services.access.ApiAccess``); a protocol here, so
    that the skills package does not import the services that build on it."""

    @property
    def socket(self) -> Path:
        """The server's Unix socket on the host."""
        ...

    @property
    def bundle(self) -> Path:
        """The CA bundle skills trust."""
        ...

    @property
    def issuer(self) -> TokenIssuer:
        """Issues each request's ``apiAccessToken``."""
        ...

    @property
    def hosts(self) -> Path:
        """The ``/etc/hosts`` a sandbox sees (Amazon's API hosts at 127.0.0.1)."""
        ...

    def endpoint(self, port: int) -> str:
        """``apiEndpoint`` for a worker whose forwarder listens on ``port``."""
        ...

_HERE = Path(__file__).resolve().parent
PYTHON_WORKER = _HERE / "python_worker.py"
"""The script a Python skill's own interpreter runs."""
NODE_BRIDGE = _HERE / "node_bridge.js"
"""The script node runs for a Node skill."""
PYTHON_SHIMS = _HERE / "shims" / "python"
"""Stand-ins put first on a Python skill's import path."""
NODE_SHIMS = _HERE / "shims" / "node"
"""Stand-ins that require() of the persistence adapters and aws-sdk resolves to in a Node skill."""
FAULT_KINDS = ("raised", "crashed", "timeout", "invalid-response", "unreachable")
"""The kinds of ``SkillFault`` a worker raises (``unreachable``: a skill at an HTTPS endpoint that could not be
reached, a TLS failure or a refused connection)."""
_ATTRIBUTE_OPS = ("attributes.get", "attributes.save", "attributes.delete")
_STOP_GRACE = 2.0  # seconds a process may take to exit after its channel closes
_LOG_TAIL = 20  # skill output lines kept to explain a crash
MESSAGE_MAX_BYTES = 16 * 1024 * 1024
"""The longest message a worker may send on its channel (a response is at most 24 KB, an item 400 KB)."""
_LINE_MAX = 64 * 1024  # bytes of one line of skill output kept in memory
LOG_MAX_BYTES = 2 * 1024 * 1024
"""A skill's log is rotated when it would grow past this many bytes (``<skill>.log`` → ``<skill>.log.1`` …)."""
LOG_BACKUPS = 2
"""Rotated logs kept per skill: at most ``(1 + LOG_BACKUPS) * LOG_MAX_BYTES`` bytes of a skill's output on disk."""

@runtime_checkable
class SkillWorker(Protocol):
    """Runs one skill's handler: Lambda in miniature."""

    def start(self) -> None:
        """Start the process and load the handler; raises SkillFault if the handler cannot be loaded."""

    def invoke(self, event: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        """Call the handler with a request envelope and return its valid response envelope, or raise SkillFault.
        A reply to a SessionEndedRequest is returned unchecked (``{}`` for no reply): Alexa ignores it."""

    def stop(self) -> None:
        """Stop the process; stopping a stopped worker does nothing."""

    def __enter__(self) -> SkillWorker: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


def _request_type(event: dict[str, Any]) -> object:
    request = event.get("request")
    return request.get("type") if isinstance(request, dict) else None


CLOCK_SKEW_SECONDS = 5.0
"""A request whose timestamp is further than this from the real time comes from a fixed clock (``--now``)."""


def _clock_skew(event: dict[str, Any]) -> float | None:
    """Seconds from the real time to the request's ``timestamp`` when the runtime's clock is not the real one
    (``assistant test --now``), else None. The skill's own clock is then moved by as much, so that a skill that
    asks ``datetime.now()`` or ``new Date()`` agrees with its request, as it would on Alexa."""
    request = event.get("request")
    stamp = request.get("timestamp") if isinstance(request, dict) else None
    if not isinstance(stamp, str):
        return None
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    skew = moment.timestamp() - time.time()
    return skew if abs(skew) > CLOCK_SKEW_SECONDS else None


def _exit_detail(returncode: int) -> str:
    if returncode >= 0:
        return f"exit code {returncode}"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        name = "unknown signal"
    return f"killed by signal {-returncode} ({name})"


class _Timeout(Exception):
    """The deadline passed while waiting for the skill process."""


class _ChannelClosed(Exception):
    """The skill process closed its end of the channel (it exited)."""


class ProcessWorker(abc.ABC):
    """What Python and Node workers share: the process, the channel, the log, the faults."""

    runtime = "?"

    def __init__(
        self,
        package: SkillPackage,
        store: AttributeStore,
        log_dir: Path | None = None,
        *,
        timeout: float = 8.0,
        start_timeout: float = 20.0,
        limits: Limits | None = None,
    ) -> None:
        self.package = package
        """The skill this worker runs."""
        self.store = store
        """Where the skill's persistent attributes live."""
        self.log_path = log_dir / f"{package.name}.log" if log_dir is not None else None
        """The skill's own output (stdout and stderr), appended; None to keep it in logging only."""
        self.timeout = timeout
        """Seconds an invocation may take before the process is treated as hung and killed."""
        self.start_timeout = start_timeout
        """Seconds the process may take to start and load the handler (Lambda's init phase)."""
        self.limits = limits
        """The sandbox's resource limits; None runs the skill without a sandbox (``--no-sandbox``)."""
        self._process: subprocess.Popen[bytes] | None = None
        self._cgroup: PidsCgroup | None = None
        self._to_child: int | None = None
        self._from_child: int | None = None
        self._output: int | None = None
        self._log: IO[bytes] | None = None
        self._selector: selectors.BaseSelector | None = None
        self._inbox = b""
        self._output_partial = b""
        self._tail: collections.deque[str] = collections.deque(maxlen=_LOG_TAIL)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.api: ApiAccess | None = None
        """The local Alexa API server, when the runtime runs one: each request gets its endpoint and a token."""
        self._api_port: int | None = None
        self._fake_clock = False

    # --- lifecycle -------------------------------------------------------------------------------------------

    seed: int | None = None
    """Seed for the skill's random numbers (``--seed``), so tests of skills that use randomness repeat."""

    @abc.abstractmethod
    def _command(self, channel_in: int, channel_out: int) -> list[str]:
        """The command line that runs the skill, talking on the two given file descriptors."""

    def _visible(self) -> list[Path]:
        """What the sandbox shows the skill, read-only: its code, its environment, the worker's own files."""
        package = self.package
        visible = [p for p in (package.root, package.code_dir, package.env_dir) if p is not None]
        if self.api is not None:
            visible.append(self.api.bundle)
        return visible

    def _api_arguments(self) -> list[str]:
        """``--api-socket PATH`` (as the worker sees it) and ``--fake-clock``, for the worker script."""
        args = ["--fake-clock", "1"] if self._fake_clock else []
        if self.api is None:
            return args
        inside = SANDBOX_SOCKET if self.limits is not None else self.api.socket
        port = "443" if self._bind_443() else "0"
        return [*args, "--api-socket", str(inside), "--api-port", port]

    def _api_binds(self) -> tuple[tuple[Path, Path], ...]:
        """The API server's socket, and (with port 443) the hosts file that names Amazon's API hosts 127.0.0.1."""
        if self.api is None:
            return ()
        socket = ((self.api.socket, SANDBOX_SOCKET),)
        return (*socket, (self.api.hosts, Path("/etc/hosts"))) if self._bind_443() else socket

    def _bind_443(self) -> bool:
        """Whether the forwarder may listen on port 443 (as ``api.amazonalexa.com``): only in a sandbox made by
        root, in a network namespace of its own (never on the host's loopback: not for a skill granted the network)."""
        return (
            self.api is not None and self.limits is not None and os.geteuid() == 0 and not self.package.allow_network
        )

    def sandbox(self) -> Sandbox | None:
        """The sandbox this worker's process runs in, or None without one."""
        if self.limits is None:
            return None
        return Sandbox(
            visible=tuple(self._visible()),
            workdir=self.package.code_dir,
            network=self.package.allow_network,
            limits=self.limits,
            binds=self._api_binds(),
            capabilities=("CAP_NET_BIND_SERVICE",) if self._bind_443() else (),
        )

    def _environment(self) -> dict[str, str]:
        """A clean environment: what Lambda sets and the worker needs, nothing of the assistant's own (no
        credentials, tokens or paths leak to a skill)."""
        name = self.package.name
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": "/tmp",
            "TMPDIR": "/tmp",
            "LANG": "C.UTF-8",
            "TZ": os.environ.get("TZ", ":/etc/localtime"),
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"local/{name}",
            "LAMBDA_TASK_ROOT": str(self.package.code_dir),
            # Skills build AWS clients at load time; Lambda always has a region. Nothing here goes online.
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        if self.seed is not None:  # deterministic skills for tests: python_worker / node_bridge seed their RNG
            env["ASSISTANT_SKILL_SEED"] = str(self.seed)
        if self.api is not None:  # every HTTP client a skill may use trusts the local API server
            for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS"):
                env[name] = str(self.api.bundle)
        if self.package.env_dir is not None and (self.package.env_dir / "node_modules").is_dir():
            # A bundled Node skill's dependencies live outside its (read-only) code folder.
            env["NODE_PATH"] = str(self.package.env_dir / "node_modules")
        return env

    @property
    def running(self) -> bool:
        """True while the skill process is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The worker process's id while it runs (for diagnostics; in a sandbox, the outer bwrap's), else None."""
        return self._process.pid if self.running and self._process is not None else None

    def __enter__(self) -> ProcessWorker:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start the process and wait until it has loaded the handler."""
        with self._lock:
            if not self.running:
                self._start()

    def _start(self) -> None:
        self._close()
        if not self.package.code_dir.is_dir():
            raise SkillError(
                f"skill {self.package.name!r}: its code folder {self.package.code_dir} does not exist"
            )
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = open(self.log_path, "ab")  # noqa: SIM115 (owned by the worker, closed in _close)
        child_in, to_child = os.pipe()
        from_child, child_out = os.pipe()
        output, child_output = os.pipe()
        try:
            command = self._command(child_in, child_out)
            sandbox = self.sandbox()
            if sandbox is not None:
                self._cgroup = PidsCgroup.create(sandbox.limits.processes)
                command = sandbox.wrap(command, cgroup=self._cgroup)
            logger.debug("skill %r: starting %s", self.package.name, command)
            self._process = subprocess.Popen(
                command,
                cwd=self.package.code_dir,
                env=self._environment(),
                stdin=subprocess.DEVNULL,
                stdout=child_output,
                stderr=child_output,
                pass_fds=(child_in, child_out),
                start_new_session=True,
            )
        except BaseException as error:
            for fd in (to_child, from_child, output):
                os.close(fd)
            if isinstance(error, OSError):
                raise SkillError(
                    f"skill {self.package.name!r}: cannot start its {self.runtime} worker: {error}"
                ) from error
            raise
        finally:
            for fd in (child_in, child_out, child_output):
                os.close(fd)
        os.set_blocking(to_child, False)
        self._to_child, self._from_child, self._output = to_child, from_child, output
        self._selector = selectors.DefaultSelector()
        self._selector.register(from_child, selectors.EVENT_READ, "channel")
        self._selector.register(output, selectors.EVENT_READ, "output")

        deadline = time.monotonic() + self.start_timeout
        try:
            message = self._receive(deadline)
        except _Timeout:
            self._kill()
            raise self._fault(
                "timeout", f"the handler was not loaded within {self.start_timeout:g} s"
            ) from None
        except _ChannelClosed:
            raise self._fault("crashed", _exit_detail(self._reap())) from None
        if message.get("op") == "fault":
            self._reap()
            raise self._fault(str(message.get("kind", "raised")), str(message.get("detail", "")))
        if message.get("op") != "ready":
            self._kill()
            raise self._fault("crashed", f"the worker sent {message!r} instead of ready")
        port = message.get("api_port")
        self._api_port = port if isinstance(port, int) else None
        if self.api is not None and self._api_port is None:
            logger.warning("skill %r: its worker opened no way to the Alexa API server", self.package.name)
        logger.debug("skill %r: %s worker ready (pid %d)", self.package.name, self.runtime, self._process.pid)

    def stop(self) -> None:
        """Close the channel, let the process exit, kill it if it does not, and close the log."""
        with self._lock:
            process = self._process
            if process is not None and process.poll() is None:
                if self._to_child is not None:
                    os.close(self._to_child)
                    self._to_child = None
                try:
                    process.wait(_STOP_GRACE)
                except subprocess.TimeoutExpired:
                    self._kill()
                logger.debug("skill %r: worker stopped (%s)", self.package.name, _exit_detail(process.wait()))
            self._close()

    def _kill(self) -> None:
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        self._drain_output(0.2)

    def _reap(self) -> int:
        """Wait for a process whose channel closed; returns its exit status."""
        assert self._process is not None
        try:
            returncode = self._process.wait(_STOP_GRACE)
        except subprocess.TimeoutExpired:
            self._kill()
            returncode = self._process.wait()
        self._drain_output(0.5)
        return returncode

    def _close(self) -> None:
        self._drain_output(0.0)
        self._flush_partial_output()
        if self._selector is not None:
            self._selector.close()
            self._selector = None
        for fd in (self._to_child, self._from_child, self._output):
            if fd is not None:
                os.close(fd)
        self._to_child = self._from_child = self._output = None
        if self._log is not None:
            self._log.close()
            self._log = None
        self._process = None
        self._inbox = b""
        if self._cgroup is not None:  # its processes are gone with the process (PID namespace)
            self._cgroup.remove()
            self._cgroup = None

    # --- invocation ------------------------------------------------------------------------------------------

    def invoke(self, event: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        """Call the handler with ``event``; returns the response envelope or raises SkillFault."""
        timeout = self.timeout if timeout is None else timeout
        skew = _clock_skew(event)
        with self._lock:
            if not self.running:
                if self._process is not None:
                    logger.info("skill %r: restarting its %s worker", self.package.name, self.runtime)
                self._fake_clock = skew is not None
                self._start()
            request_id = f"{self.package.name}-{next(self._ids)}"
            self._tail.clear()
            deadline = time.monotonic() + timeout
            self._authorize(event)
            response = self._call(request_id, event, timeout, deadline, skew)
        if _request_type(event) in IGNORED_REPLIES:
            return ignored_reply(self.package.name, response)
        problem = response_problem(response)
        if problem is not None or not isinstance(response, dict):
            raise self._fault("invalid-response", problem or "(root): not an object")
        problem = response_limit_problem(response)
        if problem is not None:
            raise self._fault("invalid-response", problem)
        return response

    def _authorize(self, event: dict[str, Any]) -> None:
        """Give the request this worker's ``apiEndpoint`` and a fresh ``apiAccessToken`` for this skill."""
        context = event.get("context")
        system = context.get("System") if isinstance(context, dict) else None
        if self.api is None or self._api_port is None or not isinstance(system, dict):
            return
        user, device = system.get("user"), system.get("device")
        user = user if isinstance(user, dict) else {}
        device = device if isinstance(device, dict) else {}
        system["apiEndpoint"] = self.api.endpoint(self._api_port)
        system["apiAccessToken"] = self.api.issuer.issue(
            self.package.name, str(user.get("userId", "")), str(device.get("deviceId", ""))
        )

    def _call(
        self, request_id: str, event: dict[str, Any], timeout: float, deadline: float, skew: float | None = None
    ) -> object:
        message: dict[str, Any] = {
            "op": "invoke", "id": request_id, "event": event, "timeout_ms": int(timeout * 1000)
        }
        if skew is not None and self._fake_clock:
            message["clock_offset_ms"] = int(skew * 1000)
        try:
            self._send(message, deadline)
            while True:
                reply = self._receive(deadline)
                op = reply.get("op")
                if op in _ATTRIBUTE_OPS:
                    self._send(self._answer(reply), deadline)
                elif reply.get("id") != request_id:
                    logger.debug("skill %r: ignoring a late message %r", self.package.name, reply)
                elif op == "result":
                    return reply.get("response")
                elif op == "fault":
                    if reply.get("fatal"):  # an uncaught error: the process is exiting, as on Lambda
                        self._reap()
                    raise self._fault(str(reply.get("kind", "raised")), str(reply.get("detail", "")))
                else:
                    self._kill()
                    raise self._fault("crashed", f"the worker sent an unknown message {reply!r}")
        except _Timeout:
            self._kill()
            raise self._fault("timeout", f"no response within {timeout:g} s") from None
        except _ChannelClosed:
            raise self._fault("crashed", _exit_detail(self._reap())) from None

    def _answer(self, request: dict[str, Any]) -> dict[str, Any]:
        """Serve one persistence request from the skill; the store has committed before the answer is sent."""
        op, key = request["op"], request.get("key")
        reply: dict[str, Any] = {"op": "reply", "id": request.get("id")}
        if not isinstance(key, str):
            reply["error"] = f"the attributes key must be a string, got {key!r}"
            return reply
        try:
            if op == "attributes.get":
                reply["value"] = self.store.get(self.package.name, key)
            elif op == "attributes.save":
                self.store.save(self.package.name, key, request.get("value"))  # type: ignore[arg-type]
                reply["value"] = None
            else:
                self.store.delete(self.package.name, key)
                reply["value"] = None
        except AttributeStoreError as error:
            logger.error("skill %r: %s", self.package.name, error)
            reply["error"] = str(error)
        return reply

    def _fault(self, kind: str, detail: str) -> SkillFault:
        fault = SkillFault(self.package.name, kind, printable(detail))
        if kind == "crashed" and self._tail:
            logger.warning("%s; its last output:\n  %s", fault, "\n  ".join(self._tail))
        else:
            logger.warning("%s", fault)
        return fault

    # --- channel and output ----------------------------------------------------------------------------------

    def _send(self, message: dict[str, Any], deadline: float) -> None:
        data = (json.dumps(message) + "\n").encode("utf-8")
        assert self._to_child is not None and self._selector is not None
        view = memoryview(data)
        while view:
            try:
                written = os.write(self._to_child, view)
            except BlockingIOError:
                self._wait(deadline, writing=True)
                continue
            except BrokenPipeError:
                raise _ChannelClosed from None
            view = view[written:]

    def _receive(self, deadline: float) -> dict[str, Any]:
        """The next message from the skill process."""
        while b"\n" not in self._inbox:
            if len(self._inbox) > MESSAGE_MAX_BYTES:
                self._kill()
                raise self._fault(
                    "crashed", f"the worker sent a message over {MESSAGE_MAX_BYTES:,} bytes (no end of line)"
                )
            self._wait(deadline, writing=False)
        line, _, self._inbox = self._inbox.partition(b"\n")
        try:
            message = json.loads(line)
        except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
            message = None
        if not isinstance(message, dict):
            self._kill()
            raise self._fault("crashed", f"the worker sent a line that is not a JSON object: {line[:200]!r}")
        return message

    def _wait(self, deadline: float, *, writing: bool) -> None:
        """Wait for channel input (or for room to write), keeping the skill's output flowing meanwhile."""
        assert self._selector is not None
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _Timeout
        writer = self._to_child if writing else None
        if writer is not None:
            self._selector.register(writer, selectors.EVENT_WRITE, "write")
        try:
            events = self._selector.select(remaining)
        finally:
            if writer is not None:
                self._selector.unregister(writer)
        for key, _ in events:
            if key.data == "output":
                self._read_output()
            elif key.data == "channel":
                assert self._from_child is not None
                chunk = os.read(self._from_child, 65536)
                if not chunk:
                    raise _ChannelClosed
                self._inbox += chunk

    def _read_output(self) -> bool:
        """Move what the skill printed to its log; False at end of output."""
        assert self._output is not None
        chunk = os.read(self._output, 65536)
        if not chunk:
            assert self._selector is not None
            self._selector.unregister(self._output)
            os.close(self._output)
            self._output = None
            return False
        self._write_log(chunk)
        *lines, self._output_partial = (self._output_partial + chunk).split(b"\n")
        if len(self._output_partial) > _LINE_MAX:  # output without newlines: kept as lines of bounded length
            lines.append(self._output_partial[:_LINE_MAX])
            self._output_partial = b""
        for line in lines:
            self._skill_said(line)
        return True

    def _write_log(self, chunk: bytes) -> None:
        """Append to the skill's log, rotating it first when it would pass ``LOG_MAX_BYTES``."""
        if self._log is None or self.log_path is None:
            return
        if self._log.tell() + len(chunk) > LOG_MAX_BYTES and self._log.tell() > 0:
            self._log.close()
            for index in range(LOG_BACKUPS, 0, -1):
                older = self.log_path.with_name(f"{self.log_path.name}.{index - 1}") if index > 1 else self.log_path
                if older.exists():
                    os.replace(older, self.log_path.with_name(f"{self.log_path.name}.{index}"))
            self._log = open(self.log_path, "ab")  # noqa: SIM115 (owned by the worker, closed in _close)
        self._log.write(chunk[: LOG_MAX_BYTES])
        self._log.flush()

    def _flush_partial_output(self) -> None:
        if self._output_partial:
            self._skill_said(self._output_partial)
            self._output_partial = b""

    def _skill_said(self, line: bytes) -> None:
        text = printable(line.decode("utf-8", "replace").rstrip("\r"))
        self._tail.append(text)
        logger.debug("[%s] %s", self.package.name, text)

    def _drain_output(self, wait: float) -> None:
        """Read what is left of the skill's output, waiting at most ``wait`` seconds for more."""
        deadline = time.monotonic() + wait
        while self._output is not None and self._selector is not None:
            ready = self._selector.select(max(0.0, deadline - time.monotonic()))
            if not any(key.data == "output" for key, _ in ready):
                return
            if not self._read_output():
                return


class PythonWorker(ProcessWorker):
    """A Python skill, run by its own virtualenv's interpreter (``python_worker.py``)."""

    runtime = "python"

    def __init__(
        self,
        package: SkillPackage,
        python: Path,
        store: AttributeStore,
        log_dir: Path | None = None,
        *,
        timeout: float = 8.0,
        start_timeout: float = 20.0,
        limits: Limits | None = None,
    ) -> None:
        super().__init__(package, store, log_dir, timeout=timeout, start_timeout=start_timeout, limits=limits)
        self.python = python
        """The interpreter that runs the skill (its venv's ``bin/python``)."""

    def _visible(self) -> list[Path]:
        return [*super()._visible(), *interpreter_paths(self.python), PYTHON_WORKER, PYTHON_SHIMS]

    def _command(self, channel_in: int, channel_out: int) -> list[str]:
        if not Path(self.python).exists():
            raise SkillError(
                f"skill {self.package.name!r}: its Python interpreter {self.python} does not exist"
            )
        return [
            str(self.python),
            "-I",  # isolated: no PYTHON* variables, no user site, no script folder on the path
            "-u",  # unbuffered, so the skill's output reaches its log as it is written
            "-B",  # no bytecode written into the skill's folder or the stand-ins (Lambda's disk is read-only)
            str(PYTHON_WORKER),
            *("--channel-in", str(channel_in), "--channel-out", str(channel_out)),
            *("--code-dir", str(self.package.code_dir), "--handler", self.package.handler),
            *("--shims", str(PYTHON_SHIMS), "--skill", self.package.name),
            *self._api_arguments(),
        ]


class NodeWorker(ProcessWorker):
    """A Node.js skill, run by ``node_bridge.js``."""

    runtime = "node"

    def __init__(
        self,
        package: SkillPackage,
        store: AttributeStore,
        log_dir: Path | None = None,
        *,
        node: str = "node",
        timeout: float = 8.0,
        start_timeout: float = 20.0,
        limits: Limits | None = None,
    ) -> None:
        super().__init__(package, store, log_dir, timeout=timeout, start_timeout=start_timeout, limits=limits)
        self.node = node
        """The node executable, a path or a name looked up on PATH."""

    def _visible(self) -> list[Path]:
        node = shutil.which(self.node)
        runtime = interpreter_paths(Path(node)) if node is not None else []
        return [*super()._visible(), *runtime, NODE_BRIDGE, NODE_SHIMS]

    def _command(self, channel_in: int, channel_out: int) -> list[str]:
        node = shutil.which(self.node)
        if node is None:
            raise SkillError(
                f"skill {self.package.name!r} is a Node.js skill, but {self.node!r} is not on PATH: "
                "install Node.js (Debian: apt-get install nodejs npm)"
            )
        return [
            node,
            str(NODE_BRIDGE),
            *("--channel-in", str(channel_in), "--channel-out", str(channel_out)),
            *("--code-dir", str(self.package.code_dir), "--handler", self.package.handler),
            *("--shims", str(NODE_SHIMS), "--skill", self.package.name),
            *self._api_arguments(),
        ]


def make_worker(
    package: SkillPackage, store: AttributeStore, settings: Settings, *, python: Path | None = None
) -> ProcessWorker:
    """The worker for ``package``'s runtime; ``python`` overrides the skill venv's interpreter (tests).

    It runs in a sandbox when ``settings.sandbox`` is on and this machine can make one. Without a sandbox, a
    bundled skill runs as it is (with a warning in the log) and any other skill is refused with a SkillError
    that says why and names ``--no-sandbox``.
    """
    log_dir = settings.data_dir / "logs"
    limits = sandbox_limits(package, settings)
    if package.runtime == "python":
        if python is None:
            if package.env_dir is None:
                raise SkillError(
                    f"skill {package.name!r} has no Python environment of its own: run `assistant setup` (bundled "
                    "skills) or `assistant skill install` so that its requirements are set up"
                )
            python = package.env_dir / "bin" / "python"
        worker: ProcessWorker = PythonWorker(
            package, python, store, log_dir, timeout=settings.skill_timeout, limits=limits
        )
    elif package.runtime == "node":
        worker = NodeWorker(package, store, log_dir, timeout=settings.skill_timeout, limits=limits)
    else:
        raise SkillError(f"skill {package.name!r}: unknown runtime {package.runtime!r} (python or node)")
    worker.seed = settings.seed
    return worker


def worker_for(package: SkillPackage, store: AttributeStore, settings: Settings) -> SkillWorker:
    """What runs ``package``: an ``EndpointWorker`` for a skill at an HTTPS endpoint (nothing runs here), else
    ``make_worker``'s process."""
    if package.endpoint is not None:

        return EndpointWorker(package, timeout=settings.skill_timeout)
    return make_worker(package, store, settings)


def sandbox_limits(package: SkillPackage, settings: Settings) -> Limits | None:
    """The limits of ``package``'s sandbox, or None when it runs without one (see ``make_worker``)."""
    if not settings.sandbox:
        logger.info("skill %r runs without a sandbox (--no-sandbox)", package.name)
        return None
    support = probe()
    if support.available:
        return Limits()
    if package.bundled:
        logger.info("bundled skill %r runs without a sandbox: %s", package.name, support.detail)
        return None
    raise SkillError(
        f"skill {package.name!r} is third-party code and no sandbox can be made here ({support.detail}); "
        "run it only if you trust it, with --no-sandbox"
    )


class WorkerPool:
    """One warm worker per skill; workers idle longer than ``settings.worker_idle_seconds`` are stopped.

    Reaping happens in ``get`` and ``reap`` (call it from the runtime's loop); there is no background thread.
    """

    def __init__(
        self,
        settings: Settings,
        store: AttributeStore,
        *,
        factory: Callable[[SkillPackage], SkillWorker] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        """Timeouts and the idle limit."""
        self.store = store
        """The attribute store every worker uses."""
        self.api: ApiAccess | None = None
        """The local Alexa API server that new workers reach (set by the runtime when it starts the server)."""
        self._factory = factory or self._make
        self._clock = clock
        self._workers: dict[str, tuple[SkillPackage, SkillWorker, float]] = {}
        self._lock = threading.Lock()

    def _make(self, package: SkillPackage) -> SkillWorker:
        worker = worker_for(package, self.store, self.settings)
        if isinstance(worker, ProcessWorker):
            worker.api = self.api
        return worker

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def get(self, package: SkillPackage) -> SkillWorker:
        """The skill's worker (started on its first ``invoke``); a changed package gets a new worker."""
        self.reap()
        with self._lock:
            entry = self._workers.pop(package.name, None)
            if entry is not None and entry[0] != package:
                entry[1].stop()
                entry = None
            worker = entry[1] if entry is not None else self._factory(package)
            self._workers[package.name] = (package, worker, self._clock())
            return worker

    def reap(self) -> list[str]:
        """Stop the workers idle for longer than the limit; returns their skill names."""
        with self._lock:
            now = self._clock()
            idle = [
                name
                for name, (_, _, used) in self._workers.items()
                if now - used > self.settings.worker_idle_seconds
            ]
            stale = [self._workers.pop(name)[1] for name in idle]
        self._stop_all(stale)
        for name in idle:
            logger.debug("skill %r: idle worker stopped", name)
        return idle

    def running(self) -> list[str]:
        """The skills that have a worker in the pool."""
        with self._lock:
            return sorted(self._workers)

    def close(self) -> None:
        """Stop every worker."""
        with self._lock:
            workers = [worker for _, worker, _ in self._workers.values()]
            self._workers.clear()
        self._stop_all(workers)

    @staticmethod
    def _stop_all(workers: list[SkillWorker]) -> None:
        """Stop each worker, even when one of them fails to stop; the first failure is raised afterwards."""
        failure: BaseException | None = None
        for worker in workers:
            try:
                worker.stop()
            except Exception as error:  # noqa: BLE001 (every worker must be stopped; re-raised below)
                failure = failure or error
        if failure is not None:
            raise failure
