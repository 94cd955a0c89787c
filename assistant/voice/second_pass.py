"""The wake word's second pass, decoded in a helper process so that it runs beside the first pass on another core.

pocketsphinx holds the GIL while it decodes, so a thread would not overlap with the loop's own decoding; a process
does. The helper owns a recogniser with the loop's settings and keeps the grammars it has been sent. A job is
(key, grammar, audio, the room before it); answers come back in the order the jobs were sent. The loop submits a job as soon as the
user pauses after "alexa, <request>", before it knows whether the pause ends the request, and collects the answer
when it decides; a job whose key no longer matches is simply not collected.

If the helper cannot start, dies, or does not answer in time, ``result`` returns None and the caller decodes in
its own process: the same answer, later.
"""

from __future__ import annotations

import atexit
import logging
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
from collections.abc import Hashable
from pathlib import Path
from typing import IO, Any

import numpy as np

from assistant.asr.decoder import DecoderConfig, Recognition, Recognizer
from assistant.grammar.compiler import CompiledGrammar

log = logging.getLogger(__name__)

ANSWER_TIMEOUT = 5.0
"""Seconds to wait for an answer (including the helper's start) before giving up on the helper."""


KEPT_ANSWERS = 8
"""Answers kept for collection while waiting for a later one."""


class SecondPass:
    """A helper process that decodes whole utterances with the grammars it is given."""

    def __init__(self, config: DecoderConfig | None = None, timeout: float = ANSWER_TIMEOUT) -> None:
        self.config = config or DecoderConfig()
        """The recogniser settings (the loop's own, so answers are the ones it would compute itself)."""
        self.timeout = timeout
        """Seconds to wait for one answer."""
        self._process: subprocess.Popen[bytes] | None = None
        self._sent: set[str] = set()
        self._pending: list[Hashable] = []
        self._answers: dict[Hashable, Recognition] = {}
        self._broken = False

    def start(self) -> SecondPass:
        """Start the helper (it loads the acoustic model meanwhile; the first answer waits for it)."""
        if self._process is not None or self._broken:
            return self
        try:  # a fresh interpreter: no fork of a process with audio threads, no re-import of the caller's script
            root = str(Path(__file__).resolve().parents[2])  # the same package as this process's
            path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
            process = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": path})
            assert process.stdin is not None
            _send(process.stdin, self.config)
        except (OSError, ValueError) as exc:
            self._fail(f"cannot start the helper process: {exc}")
            return self
        self._process = process
        return self

    @property
    def usable(self) -> bool:
        """False once the helper failed (the caller then decodes itself)."""
        return not self._broken

    def submit(
        self, key: Hashable, grammar: CompiledGrammar, audio: np.ndarray, noisy_entry: float | None,
        early: bool = False, entry: float | None = None, room: np.ndarray | None = None,
    ) -> bool:
        """Queue a decode of ``audio`` with ``grammar`` (the phone loop's priors ``entry`` and ``noisy_entry``, as in
        ``Recognizer.use``; ``room`` as in ``Recognizer.begin``); False when the helper is not usable, or, for an ``early`` (speculative) job, while
        another is still being decoded (it would only delay the one that matters)."""
        if key in self._pending or key in self._answers:
            return True
        self.start()
        if self._process is None or self._process.stdin is None:
            return False
        if not self._collect_ready() or (early and self._pending):
            return False
        send = grammar if grammar.name not in self._sent else None
        try:
            room = None if room is None else np.asarray(room, np.int16)
            _send(self._process.stdin,
                  (key, grammar.name, send, (entry, noisy_entry), np.asarray(audio, np.int16), room))
        except (OSError, ValueError) as exc:
            self._fail(f"the helper stopped taking work ({exc})")
            return False
        self._sent.add(grammar.name)
        self._pending.append(key)
        return True

    def _collect_ready(self) -> bool:
        """Take in the answers already sent, without waiting (so the answer pipe never fills); False on failure."""
        while self._pending and self._take_one(0.0):
            pass
        return not self._broken

    def _take_one(self, timeout: float) -> bool:
        """Take in the next answer if it comes within ``timeout`` seconds; False when none did or the helper died."""
        assert self._process is not None and self._process.stdout is not None
        try:
            message = _receive(self._process.stdout, timeout)
        except (EOFError, OSError, pickle.UnpicklingError) as exc:
            self._fail(f"the helper process ended ({exc})")
            return False
        if message is None:
            return False
        done, answer = message
        self._pending.remove(done)
        if isinstance(answer, str):
            log.warning("second pass failed in the helper: %s", answer)
            return True
        self._answers[done] = answer
        while len(self._answers) > KEPT_ANSWERS:  # the oldest were early starts the loop did not use
            del self._answers[next(iter(self._answers))]
        return True

    def result(self, key: Hashable) -> Recognition | None:
        """The answer for ``key`` (waiting for it); None if it was not submitted or the helper failed."""
        if key in self._answers:
            return self._answers.pop(key)
        while key in self._pending:
            if not self._take_one(self.timeout):
                if not self._broken:
                    self._fail(f"no answer from the helper process in {self.timeout:.0f} s")
                return None
        return self._answers.pop(key, None)

    def close(self) -> None:
        """Stop the helper (safe to call twice)."""
        process, self._process = self._process, None
        self._pending.clear()
        self._answers.clear()
        self._sent.clear()
        if process is not None:
            _stop(process, gently=True)

    def _fail(self, why: str) -> None:
        log.warning("wake word second pass: %s; decoding it in the main process instead", why)
        self._broken = True
        process, self._process = self._process, None
        self._pending.clear()
        if process is not None:
            _stop(process, gently=False)


