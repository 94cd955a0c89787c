"""A satellite's microphone from a WAV file (stdlib only; wyoming-satellite's ``--mic-command`` runs it).

Writes raw 16 kHz s16le mono to stdout at the pace of real time: silence until the file ``--go`` has ``--lines``
lines (the satellite appends one with ``--streaming-start-command`` once the assistant has connected and asked it
to stream; one with its own wake word: ``--detect-command`` runs at its start and again on ``run-satellite``), then
the WAV, then silence until killed. The wall time (``time.time()``) of the WAV's first sample goes to
``--log``, so that latencies can be measured from the end of each utterance.
"""

import argparse
import sys
import time
import wave

BLOCK = 1024


def _lines(path: str) -> int:
    try:
        with open(path) as file:
            return len(file.readlines())
    except OSError:
        return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--wav", required=True)
    parser.add_argument("--go", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--lines", type=int, default=1)
    args = parser.parse_args()
    with wave.open(args.wav, "rb") as w:
        assert w.getframerate() == 16000 and w.getsampwidth() == 2 and w.getnchannels() == 1, args.wav
        speech = w.readframes(w.getnframes())
    out = sys.stdout.buffer
    quiet = bytes(BLOCK * 2)
    step = BLOCK / 16000
    t = time.monotonic()
    played = False
    try:
        while True:
            if not played and _lines(args.go) >= args.lines:
                start = time.time()
                with open(args.log, "a") as log:
                    log.write(f"{start:.6f}\n")
                for first in range(0, len(speech), BLOCK * 2):
                    block = speech[first : first + BLOCK * 2]
                    out.write(block + bytes(BLOCK * 2 - len(block)))
                    out.flush()
                    t += step
                    time.sleep(max(0.0, t - time.monotonic()))
                played = True
                continue
            out.write(quiet)
            out.flush()
            t += step
            time.sleep(max(0.0, t - time.monotonic()))
    except (BrokenPipeError, KeyboardInterrupt):
        return 0


if __name__ == "__main__":
    sys.exit(main())
