"""Compiled grammars on disk (``settings.cache_dir/grammars``), so a skill with a large slot type is compiled once
rather than at every start.

The key is a hash of the grammar's content digest (the model, and the dictionary path, it was compiled from), of
the compiler's own source and data (:func:`assistant.model.diskcache.code_fingerprint`), and of the dictionary
file's size and modification time: a changed model, compiler or dictionary misses the cache. A damaged entry is
ignored, deleted and compiled again (see :mod:`assistant.model.diskcache`). Grammars with session dynamic entities
are not kept: they change from session to session.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from assistant.model.diskcache import DiskCache, make_key

G = TypeVar("G")


class GrammarCache(DiskCache):
    """A folder of compiled grammars."""

    def key(self, digest: str, dictionary: Path) -> str:
        """The entry name for a grammar of content ``digest`` compiled against ``dictionary``."""
        try:
            stat = dictionary.stat()
            stamp = f"{stat.st_size}:{stat.st_mtime_ns}"
        except OSError:
            stamp = "missing"
        return make_key("grammar", digest, str(dictionary), stamp)

    def grammar(self, key: str, digest: str, kind: type[G]) -> G | None:
        """The cached grammar of content ``digest``, or None; ``kind`` is the compiler's ``CompiledGrammar`` (passed
        in, so that this module does not import the compiler that uses it)."""
        value = self.load(key, lambda v: isinstance(v, kind) and getattr(v, "digest", None) == digest)
        return value if isinstance(value, kind) else None
