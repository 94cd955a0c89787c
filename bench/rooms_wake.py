"""A satellite's own wake word detector for tests (stdlib only; wyoming-satellite's ``--wake-command`` runs it).

Reads raw 16 kHz s16le mono from stdin and prints ``alexa`` when a short burst of sound (at most 1.2 s, the wake
word said alone) ends in 0.3 s of silence after at least 1 s of silence: the user says "alexa", pauses, then the
request. A stand-in for a real detector, so that the satellite streams only after its own wake word.
"""

import array
import sys

RATE = 16000
FRAME = 480  # 30 ms
LOUD = 300


def main() -> int:
    quiet_frames = 1000  # silence so far, frames (the stream starts quiet)
    burst = 0  # frames of the current burst of sound
    before = 0  # silence before it, frames
    after = 0  # silence after it, frames
    stdin = sys.stdin.buffer
    while True:
        data = stdin.read(FRAME * 2)
        if len(data) < FRAME * 2:
            return 0
        samples = array.array("h", data)
        loud = max(abs(s) for s in samples) > LOUD
        if loud:
            if burst == 0:
                before = quiet_frames
            burst += 1 if after == 0 else after + 1
            after = 0
            quiet_frames = 0
            continue
        quiet_frames += 1
        if burst:
            after += 1
            if after * FRAME >= 0.3 * RATE:
                if before * FRAME >= 1.0 * RATE and burst * FRAME <= 1.2 * RATE:
                    print("alexa", flush=True)
                burst = after = 0


if __name__ == "__main__":
    sys.exit(main())
