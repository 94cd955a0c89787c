"""Write examples/conversation.wav: a spoken conversation with the bundled skills, byte-identical on every run.

Each line is synthesized by espeak-ng (voice en-us) and converted by ``sox -R`` (no random dither), then
followed by digital silence long enough for the assistant's answer to finish: the assistant does not listen
while it speaks, so a line said over its answer would be lost, as on a real device.

    .venv/bin/python examples/make_conversation.py                # writes examples/conversation.wav
    .venv/bin/python examples/make_conversation.py --transcript   # and replays it into the transcript

``--transcript`` runs ``assistant run --input`` with the default data folder, so the bundled skills' environments
must exist (``assistant setup``; ``make run`` does it).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from assistant.audio.wav import SAMPLE_RATE, write_wav
from assistant.tts.synth import silence, synthesize_samples

HERE = Path(__file__).resolve().parent
WAV = HERE / "conversation.wav"
TRANSCRIPT = HERE / "conversation.transcript.json"
VOICE = "en-us"
"""espeak-ng voice of the user."""
SEED = 1
"""``--seed`` of the replay (the skills' random choices)."""

SCRIPT: list[tuple[str, float]] = [
    ("", 1.0),
    ("alexa, open wise guy", 4.5),  # "Welcome to wise guy. Knock knock."
    ("who's there", 2.5),  # "Pasta."
    ("pasta who", 7.5),  # the punchline, then "Do you want to hear another one?"
    ("yes", 3.5),  # "Here goes. Knock knock."
    ("who is it", 2.5),  # "Window."
    ("window who", 8.5),  # the punchline, then "Do you want to hear another one?"
    ("no", 4.0),  # "Okay. Come back when you need a laugh." The session ends.
    ("alexa, ask space facts about mars", 7.0),  # a one-shot request to another skill
]
"""(what the user says, seconds of silence after it)."""


def conversation() -> np.ndarray:
    """The whole recording as 16 kHz mono int16 samples."""
    parts = []
    for text, pause in SCRIPT:
        if text:
            parts.append(synthesize_samples(text, voice=VOICE))
        parts.append(silence(pause))
    return np.concatenate(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcript", action="store_true", help=f"also replay it into {TRANSCRIPT.name}")
    parser.add_argument("--data-dir", help="the assistant's data folder for the replay (default: XDG)")
    args = parser.parse_args(argv)
    samples = conversation()
    write_wav(WAV, samples, SAMPLE_RATE)
    print(f"{WAV}: {samples.size / SAMPLE_RATE:.1f} s")
    if args.transcript:
        from assistant.cli.main import main as assistant

        data = ["--data-dir", args.data_dir] if args.data_dir else []
        with tempfile.TemporaryDirectory(prefix="assistant-example-") as tmp:
            code = assistant([*data, "--seed", str(SEED), "run", "--input", os.path.relpath(WAV),
                              "--output", str(Path(tmp) / "replies.wav"), "--transcript", str(TRANSCRIPT)])
        if code != 0:
            return code
        print(f"{TRANSCRIPT}: written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
