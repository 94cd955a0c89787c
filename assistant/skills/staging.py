"""Locks and work folders in the skills folder, so that installs and removals are safe together and after a kill.

- ``skills_dir/.lock`` is the installs' lock (``fcntl.flock``): held briefly, to check that a name is free and
  rename a finished install into place, to create or clean up work folders, and to remove a skill. Two installs
  of one name at once cannot both pass the check, because the second checks again, under the lock, after the
  first has renamed its folder into place.
- Each install or removal works in ``.staging-<hex>`` or ``.removing-<hex>``, and holds ``<that name>.lock``
  locked for as long as it runs. The kernel drops the lock when its process dies, however it dies (kill -9
  included), so a work folder whose lock can be taken belongs to nobody: :func:`clean_leftovers` removes it.

Locks are advisory and local: they protect against other assistant processes on this machine, which is what
shares a skills folder.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)

LOCK = ".lock"
"""The installs' lock file in the skills folder."""
WORK_PREFIXES = (".staging-", ".removing-")
"""Names of the work folders of installs and removals."""
_SUFFIX = ".lock"


@contextmanager
def skills_locked(skills_dir: Path) -> Iterator[None]:
    """Hold the installs' lock (waiting for it) for the ``with`` block."""
    skills_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(skills_dir / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing drops the lock


@contextmanager
def work_folder(skills_dir: Path, prefix: str = ".staging-") -> Iterator[Path]:
    """A new work folder ``skills_dir/<prefix><hex>`` (not yet created: the caller makes or renames it into
    place), owned by this process until the block ends; it and its lock file are removed afterwards."""
    if prefix not in WORK_PREFIXES:
        raise ValueError(f"unknown work folder prefix {prefix!r}")
    folder = skills_dir / f"{prefix}{uuid.uuid4().hex}"
    lock = folder.with_name(folder.name + _SUFFIX)
    with skills_locked(skills_dir):  # so clean_leftovers never sees the lock file before it is locked
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        lock.unlink(missing_ok=True)
        os.close(fd)


def clean_leftovers(skills_dir: Path) -> list[Path]:
    """Remove the work folders (and lock files) of installs and removals whose process is gone; returns them."""
    if not skills_dir.is_dir() or not os.access(skills_dir, os.W_OK):
        return []  # nothing could have been left here, or nothing can be removed (a read-only installation)
    removed = []
    with skills_locked(skills_dir):
        for entry in sorted(skills_dir.iterdir()):
            if not entry.name.startswith(WORK_PREFIXES):
                continue
            lock = entry if entry.name.endswith(_SUFFIX) else entry.with_name(entry.name + _SUFFIX)
            folder = lock.with_name(lock.name.removesuffix(_SUFFIX))
            if entry == lock and (folder.exists() or folder.is_symlink()):
                continue  # handled with its folder
            owned = _owned(lock)
            if owned is None:
                continue  # its process is still working there
            try:
                if entry == folder:
                    if folder.is_dir() and not folder.is_symlink():
                        shutil.rmtree(folder)
                    else:
                        folder.unlink()
                    logger.warning("removed %s, left by an install or removal that did not finish", folder)
                    removed.append(folder)
                lock.unlink(missing_ok=True)
            finally:
                if owned >= 0:
                    os.close(owned)
    return removed


def _owned(lock: Path) -> int | None:
    """A descriptor holding ``lock`` when nobody else holds it (-1 when it does not exist); None when held."""
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW)
    except FileNotFoundError:
        return -1
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd
