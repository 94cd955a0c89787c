"""A bubblewrap sandbox per skill worker: skills are strangers' code.

A sandboxed worker runs as ``bwrap [mounts] -- prlimit [limits] -- <worker command>``. Inside it sees, read-only
and at the paths they have outside, only what it needs to run: ``/usr`` (the system's libraries and the node or
python it may use), a few files of ``/etc`` (the dynamic linker's cache, time zone, TLS certificates; name
resolution only with network), its interpreter's own prefix (a pyenv Python's), its virtualenv or
``node_modules``, its code, and the worker script with the persistence stand-ins. It gets a private ``/tmp`` of
limited size (also its ``HOME``), a fresh ``/proc`` and ``/dev``, and nothing else: no home folder, no assistant
data (the attribute database is reachable only through the parent, over the worker's pipe), no other skill.

Namespaces: all of them (``--unshare-all``), so no network unless the skill was granted it at install
(``--share-net``), and a PID namespace of its own: it cannot see or signal the assistant, and when the worker
exits, or the assistant dies (``--die-with-parent``), every process it started dies with it. ``--new-session``
keeps it off the assistant's terminal. Run as root, bwrap drops every capability and sets no-new-privileges.

Limits (``Limits``) are rlimits set by ``prlimit`` inside the sandbox, before the worker starts, so every process
of the skill inherits them. Inside, because RLIMIT_NPROC set before bwrap made its user namespace (unprivileged
runs) would also count every other process of the user; set inside, it counts the sandbox's own. The kernel does
not apply RLIMIT_NPROC to root at all: where the ``pids`` cgroup
controller is writable (root, cgroup v1 or v2) each worker also gets a cgroup of its own (``PidsCgroup``) whose
``pids.max`` bounds its processes and threads whoever runs it; the worker joins it before anything else runs.

Whether a sandbox can be made is found once per process by a real probe (:func:`probe`): bwrap must exist and
start a command with every option used here. Library code only reports; the CLI decides what to do without one.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

MiB = 1 << 20

SYSTEM_DIRS = ("/usr",)
"""System folders every sandbox sees read-only (libraries, /usr/bin/node, a Debian python)."""
ROOT_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
"""Top-level folders that merged-/usr systems make links into /usr: recreated as the same links, else bound."""
ETC_FILES = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/timezone",
    "/etc/nsswitch.conf",
    "/etc/hosts",
    "/etc/services",
    "/etc/protocols",
    "/etc/ssl",
    "/etc/ca-certificates",
    "/etc/pki",
    "/etc/alternatives",
)
"""Files of /etc a runtime reads (the linker's cache, the time zone, TLS certificates); missing ones are skipped."""
NETWORK_ETC_FILES = ("/etc/resolv.conf", "/etc/host.conf", "/etc/gai.conf")
"""Name resolution, visible only to a skill granted the network."""
PROBE_TIMEOUT = 10.0
"""Seconds the capability probe may take."""
SANDBOX_SOCKET = Path("/run/assistant/api.sock")
"""Where a sandboxed worker sees the local API server's socket (``assistant.services.access``)."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource limits of one sandboxed worker (every process in it inherits them).

    The defaults come from what the bundled skills need (``bench/sandbox.py``; the figures are in docs/security.md):
    V8 reserves far more address space than it uses, so a Node skill needs more than 1 GiB of it; every real skill
    of the test suite runs unchanged with these limits.
    """

    address_space: int = 2048 * MiB
    """RLIMIT_AS of each process, bytes: an 8 GB allocation fails with MemoryError / RangeError."""
    cpu_seconds: int = 120
    """RLIMIT_CPU of each process, seconds of CPU time over its life (SIGXCPU, then SIGKILL 5 s later)."""
    processes: int = 256
    """RLIMIT_NPROC: processes and threads of the user (not applied by the kernel to root)."""
    file_size: int = 64 * MiB
    """RLIMIT_FSIZE, bytes: the largest file a process may write."""
    tmp_size: int = 64 * MiB
    """Size of the private ``/tmp`` (a tmpfs), bytes."""
    open_files: int = 1024
    """RLIMIT_NOFILE: open file descriptors."""

    def prlimit(self) -> list[str]:
        """The ``prlimit`` command line (without the command) that sets these limits, soft = hard."""
        cpu_hard = self.cpu_seconds + 5
        return [
            "prlimit",
            f"--as={self.address_space}",
            f"--cpu={self.cpu_seconds}:{cpu_hard}",
            f"--nproc={self.processes}",
            f"--fsize={self.file_size}",
            f"--nofile={self.open_files}",
            "--core=0",
            "--",
        ]


@dataclass(frozen=True, slots=True)
class Sandbox:
    """What one worker may see and use."""

    visible: tuple[Path, ...]
    """Host paths (code, environment, interpreter prefix, worker script) shown read-only at the same place."""
    workdir: Path
    """The worker's working directory (its code folder)."""
    network: bool = False
    """Share the host's network (granted at install with ``--allow-network``); otherwise none at all."""
    limits: Limits = field(default_factory=Limits)
    """Resource limits."""
    binds: tuple[tuple[Path, Path], ...] = ()
    """``(host path, path inside)`` shown read-only elsewhere than on the host: the API server's socket, the
    ``/etc/hosts`` that names Amazon's API hosts 127.0.0.1."""
    capabilities: tuple[str, ...] = ()
    """Capabilities kept inside (only where bwrap runs as root): ``CAP_NET_BIND_SERVICE`` lets the API forwarder
    listen on port 443 of the sandbox's own loopback."""

    def wrap(self, command: Sequence[str], bwrap: str = "bwrap", cgroup: PidsCgroup | None = None) -> list[str]:
        """``command`` as it runs inside this sandbox (first joining ``cgroup``, when given)."""
        joined = cgroup.join_command() if cgroup is not None else []
        return [*joined, *bwrap_arguments(bwrap, self), "--", *self.limits.prlimit(), *command]


PIDS_V1 = Path("/sys/fs/cgroup/pids")
"""The cgroup v1 hierarchy of the pids controller."""
CGROUP_V2 = Path("/sys/fs/cgroup")
"""The cgroup v2 (unified) hierarchy, when it is mounted there."""
CGROUP_PARENT = "assistant-skills"
"""The cgroup under which each worker's own one is made."""
_STALE_SECONDS = 60.0  # an empty worker cgroup older than this was left by an assistant that died


class PidsCgroup:
    """A pids cgroup of one worker: ``pids.max`` bounds its processes and threads, root or not.

    ``create`` makes it (None where the controller is not writable); the worker's command joins it first
    (``join_command``), so every process of the sandbox is counted; ``remove`` deletes it once they are gone.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        """The cgroup's folder."""

    @classmethod
    def create(cls, max_pids: int) -> PidsCgroup | None:
        """A new cgroup with ``pids.max = max_pids``, or None (logged at debug level) where none can be made."""
        parent = _pids_parent()
        if parent is None:
            return None
        _remove_stale(parent)
        path = parent / f"worker-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        try:
            path.mkdir()
            (path / "pids.max").write_text(f"{max_pids}\n")
        except OSError as error:
            logger.debug("no pids cgroup for a skill worker: %s", error)
            with _quiet():
                path.rmdir()
            return None
        return cls(path)

    def join_command(self) -> list[str]:
        """A command prefix that moves the command's process into this cgroup, then runs the command."""
        return ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', str(self.path / "cgroup.procs")]

    def remove(self, wait: float = 2.0) -> None:
        """Delete the cgroup, waiting up to ``wait`` seconds for its last processes to be reaped."""
        deadline = time.monotonic() + wait
        while True:
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError as error:
                if time.monotonic() >= deadline:
                    logger.debug("cannot remove the skill worker's cgroup %s yet: %s", self.path, error)
                    return
                time.sleep(0.02)


def _pids_parent() -> Path | None:
    """The folder worker cgroups are made in (made on first use), or None without a writable pids controller."""
    if (PIDS_V1 / "cgroup.procs").is_file():
        parent = PIDS_V1 / CGROUP_PARENT
    elif "pids" in _read(CGROUP_V2 / "cgroup.controllers").split():
        parent = CGROUP_V2 / CGROUP_PARENT
    else:
        return None
    try:
        parent.mkdir(exist_ok=True)
        if parent.parent == CGROUP_V2 and "pids" not in _read(parent / "cgroup.subtree_control").split():
            if "pids" not in _read(CGROUP_V2 / "cgroup.subtree_control").split():
                (CGROUP_V2 / "cgroup.subtree_control").write_text("+pids\n")
            (parent / "cgroup.subtree_control").write_text("+pids\n")
    except OSError as error:
        logger.debug("no pids cgroup for skill workers in %s: %s", parent, error)
        return None
    return parent


def _remove_stale(parent: Path) -> None:
    """Delete worker cgroups left empty by assistants that died (only old ones: a new one is about to be joined)."""
    now = time.time()
    for child in parent.glob("worker-*"):
        with _quiet():
            if now - child.stat().st_mtime > _STALE_SECONDS and not _read(child / "cgroup.procs").strip():
                child.rmdir()


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _quiet() -> contextlib.AbstractContextManager[None]:
    return contextlib.suppress(OSError)


def bwrap_arguments(bwrap: str, sandbox: Sandbox) -> list[str]:
    """bwrap and its options for ``sandbox`` (everything before ``--``)."""
    args = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--hostname", "skill"]
    if sandbox.network:
        args.append("--share-net")
    for capability in sandbox.capabilities:
        args += ["--cap-add", capability]
    for folder in SYSTEM_DIRS:
        args += ["--ro-bind", folder, folder]
    for name in ROOT_LINKS:
        path = Path(name)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), name]
        elif path.is_dir():
            args += ["--ro-bind", name, name]
    etc = ETC_FILES + (NETWORK_ETC_FILES if sandbox.network else ())
    for name in etc:
        if os.path.lexists(name):
            args += ["--ro-bind-try", name, name]
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--size", str(sandbox.limits.tmp_size), "--tmpfs", "/tmp"]
    for path in outermost(sandbox.visible):
        args += ["--ro-bind", str(path), str(path)]
    for host, inside in sandbox.binds:
        args += ["--ro-bind", str(host), str(inside)]
    args += ["--remount-ro", "/", "--chdir", str(sandbox.workdir)]  # only /tmp (and /dev) stay writable
    return args


