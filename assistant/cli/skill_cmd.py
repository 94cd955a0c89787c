"""``assistant skill install|list|remove|info``: manage the installed skills."""

from __future__ import annotations

import argparse
import contextlib
import json
import ssl
import sys
from pathlib import Path

from ..errors import SkillError
from ..model.loader import load_model
from ..settings import Settings
from ..skills import install as installer
from ..skills.environments import needs_environment
from ..skills.registry import Registry
from ..skills.sandbox import probe
from ..skills.serve import SkillServer
from ..skills.staging import clean_leftovers
from ..skills.store import AttributeStore
from ..skills.worker import WorkerPool
from . import skill_services
from .common import add_sandbox_option, sandbox_notice, terminate_as_exit


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("skill", help="install, list, remove or describe skills")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser(
        "install", help="install a skill folder or ZIP/tar archive, with its dependencies"
    )
    add.add_argument("source", type=Path, metavar="PATH|ZIP")
    add.add_argument(
        "--invocation", metavar="NAME", help="the name to open it with (when another skill has it)"
    )
    add.add_argument(
        "--application-id", metavar="ID", help="the applicationId to send (when the skill pins one)"
    )
    add.add_argument("--name", metavar="NAME", help="the folder name to install it under")
    add.add_argument(
        "--allow-network",
        action="store_true",
        help="let the skill use your network (a LAN API, a stream); without it, its sandbox has none",
    )
    add.add_argument(
        "--brand",
        action="store_true",
        help="allow a one-word invocation name (Alexa allows one word only for a brand)",
    )
    add.add_argument(
        "--isps", type=Path, metavar="DIR", help="its in-skill products (ASK CLI isps/ JSON files), when not in its folder"
    )
    remote = add.add_argument_group("a skill served at an HTTPS endpoint (only its interaction model is taken)")
    remote.add_argument(
        "--endpoint", metavar="URL", help="send its requests to this https:// URL, as Alexa does, instead of running it"
    )
    remote.add_argument(
        "--api-url",
        metavar="URL",
        help="the assistant's API server as the skill can reach it, sent as apiEndpoint (without it, none is sent)",
    )
    remote.add_argument("--ca-file", type=Path, metavar="PEM", help="certificates to trust besides the system's")
    add.set_defaults(handler=run_install)

    serve = actions.add_parser("serve", help="run an installed skill as an HTTPS endpoint for another assistant")
    serve.add_argument("name", metavar="NAME")
    serve.add_argument("--port", type=int, required=True, metavar="P", help="TCP port (0: any free one)")
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1; 0.0.0.0 lets any machine that reaches it call the skill)",
    )
    serve.add_argument("--cert", type=Path, metavar="PEM", help="TLS certificate (chain); without it, plain HTTP")
    serve.add_argument("--key", type=Path, metavar="PEM", help="the certificate's private key")
    add_sandbox_option(serve)
    serve.set_defaults(handler=run_serve)

    listing = actions.add_parser("list", help="installed and bundled skills, with their invocation names")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=run_list)

    remove = actions.add_parser("remove", help="uninstall a skill (and its data, after confirming)")
    remove.add_argument("name", metavar="NAME")
    remove.add_argument(
        "--forget", action="store_true", help="also delete its data (attributes, reminders, lists, purchases) unasked"
    )
    remove.set_defaults(handler=run_remove)

    info = actions.add_parser("info", help="where a skill is and how it is run")
    info.add_argument("name", metavar="NAME")
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(handler=run_info)
    skill_services.add_actions(actions)


