"""Runs pyttsx3 (libespeak-ng) in a process of its own, so that a crash in the library is not the assistant's.

A standalone script (it must not import the ``assistant`` package), started by ``speaker.Pyttsx3Process`` with
the assistant's interpreter. Requests are JSON lines on stdin: ``{"text", "voice", "rate", "volume", "path"}``;
each is answered on stdout by one line, ``ok`` once the WAV at ``path`` is complete, or ``error: <what>``. End
of input ends the process. libespeak-ng segfaults on some very long texts: the parent sees the process die.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time

SAVE_WAIT = 0.5
"""Seconds to wait for pyttsx3's callback thread to write its WAV after ``runAndWait`` returned."""


def synthesize(request: dict[str, object], out: io.StringIO) -> None:
    import pyttsx3

    path = str(request["path"])
    engine = pyttsx3.init("espeak")
    engine.setProperty("voice", request["voice"])
    engine.setProperty("rate", request["rate"])
    engine.setProperty("volume", request["volume"])
    engine.save_to_file(str(request["text"]), path)
    with contextlib.redirect_stdout(out):  # pyttsx3 prints "Audio saved to ..." on stdout
        engine.runAndWait()
        if not os.path.exists(path):  # pyttsx3 2.99 sometimes returns before espeak's callback wrote the file
            deadline = time.monotonic() + SAVE_WAIT
            while "saved" not in out.getvalue() and time.monotonic() < deadline:
                time.sleep(0.005)  # it prints "Audio saved to ..." once the file is complete
    if not os.path.exists(path):
        raise RuntimeError("pyttsx3 finished without writing its WAV")


def main() -> int:
    answers = sys.stdout
    sys.stdout = sys.stderr  # nothing but answers on the answer channel
    for line in sys.stdin:
        chatter = io.StringIO()
        try:
            synthesize(json.loads(line), chatter)
            answer = "ok"
        except Exception as error:  # noqa: BLE001 (every failure is reported to the parent, which falls back)
            answer = "error: " + f"{type(error).__name__}: {error}".replace("\n", " ")
        answers.write(answer + "\n")
        answers.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
