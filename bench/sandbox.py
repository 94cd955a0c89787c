"""What the skill sandbox costs: start-up time and latency per request, with and without it, and what real skills use.

Runs the bundled skills as the assistant does (``make_worker``; run ``assistant setup`` first): hello world (Python,
ask-sdk-core) and space facts (Node, ask-sdk-core v2). For each, with the sandbox and with ``--no-sandbox``:

- start-up: a cold worker, from ``start()`` to the handler loaded (Lambda's init), ``--starts`` times;
- per request: a LaunchRequest to the warm worker, round trip, ``--requests`` times;
- the skill process's peak resident memory (VmHWM) and peak address space (VmPeak), to set ``Limits``.

Usage: ``python -m bench.sandbox [--starts 10] [--requests 100] [--data-dir DIR]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.settings import Settings
from assistant.skills.package import SkillPackage
from assistant.skills.registry import Registry
from assistant.skills.sandbox import probe
from assistant.skills.store import AttributeStore
from assistant.skills.worker import ProcessWorker, make_worker

SKILLS = ("hello-world", "space-facts")
"""The bundled skills measured: one Python, one Node."""


def launch(package: SkillPackage) -> dict[str, Any]:
    """A LaunchRequest envelope for ``package``."""
    application = {"applicationId": package.application_id}
    user = {"userId": "amzn1.ask.account.BENCH"}
    return {
        "version": "1.0",
        "session": {"new": True, "sessionId": "bench", "application": application, "attributes": {}, "user": user},
        "context": {"System": {"application": application, "user": user, "device": {"deviceId": "bench"}}},
        "request": {"type": "LaunchRequest", "requestId": "bench-1", "timestamp": "2026-12-02T12:00:00Z",
                    "locale": "en-US"},
    }


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (sandboxed, the skill runs under bwrap and bwrap's init)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def peak_memory(worker: ProcessWorker) -> tuple[float, float]:
    """(VmHWM, VmPeak) in MB of the largest process of the worker."""
    assert worker.pid is not None
    best = (0.0, 0.0)
    for pid in [worker.pid, *descendants(worker.pid)]:
        fields = {}
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        except OSError:
            continue
        if "VmHWM" in fields:
            best = max(best, (int(fields["VmHWM"].split()[0]) / 1024, int(fields["VmPeak"].split()[0]) / 1024))
    return best


def measure(package: SkillPackage, settings: Settings, store: AttributeStore, starts: int, requests: int) -> dict[str, Any]:
    start_times = []
    for _ in range(starts):
        worker = make_worker(package, store, settings)
        began = time.perf_counter()
        worker.start()
        start_times.append(time.perf_counter() - began)
        worker.stop()
    worker = make_worker(package, store, settings)
    event = launch(package)
    with worker:
        worker.invoke(event)  # warm
        request_times = []
        for _ in range(requests):
            began = time.perf_counter()
            worker.invoke(event)
            request_times.append(time.perf_counter() - began)
        resident, virtual = peak_memory(worker)
    return {
        "start_ms": [1000 * statistics.median(start_times), 1000 * max(start_times)],
        "request_ms": [1000 * statistics.median(request_times), 1000 * quantile(request_times, 0.95)],
        "rss_mb": resident,
        "vm_mb": virtual,
    }


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--starts", type=int, default=10)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--data-dir", type=Path, help="the installation whose bundled environments to use")
    args = parser.parse_args()
    support = probe()
    if not support.available:
        raise SystemExit(f"no sandbox can be made here: {support.detail}")
    base = Settings() if args.data_dir is None else Settings(data_dir=args.data_dir)
    packages = {p.name: p for p in Registry(base).bundled()}
    missing = [name for name in SKILLS if name not in packages or packages[name].env_dir is None and
               packages[name].runtime == "python"]
    if missing:
        raise SystemExit(f"bundled skills without their environment: {', '.join(missing)}; run `assistant setup`")
    print(f"{support.detail}; {args.starts} cold starts, {args.requests} warm LaunchRequests per skill")
    print(f"{'skill':12} {'sandbox':8} {'start p50/max ms':>18} {'request p50/p95 ms':>20} {'peak RSS MB':>12} {'peak VM MB':>11}")
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as scratch:
        for name in SKILLS:
            for sandboxed in (False, True):
                settings = base.with_(data_dir=Path(scratch), sandbox=sandboxed)
                package = packages[name]
                with AttributeStore(settings.database) as store:
                    row = measure(package, settings, store, args.starts, args.requests)
                start, request = row["start_ms"], row["request_ms"]
                print(
                    f"{name:12} {'yes' if sandboxed else 'no':8} {start[0]:8.1f} / {start[1]:7.1f} "
                    f"{request[0]:9.2f} / {request[1]:8.2f} {row['rss_mb']:12.0f} {row['vm_mb']:11.0f}"
                )


if __name__ == "__main__":
    main()