def outermost(paths: Iterable[Path]) -> list[Path]:
    """The paths to bind: absolute, existing, not inside a system folder, and none inside another (a later
    bind of a parent would hide the child), in sorted order."""
    system = [Path(p) for p in SYSTEM_DIRS]
    kept: list[Path] = []
    for path in sorted({Path(os.path.abspath(p)) for p in paths}):
        if not os.path.lexists(path) or any(path.is_relative_to(s) for s in system):
            continue
        if kept and path.is_relative_to(kept[-1]):
            continue
        kept.append(path)
    return kept


def interpreter_paths(executable: Path) -> list[Path]:
    """What running ``executable`` needs besides /usr: its virtualenv (the folder above ``bin`` that holds
    ``pyvenv.cfg``) and the prefix of the real interpreter behind its symlinks (a pyenv or /opt Python)."""
    executable = Path(os.path.abspath(executable))
    paths = []
    env = executable.parent.parent
    if (env / "pyvenv.cfg").is_file():
        paths.append(env)
        home = _venv_home(env / "pyvenv.cfg")
        if home is not None:
            paths.append(home.resolve().parent)
    real = executable.resolve()
    paths.append(real.parent.parent if real.parent.name == "bin" else real.parent)
    return paths


def _venv_home(config: Path) -> Path | None:
    for line in config.read_text(encoding="utf-8", errors="replace").splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "home" and value.strip():
            return Path(value.strip())
    return None


