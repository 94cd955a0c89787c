"""A folder of pickled values, so that work on large inputs (a model's validation, a grammar's compilation) is done
once rather than at every start.

An entry is ``<folder>/<key>.pickle``, holding ``(FORMAT, key, value)``; callers make keys that change with
everything the value was made from: the input's content, and :func:`code_fingerprint` (the source and data files
of the packages that make it, and the Python version). A changed input or a changed assistant therefore misses the
cache rather than reading a stale entry.

Reading is defensive: an entry that cannot be read or unpickled, or that holds anything but what was asked for, is
logged, deleted and rebuilt by the caller. Writing goes to a temporary name renamed into place, and a cache that
cannot be written is only logged. The folder keeps the :attr:`DiskCache.max_entries` most recently used entries.

Entries are pickles: they are read only from the user's own cache folder, which skills (sandboxed) cannot write.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import os
import pickle
import sys
import uuid
from collections.abc import Callable
from functools import cache
from pathlib import Path

logger = logging.getLogger(__name__)

FORMAT = 1
"""Version of the entries' layout."""
_PACKAGE = Path(__file__).resolve().parent.parent
SOURCES = (
    "model/*.py",
    "model/schema/*.json",
    "grammar/*.py",
    "nlu/*.py",
    "grammar/lists/*.txt",
    "_data/grammars/*.jsgf",
)
"""What a cached model or grammar is made from, besides its input: a change to any of these invalidates it."""


@cache
def code_fingerprint() -> str:
    """A hash of :data:`SOURCES` and of the Python version (pickles depend on both)."""
    digest = hashlib.sha256(f"{FORMAT} {sys.version}".encode())
    for pattern in SOURCES:
        for path in sorted(_PACKAGE.glob(pattern)):
            digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def make_key(*parts: str | bytes) -> str:
    """A cache key of ``parts`` and :func:`code_fingerprint`."""
    digest = hashlib.sha256(code_fingerprint().encode())
    for part in parts:
        digest.update(b"\0" + (part.encode() if isinstance(part, str) else part))
    return digest.hexdigest()


class DiskCache:
    """Pickled values in one folder (under ``settings.cache_dir``); nothing is touched until used."""

    def __init__(self, folder: Path, max_entries: int = 32) -> None:
        self.folder = folder
        """Where the entries live."""
        self.max_entries = max_entries
        """How many entries are kept (the least recently used go first)."""

    def load(self, key: str, usable: Callable[[object], bool]) -> object | None:
        """The value under ``key`` if there is one and ``usable(value)``; an unusable entry is deleted."""
        path = self.folder / f"{key}.pickle"
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            logger.warning("cannot read the cache entry %s (%s); making it again", path, error)
            return None
        collecting = gc.isenabled()
        gc.disable()  # unpickling makes many objects at once: the cyclic collector would run again and again
        try:
            entry = pickle.loads(data)
            ok = (
                isinstance(entry, tuple)
                and len(entry) == 3
                and entry[:2] == (FORMAT, key)
                and usable(entry[2])
            )
        except Exception as error:  # noqa: BLE001 (a damaged pickle can raise almost anything)
            logger.warning("the cache entry %s is damaged (%s: %s)", path, type(error).__name__, error)
            ok = False
        finally:
            if collecting:
                gc.enable()
        if not ok:
            logger.warning("ignoring the unusable cache entry %s; making it again", path)
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # most recently used
        value: object = entry[2]
        return value

    def store(self, key: str, value: object) -> None:
        """Keep ``value`` under ``key``; a failure is logged, never raised."""
        path = self.folder / f"{key}.pickle"
        temporary = self.folder / f".{key}.{uuid.uuid4().hex}.tmp"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(pickle.dumps((FORMAT, key, value), protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(temporary, path)
        except (OSError, pickle.PicklingError, RecursionError) as error:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
            logger.warning("cannot write the cache entry %s: %s", path, error)
            return
        self._prune()

    def _prune(self) -> None:
        try:
            entries = sorted(self.folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
            for old in entries[self.max_entries :]:
                old.unlink(missing_ok=True)
        except OSError as error:
            logger.debug("cannot prune the cache %s: %s", self.folder, error)
