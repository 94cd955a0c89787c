"""``assistant parse``: text → intent and slots with a skill's grammar."""

from __future__ import annotations

import argparse
import json

from ..nlu.parser import parse
from ..settings import Settings
from .common import add_model_args, grammar_for


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("parse", help="resolve typed text to an intent with slots")
    add_model_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("texts", nargs="+", metavar="TEXT")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    grammar = grammar_for(args, settings)
    unmatched = 0
    for text in args.texts:
        result = parse(text, grammar)
        if result is None:
            unmatched += 1
        if args.json:
            out = {"text": text, "intent": None, "slots": {}, "confidence": 0.0}
            if result is not None:
                out.update(result.to_json())
                out["confidence"] = 1.0
            print(json.dumps(out))
        elif result is None:
            print(f"{text!r}: not understood")
        else:
            slots = " ".join(f"{k}={v.value}" for k, v in result.slots.items())
            print(f"{text!r} → {result.intent} {slots}".rstrip())
    return 1 if unmatched else 0