@dataclass(frozen=True, slots=True)
class Support:
    """Whether this machine can make a sandbox."""

    available: bool
    """True when the probe ran a command inside a sandbox made with every option the workers use."""
    detail: str
    """The bwrap version when available, else why not (in words a user can act on)."""


@functools.cache
def probe(bwrap: str = "bwrap") -> Support:
    """Try once per process: run ``true`` in a sandbox with the workers' options (no network, limits)."""
    found = shutil.which(bwrap)
    if found is None:
        return Support(False, "bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap)")
    if shutil.which("prlimit") is None:
        return Support(False, "prlimit is not installed (Debian/Ubuntu: apt-get install util-linux)")
    true = shutil.which("true", path="/usr/bin:/bin") or "/usr/bin/true"
    command = Sandbox(visible=(), workdir=Path("/")).wrap([true], bwrap=found)
    try:
        done = subprocess.run(
            command, stdin=subprocess.DEVNULL, capture_output=True, timeout=PROBE_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return Support(False, f"bwrap could not be run: {error}")
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip() or f"exit code {done.returncode}"
        return Support(False, f"bwrap cannot make a sandbox here (namespaces refused?): {detail}")
    version = subprocess.run([found, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    logger.debug("sandbox probe: %s works", version)
    return Support(True, version or "bwrap")
