"""Runs one Python Alexa skill's Lambda handler, unmodified, in this process, as AWS Lambda would.

A standalone script, run by the skill's own virtualenv python; it must not import the ``assistant`` package.
The parent (``assistant/skills/worker.py``) starts it with:

    python -I -u python_worker.py --channel-in FD --channel-out FD --code-dir DIR --handler MOD.FUNC
                                  --shims DIR --skill NAME

Channel: JSON lines on the two inherited file descriptors, never on stdout/stderr, which belong to the skill
(the parent sends both to the skill's log). Messages:

- to the parent: ``{"op": "ready"[, "api_port"]}`` once the handler is loaded (``api_port``: where this process
  forwards HTTPS to the local Alexa API server, with ``--api-socket``); ``{"op": "result", "id", "response"}``;
  ``{"op": "fault", "id", "kind", "detail", "traceback"}``; and, while a handler runs, requests
  ``{"op": "attributes.get"|"attributes.save"|"attributes.delete", "id", "key"[, "value"]}``.
- from the parent: ``{"op": "invoke", "id", "event", "timeout_ms"[, "clock_offset_ms"]}`` (the offset, with
  ``--fake-clock``, moves the skill's ``datetime`` clock to the request's time), and answers
  ``{"op": "reply", "id", "value"}`` or ``{"op": "reply", "id", "error"}`` to the requests above.

End of input means the parent is gone or done: the process exits.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import itertools
import json
import os
import sys
import time
import traceback
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

MEMORY_LIMIT_MB = "128"


class LambdaContext:
    """The ``context`` Lambda's Python runtime passes to a handler (awslambdaric's attribute names)."""

    def __init__(self, function_name: str, request_id: str, timeout_ms: int) -> None:
        self.aws_request_id = request_id
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:local:000000000000:function:{function_name}"
        self.memory_limit_in_mb = MEMORY_LIMIT_MB
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = f"local/{function_name}"
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + timeout_ms / 1000.0

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the assistant treats this invocation as hung."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class Channel:
    """JSON lines to and from the parent, on file descriptors of their own."""

    def __init__(self, fd_in: int, fd_out: int) -> None:
        self._in: IO[str] = os.fdopen(fd_in, "r", encoding="utf-8")
        self._out: IO[str] = os.fdopen(fd_out, "w", encoding="utf-8")
        self._ids = itertools.count(1)

    def send(self, message: dict[str, Any]) -> None:
        """Write one message; raises TypeError/ValueError if it is not JSON."""
        line = json.dumps(message, allow_nan=False)
        self._out.write(line + "\n")
        self._out.flush()

    def receive(self) -> dict[str, Any] | None:
        """The next message, or None at end of input."""
        line = self._in.readline()
        if not line:
            return None
        message = json.loads(line)
        if not isinstance(message, dict):
            raise ValueError(f"the assistant sent a message that is not an object: {line[:200]!r}")
        return message

    def call(self, op: str, **payload: Any) -> Any:
        """Ask the parent (used by the persistence stand-ins while a handler runs) and wait for its answer."""
        request_id = f"rpc-{next(self._ids)}"
        self.send({"op": op, "id": request_id, **payload})
        reply = self.receive()
        if reply is None:
            raise RuntimeError("the assistant closed the channel")
        if reply.get("op") != "reply" or reply.get("id") != request_id:
            raise RuntimeError(f"unexpected answer to {op}: {reply!r}")
        if "error" in reply:
            raise RuntimeError(str(reply["error"]))
        return reply.get("value")


def open_api_forwarder(socket_path: str, port: int = 0) -> int:
    """Listen on 127.0.0.1 (in the sandbox's own network namespace) and forward each connection to the API
    server's Unix socket, byte for byte; returns the port."""
    import socket
    import threading

    def pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def forward(client: socket.socket) -> None:
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            upstream.connect(socket_path)
        except OSError as error:
            sys.stderr.write(f"[WARN] the Alexa API server cannot be reached: {error}\n")
            client.close()
            upstream.close()
            return
        threading.Thread(target=pump, args=(upstream, client), daemon=True).start()
        pump(client, upstream)

    def accept(listener: socket.socket) -> None:
        while True:
            client, _ = listener.accept()
            threading.Thread(target=forward, args=(client,), daemon=True).start()

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind(("127.0.0.1", port))
    except OSError:  # 443 not allowed here: any free port (apiEndpoint then names it)
        listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    threading.Thread(target=accept, args=(listener,), daemon=True, name="alexa-api-forwarder").start()
    return int(listener.getsockname()[1])


class _Clock:
    """The skill's clock offset, seconds (``--fake-clock``)."""

    offset = 0.0


def install_fake_clock() -> None:
    """Make ``datetime.datetime.now/utcnow/today`` and ``datetime.date.today`` follow the request's time (the
    assistant's fixed clock) plus the real time elapsed; installed before the skill is imported, so its
    ``from datetime import datetime`` sees it. ``isinstance`` with the real classes keeps working."""
    import datetime as module

    real_datetime, real_date = module.datetime, module.date

    class _Meta(type):
        def __instancecheck__(cls, obj: object) -> bool:
            return isinstance(obj, real_datetime if cls.__name__ == "datetime" else real_date)

        def __subclasscheck__(cls, sub: type) -> bool:
            return issubclass(sub, real_datetime if cls.__name__ == "datetime" else real_date)

    class FakeDatetime(real_datetime, metaclass=_Meta):  # type: ignore[misc,valid-type]
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return real_datetime.fromtimestamp(time.time() + _Clock.offset, tz)

        @classmethod
        def utcnow(cls) -> Any:
            return real_datetime.utcfromtimestamp(time.time() + _Clock.offset)

        @classmethod
        def today(cls) -> Any:
            return real_datetime.fromtimestamp(time.time() + _Clock.offset)

    class FakeDate(real_date, metaclass=_Meta):  # type: ignore[misc,valid-type]
        @classmethod
        def today(cls) -> Any:
            return real_date.fromtimestamp(time.time() + _Clock.offset)

    FakeDatetime.__name__ = FakeDatetime.__qualname__ = "datetime"
    FakeDate.__name__ = FakeDate.__qualname__ = "date"
    FakeDatetime.__module__ = FakeDate.__module__ = "datetime"
    module.datetime = FakeDatetime  # type: ignore[misc]
    module.date = FakeDate  # type: ignore[misc]


def last_line(error: BaseException) -> str:
    """The last line of a traceback: ``ValueError: boom``."""
    return traceback.format_exception_only(type(error), error)[-1].strip()


def seed_randomness() -> None:
    """Seed ``random`` when the assistant asks for repeatable runs (``--seed``)."""
    seed = os.environ.get("ASSISTANT_SKILL_SEED")
    if seed is not None:
        import random

        random.seed(f"skill-seed-{seed}")  # a string seed: --seed 0 must not mean "the first number is 50"


def load_handler(handler: str) -> Callable[[Any, Any], Any]:
    """``hello_world.handler`` → function ``handler`` of module ``hello_world`` (``src/app.handler`` works too)."""
    module_name, _, function_name = handler.replace("/", ".").rpartition(".")
    if not module_name or not function_name:
        raise ValueError(f"handler {handler!r} is not of the form module.function")
    seed_randomness()
    module = importlib.import_module(module_name)
    function = getattr(module, function_name, None)
    if not callable(function):
        raise AttributeError(f"module {module_name!r} ({module.__file__}) has no function {function_name!r}")
    return function


def serve(channel: Channel, handler: Callable[[Any, Any], Any], skill: str) -> None:
    """Answer invocations until the parent closes the channel."""
    while True:
        message = channel.receive()
        if message is None:
            return
        if message.get("op") != "invoke":
            raise ValueError(f"expected an invoke message, got {message!r}")
        request_id = str(message["id"])
        if "clock_offset_ms" in message:
            _Clock.offset = float(message["clock_offset_ms"]) / 1000.0
        context = LambdaContext(skill, request_id or str(uuid.uuid4()), int(message.get("timeout_ms", 8000)))
        try:
            response = handler(message["event"], context)
        except Exception as error:
            text = traceback.format_exc()
            sys.stderr.write(f"[ERROR] {request_id} handler raised:\n{text}")
            sys.stderr.flush()
            channel.send(
                {
                    "op": "fault",
                    "id": request_id,
                    "kind": "raised",
                    "detail": last_line(error),
                    "traceback": text,
                }
            )
            continue
        try:
            channel.send({"op": "result", "id": request_id, "response": response})
        except (TypeError, ValueError) as error:
            channel.send(
                {
                    "op": "fault",
                    "id": request_id,
                    "kind": "invalid-response",
                    "detail": f"the handler returned a value that is not JSON: {error}",
                }
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--channel-in", type=int, required=True)
    parser.add_argument("--channel-out", type=int, required=True)
    parser.add_argument("--code-dir", type=Path, required=True)
    parser.add_argument("--handler", required=True)
    parser.add_argument("--shims", type=Path, required=True)
    parser.add_argument("--skill", required=True)
    parser.add_argument("--api-socket")
    parser.add_argument("--api-port", type=int, default=0)
    parser.add_argument("--fake-clock")
    args = parser.parse_args(argv)
    if args.fake_clock:
        install_fake_clock()

    channel = Channel(args.channel_in, args.channel_out)
    here = str(Path(__file__).resolve().parent)
    # The skill's folder is its working directory and on the import path; the stand-ins come first so they win
    # over a real ask_sdk_dynamodb in the skill's venv. This script's own folder must not shadow skill modules.
    sys.path[:] = [p for p in sys.path if p not in ("", here)]
    code_dir = str(args.code_dir.resolve())
    os.chdir(code_dir)
    sys.path[0:0] = [str(args.shims.resolve()), code_dir]

    import _assistant_worker_channel  # noqa: PLC0415 (only importable once the shims are on the path)

    _assistant_worker_channel.install(channel.call)
    try:
        handler = load_handler(args.handler)
    except Exception as error:
        text = traceback.format_exc()
        sys.stderr.write(f"[ERROR] cannot load handler {args.handler!r}:\n{text}")
        sys.stderr.flush()
        channel.send(
            {"op": "fault", "id": None, "kind": "raised", "detail": last_line(error), "traceback": text}
        )
        return 1
    ready: dict[str, Any] = {"op": "ready"}
    if args.api_socket:
        try:
            ready["api_port"] = open_api_forwarder(args.api_socket, args.api_port)
        except OSError as error:
            sys.stderr.write(f"[WARN] no way to the Alexa API server: {error}\n")
    channel.send(ready)
    serve(channel, handler, args.skill)
    return 0


if __name__ == "__main__":
    sys.exit(main())