def run_install(args: argparse.Namespace, settings: Settings) -> int:
    package = installer.install(
        args.source,
        settings,
        invocation=args.invocation,
        application_id=args.application_id,
        name=args.name,
        allow_network=args.allow_network,
        brand=args.brand,
        endpoint=args.endpoint,
        api_url=args.api_url,
        ca_file=args.ca_file,
    )
    registry = Registry(settings)
    print(f'installed {package.name}: say "open {registry.invocation(package)}"')
    products = skill_services.load_products(package, settings, args.isps)
    if products:
        print(f"{package.name} offers {products} in-skill product(s) (`assistant skill purchases {package.name}`)")
    granted = skill_services.ask_permissions(package, settings)
    if granted:
        print(f"granted {package.name}: {', '.join(granted)}")
    if package.allow_network:
        print(f"note: {package.name} may use your network (--allow-network); `assistant skill info` shows it")
    if package.endpoint is not None:
        print(f"note: {package.name} is served at {package.endpoint}; "
              + (f"its requests carry apiEndpoint {package.api_url}" if package.api_url
                 else "its requests carry no apiEndpoint (see --api-url)"))
    support = probe()
    if not support.available and package.endpoint is None:
        print(
            f"note: no sandbox can be made here ({support.detail}): {package.name} will run only with "
            "--no-sandbox, unconfined"
        )
    for notice in registry.notices:
        if f"{package.name!r}" in notice:
            print(f"note: {notice}")
    for warning in load_model(package.model_path, settings.locale).warnings:
        print(f"warning: {warning} (accepted, as Alexa's build accepts it; `assistant lint` lists these)")
    return 0


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    cleaned = clean_leftovers(settings.skills_dir)
    registry = Registry(settings)
    installed = registry.installed()
    bundled = registry.bundled() if settings.include_bundled else []
    active = {p.name for p in registry.active()}
    rows = []
    for package in [*installed, *bundled]:
        rows.append(
            {
                "name": package.name,
                "invocation": registry.invocation(package),
                "bundled": package.bundled,
                "runtime": package.runtime,
                "active": package.name in active or not package.bundled,
                "ready": package.env_dir is not None or not needs_environment(package),
                "network": package.allow_network,
            }
        )
    notices = [
        *(f"removed {p.name}, left by an install or removal that did not finish" for p in cleaned),
        *registry.notices,
    ]
    if args.json:
        print(json.dumps({"skills": rows, "notices": notices}, indent=2))
        return 0
    if not rows:
        print("no skills: install one with `assistant skill install PATH`")
    for row in rows:
        where = "bundled" if row["bundled"] else "installed"
        flags = []
        if not row["active"]:
            flags.append("shadowed")
        if not row["ready"]:
            flags.append("needs `assistant setup`")
        if row["network"]:
            flags.append("network allowed")
        suffix = f"  ({', '.join(flags)})" if flags else ""
        print(f"{row['name']:24} {row['invocation']!r:28} {where:9} {row['runtime']}{suffix}")
    for notice in notices:
        print(f"note: {notice}")
    return 0


def run_remove(args: argparse.Namespace, settings: Settings) -> int:
    registry = Registry(settings.with_(include_bundled=False))
    try:
        name = registry.get(args.name).name
    except SkillError:
        name = args.name  # the installer says what is installed
    delete = skill_services.confirm_forget(name, settings, args.forget)
    installer.remove(args.name, settings)
    print(f"removed {name}")
    if delete:
        skill_services.forget(name, settings)
    return 0


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    if args.key is not None and args.cert is None:
        raise SkillError("--key needs --cert")
    registry = Registry(settings)
    package = registry.get(args.name)
    if package.endpoint is not None:
        raise SkillError(f"skill {package.name!r} is itself served at {package.endpoint}; nothing to serve here")
    notice = sandbox_notice(settings)
    if notice is not None:
        print(f"note: {notice}", file=sys.stderr)
    with AttributeStore(settings.database) as store, WorkerPool(settings, store) as pool:
        try:
            server = SkillServer(package, pool, (args.host, args.port), certfile=args.cert, keyfile=args.key)
        except OSError as error:
            raise SkillError(f"cannot serve on {args.host}:{args.port}: {error.strerror or error}") from error
        except ssl.SSLError as error:
            raise SkillError(f"--cert {args.cert} / --key {args.key}: {error}") from error
        with server:
            if args.host not in ("127.0.0.1", "::1", "localhost"):
                print(f"warning: {args.host} is not loopback: whoever reaches port {server.server_address[1]} can "
                      "call the skill (requests are not signed)", file=sys.stderr)
            print(f"serving {package.name} at {server.url} (Ctrl-C stops)", flush=True)
            with terminate_as_exit(), contextlib.suppress(KeyboardInterrupt):
                server.serve_forever()
    return 0


def run_info(args: argparse.Namespace, settings: Settings) -> int:
    details = installer.info(args.name, settings)
    if args.json:
        print(json.dumps(details, indent=2))
        return 0
    for key, value in details.items():
        print(f"{key:20} {value}")
    return 0