_SHARED: dict[DecoderConfig, SecondPass] = {}


def shared_second_pass(config: DecoderConfig) -> SecondPass:
    """One helper per recogniser configuration for the whole program (loops come and go; the helper stays)."""
    helper = _SHARED.get(config)
    if helper is None or not helper.usable:
        if not _SHARED:
            atexit.register(_close_shared)
        helper = _SHARED[config] = SecondPass(config)
    return helper.start()


def _close_shared() -> None:
    for helper in _SHARED.values():
        helper.close()
    _SHARED.clear()


def _stop(process: subprocess.Popen[bytes], gently: bool) -> None:
    """End the helper: ``gently`` by closing its input (it stops at end of input), else by killing it."""
    try:
        if gently and process.stdin is not None:
            process.stdin.close()
            process.wait(1.0)
    except (OSError, subprocess.TimeoutExpired):
        gently = False
    if not gently:
        process.kill()
        process.wait()
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            stream.close()


def _send(stream: IO[bytes], obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("<I", len(data)) + data)
    stream.flush()


def _read(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if data is None or len(data) < size:
        raise EOFError("the other side closed the pipe")
    return data


def _receive(stream: IO[bytes], timeout: float | None) -> Any:
    """The next message, or None if none began within ``timeout`` seconds."""
    if timeout is not None and not select.select([stream], [], [], timeout)[0]:
        return None
    (size,) = struct.unpack("<I", _read(stream, 4))
    return pickle.loads(_read(stream, size))  # noqa: S301 - our own helper process, over its own pipe


def _serve() -> None:
    """The helper: read the settings, then jobs; answer each with (key, Recognition) or (key, "error text")."""
    source = sys.stdin.buffer
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything else printed goes to stderr, not into the answers
    recognizer = Recognizer(_receive(source, None)).start()
    grammars: dict[str, CompiledGrammar] = {}
    while True:
        try:
            key, name, grammar, (entry, noisy_entry), audio, room = _receive(source, None)
        except EOFError:
            return
        if grammar is not None:
            grammars[name] = grammar
        try:
            recognizer.use(grammars[name], noisy_entry=noisy_entry, entry=entry)
            answer: Recognition | str = recognizer.decode(audio, room=room)
        except Exception as exc:  # noqa: BLE001 - reported to the caller, which then decodes itself
            answer = f"{type(exc).__name__}: {exc}"
        try:
            _send(answers, (key, answer))
        except OSError:
            return


if __name__ == "__main__":
    # The helper is in the terminal's process group, so Ctrl-C reaches it as well as the assistant. The assistant
    # decides when it stops (it closes the pipe, and the helper ends at the end of its input), so the helper
    # ignores SIGINT instead of dying with a KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _serve()
