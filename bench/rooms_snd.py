"""A satellite's speaker into a file (stdlib only; wyoming-satellite's ``--snd-command`` runs it).

Appends the raw PCM it is given to ``--out`` and one line ``<wall time of its first byte> <byte offset in --out>``
to ``--log``. wyoming-satellite starts it afresh for each reply (it disconnects its speaker after ``audio-stop``),
so each line is one reply; the files are appended to, never truncated.
"""

import argparse
import os
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    first = True
    stdin = sys.stdin.buffer
    with open(args.out, "ab") as out, open(args.log, "a") as log:
        while True:
            data = os.read(stdin.fileno(), 65536)
            if not data:
                return 0
            if first:
                log.write(f"{time.time():.6f} {out.tell()}\n")
                log.flush()
                first = False
            out.write(data)
            out.flush()


if __name__ == "__main__":
    sys.exit(main())
