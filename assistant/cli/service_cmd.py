"""``assistant service install``: a systemd unit that starts the assistant at boot and restarts it after a crash.

A user unit (the default, ``~/.config/systemd/user/assistant.service``) runs as you, with your sound server; it
starts at boot once lingering is on (``loginctl enable-linger``), else at login. A system unit (``--system``,
``/etc/systemd/system/``) runs as the user named by ``--run-as`` (default: who installs it). The unit runs this
interpreter with ``-m assistant.cli.main``, this installation's data folder, and the command given after ``--``
(default ``run``), e.g. ``assistant service install -- run --satellite tcp://kitchen:10700``.
"""

from __future__ import annotations

import argparse
import getpass
import os
import shlex
import subprocess
import sys
from pathlib import Path

from ..errors import AssistantError
from ..settings import Settings

UNIT_NAME = "assistant.service"


class ServiceError(AssistantError):
    """The unit cannot be written or enabled."""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("service", help="run the assistant as a systemd service (at boot, restarted after a crash)")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    install = actions.add_parser("install", help="write a systemd unit; the command to run follows --")
    where = install.add_mutually_exclusive_group()
    where.add_argument("--user", dest="system", action="store_false", help="a user unit (the default)")
    where.add_argument("--system", action="store_true", help="a system unit in /etc/systemd/system (as root)")
    install.add_argument("--run-as", metavar="USER", help="the user a system unit runs as (default: you)")
    install.add_argument("--unit-dir", type=Path, metavar="DIR", help="write the unit here instead")
    install.add_argument("--enable", action="store_true", help="then run systemctl daemon-reload and enable --now")
    install.add_argument("command", nargs=argparse.REMAINDER, metavar="-- COMMAND",
                         help="the assistant's command and options (default: run)")
    install.set_defaults(handler=run_install, system=False)


def unit_text(settings: Settings, command: list[str], *, system: bool, run_as: str | None = None) -> str:
    """The unit file: the assistant with ``command``, restarted after a crash, started at boot."""
    exec_start = [sys.executable, "-m", "assistant.cli.main", "--data-dir", str(settings.data_dir), *command]
    environment = {"PYTHONUNBUFFERED": "1"}
    for name in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "PYTHONPATH"):
        if os.environ.get(name):
            environment[name] = os.environ[name]
    lines = [
        "[Unit]",
        "Description=Offline voice assistant running Alexa skills",
        "Wants=network-online.target sound.target",
        "After=network-online.target sound.target",
        "StartLimitIntervalSec=300",
        "StartLimitBurst=10",
        "",
        "[Service]",
        "Type=simple",
        f"ExecStart={shlex.join(exec_start)}",
        *(f"Environment={shlex.quote(f'{k}={v}')}" for k, v in environment.items()),
        "Restart=on-failure",
        "RestartSec=5",
        "KillSignal=SIGTERM",
        "TimeoutStopSec=30",
    ]
    if system:
        lines += [f"User={run_as or getpass.getuser()}", "SupplementaryGroups=audio"]
    lines += ["", "[Install]", f"WantedBy={'multi-user.target' if system else 'default.target'}", ""]
    return "\n".join(lines)


def unit_dir(system: bool) -> Path:
    """Where systemd reads units from: the system's, or the user's (``$XDG_CONFIG_HOME/systemd/user``)."""
    if system:
        return Path("/etc/systemd/system")
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "systemd" / "user"


def run_install(args: argparse.Namespace, settings: Settings) -> int:
    command = [c for c in args.command if c != "--"] or ["run"]
    if command[0] == "service":
        raise ServiceError("the service cannot run `assistant service`; give the command to run, e.g. -- run")
    if args.run_as and not args.system:
        raise ServiceError("--run-as is for a system unit (--system); a user unit runs as you")
    folder = args.unit_dir or unit_dir(args.system)
    path = folder / UNIT_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(unit_text(settings, command, system=args.system, run_as=args.run_as), encoding="utf-8")
    except OSError as error:
        hint = " (a system unit needs root)" if args.system else ""
        raise ServiceError(f"cannot write {path}: {error.strerror or error}{hint}") from error
    print(f"wrote {path}")
    systemctl = ["systemctl"] if args.system else ["systemctl", "--user"]
    steps = [[*systemctl, "daemon-reload"], [*systemctl, "enable", "--now", UNIT_NAME]]
    if args.enable:
        for step in steps:
            done = subprocess.run(step, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise ServiceError(f"{shlex.join(step)} failed: {done.stderr.strip() or done.stdout.strip()}")
        print(f"enabled and started {UNIT_NAME}")
    else:
        print("start it now and at every boot with:")
        for step in steps:
            print(f"  {shlex.join(step)}")
    if not args.system:
        print(f"  loginctl enable-linger {getpass.getuser()}   # so that it starts at boot, not at your login")
    return 0
