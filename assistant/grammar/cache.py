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
from typing import TYPE_CHECKING

from assistant.model.diskcache import DiskCache, make_key

if TYPE_CHECKING:
    from assistant.grammar.compiler import CompiledGrammar


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

    def grammar(self, key: str, digest: str) -> CompiledGrammar | None:
        """The cached grammar of content ``digest``, or None."""
        from assistant.grammar.compiler import CompiledGrammar

        value = self.load(key, lambda v: isinstance(v, CompiledGrammar) and v.digest == digest)
        return value if isinstance(value, CompiledGrammar) else None
