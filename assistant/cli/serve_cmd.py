"""``assistant serve --wyoming URI``: the assistant as Wyoming asr, handle and tts services (Home Assistant)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from ..asr.decoder import DecoderConfig, Recognizer
from ..rooms.address import parse_address
from ..rooms.server import Backend, check_bind, serve
from ..runtime.engine import Engine
from ..settings import Settings
from ..skills.registry import Registry
from ..skills.store import AttributeStore
from ..skills.worker import WorkerPool
from . import chat_cmd
from .common import add_skill_options, sandbox_notice, terminate_as_exit


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("serve", help="serve the assistant to Home Assistant over Wyoming (asr, handle, tts)")
    p.add_argument(
        "--wyoming",
        required=True,
        metavar="URI",
        help="where to listen, e.g. tcp://127.0.0.1:10700 (loopback unless --allow-remote) or unix://PATH",
    )
    p.add_argument(
        "--allow-remote",
        action="store_true",
        help="listen on a non-loopback address: Wyoming has no authentication, anyone who reaches it can use "
        "your skills",
    )
    p.add_argument("--voice", default="en-us", help="default espeak-ng voice of tts (default en-us)")
    p.add_argument("--rate", type=int, default=175, help="speaking rate, words per minute (default 175)")
    add_skill_options(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    address = parse_address(args.wyoming, "--wyoming", unix=True)
    check_bind(address, args.allow_remote)
    if args.no_bundled:
        settings = settings.with_(include_bundled=False)
    notice = sandbox_notice(settings)
    if notice is not None:
        print(f"note: {notice}", file=sys.stderr)
    if not address.loopback:
        print(f"warning: serving on {address.uri}, not loopback: Wyoming has no authentication, so anyone who "
              "reaches it can use your skills", file=sys.stderr)
    extra = [chat_cmd.local_package(path, settings) for path in args.skill]
    with contextlib.ExitStack() as stack:
        store = stack.enter_context(AttributeStore(settings.database))
        engine = stack.enter_context(
            Engine(settings, Registry(settings), WorkerPool(settings, store), store, extra_skills=extra)
        )
        engine.skills()
        for line in engine.notices:
            print(f"note: {line}", file=sys.stderr)
        recognizer = stack.enter_context(Recognizer(DecoderConfig()))
        backend = Backend(engine, recognizer, args.voice, args.rate)
        stack.callback(backend.close)
        recognizer.use(engine.listening_grammar())  # compile and load the first grammar now

        def ready() -> None:
            print(f"serving Wyoming asr, handle and tts at {address.uri} (Ctrl-C stops)", flush=True)

        with terminate_as_exit(), contextlib.suppress(KeyboardInterrupt):
            try:
                asyncio.run(serve(address, backend, ready))
            except OSError as error:
                print(f"assistant: cannot listen on {address.uri}: {error.strerror or error}", file=sys.stderr)
                return 1
    return 0
