"""``assistant recognize``: decode WAV files with a skill's grammar."""

from __future__ import annotations

import argparse
import json
import sys

from ..asr.acoustic import acoustic_model
from ..asr.decoder import Recognizer
from ..audio.wav import read_wav
from ..errors import AssistantError
from ..settings import Settings
from .common import add_locale_option, add_model_args, grammar_for


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("recognize", help="decode WAV files with a skill's grammar")
    add_model_args(p)
    add_locale_option(p)
    p.add_argument("--json", action="store_true", help="one JSON object per file")
    p.add_argument("wavs", nargs="+", metavar="WAV")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    acoustic_model(settings.locale)  # a locale nothing here can hear: say what is missing before any work
    grammar = grammar_for(args, settings)
    failures = 0
    with Recognizer() as recognizer:
        recognizer.use(grammar)
        for path in args.wavs:
            try:
                rec = recognizer.decode(read_wav(path))
            except AssistantError as err:
                failures += 1
                message = str(err) if str(err).startswith(path) else f"{path}: {err}"
                print(f"assistant: {message}", file=sys.stderr)
                continue
            if args.json:
                print(json.dumps(rec.to_json(path)), flush=True)
            else:
                intent = rec.result.intent if rec.result else f"(rejected: {rec.rejected})"
                slots = " ".join(f"{k}={v.value}" for k, v in (rec.result.slots if rec.result else {}).items())
                print(f"{path}: \"{rec.transcript}\" → {intent} {slots}  [confidence {rec.confidence:.2f}]")
    return 1 if failures else 0
