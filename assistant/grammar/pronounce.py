"""Pronunciations: the decoder's dictionary, skill-supplied entries, and offline guesses from espeak-ng.

This is the one module that knows about the CMU dictionary file and espeak-ng's phonemes; ``grammar`` and
``asr`` ask it, never the files.
"""

from __future__ import annotations

import functools
import logging
import mmap
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import PronunciationError
from ..model.phones import CMU_PHONES

log = logging.getLogger(__name__)


# espeak-ng IPA (with --sep=_) to CMU phones. Longest keys are tried first.
_IPA_TO_CMU: dict[str, str] = {
    "aɪə": "AY AH", "aɪɚ": "AY ER", "ɑːɹ": "AA R", "ɔːɹ": "AO R", "ɛɹ": "EH R", "ɪɹ": "IH R", "ʊɹ": "UH R",
    "oːɹ": "AO R", "ɜːɹ": "ER", "eɪ": "EY", "aɪ": "AY", "aʊ": "AW", "ɔɪ": "OY", "oʊ": "OW", "əʊ": "OW",
    "tʃ": "CH", "dʒ": "JH", "ɑː": "AA", "ɔː": "AO", "ɜː": "ER", "iː": "IY", "uː": "UW", "oː": "OW",
    "æ": "AE", "ɑ": "AA", "ɒ": "AA", "ɔ": "AO", "ʌ": "AH", "ə": "AH", "ɐ": "AH", "ɚ": "ER", "ɝ": "ER",
    "ɛ": "EH", "e": "EH", "ɪ": "IH", "ᵻ": "IH", "i": "IY", "o": "OW", "ʊ": "UH", "u": "UW", "a": "AE",
    "p": "P", "b": "B", "t": "T", "d": "D", "k": "K", "ɡ": "G", "g": "G", "f": "F", "v": "V", "θ": "TH",
    "ð": "DH", "s": "S", "z": "Z", "ʃ": "SH", "ʒ": "ZH", "h": "HH", "m": "M", "n": "N", "ŋ": "NG", "l": "L",
    "ɹ": "R", "r": "R", "j": "Y", "w": "W", "ɾ": "T", "ʔ": "T", "n̩": "AH N", "l̩": "AH L", "ɬ": "L", "x": "K",
    "ç": "HH", "ʍ": "W",
}
_IGNORED = "ˈˌ\u200d\u0329-'"


def default_dictionary() -> Path:
    """The CMU dictionary shipped in pocketsphinx's wheel."""
    import pocketsphinx

    return Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"


_VARIANT = re.compile(r"\(\d+\)$")
_BLOCK = 1 << 18
"""Bytes read at a time while checking a dictionary file's order."""


def _entry(line: str) -> tuple[str, str]:
    """``(word, phones)`` of one dictionary line; ``word`` keeps a ``(2)`` suffix and is empty for a blank line."""
    word, _, phones = line.strip().partition(" ")
    return word, phones.strip()


def _headword(word: str) -> str:
    """The word an entry belongs to: ``word(2)`` (an alternate reading) belongs to ``word``."""
    return _VARIANT.sub("", word) if word.endswith(")") else word


def _sorted_entry_count(path: Path) -> int | None:
    """The number of distinct words in a dictionary file whose lines are sorted by headword (the order
    pocketsphinx ships it in), or None when binary search would not find exactly what reading every line
    does: unsorted, blank lines, or carriage returns."""
    count = 0
    previous = ""
    seen = False  # whether the current headword has a line of its own (not only alternates)
    rest = b""
    with open(path, "rb") as f:
        while block := f.read(_BLOCK):
            block = rest + block
            cut = block.rfind(b"\n") + 1
            block, rest = block[:cut], block[cut:]
            if b"\r" in block:
                return None
            for line in block.decode("utf-8").split("\n")[:-1]:
                word = line.strip().partition(" ")[0]  # as _entry, inlined: this loop runs 134,000 times
                head = _VARIANT.sub("", word) if word.endswith(")") else word
                if not word:
                    return None
                if head != previous:
                    if head < previous:
                        return None
                    previous, seen = head, False
                if not seen and word == head and not word.endswith(")"):
                    count += 1
                    seen = True
    if rest.strip() or b"\r" in rest:
        return None  # a last line without a newline: not worth a special case
    return count


class _SortedDictionary(Mapping[str, str]):
    """word → phones of a sorted dictionary file, found by binary search over the memory-mapped file.

    Holds no copy of the dictionary (134,000 words would take about 20 MB as a Python dict); the pages of the
    file it touches are shared with the page cache. The first reading of a word wins, alternates (``word(2)``)
    are left out, exactly as reading the file line by line would give.
    """

    def __init__(self, path: Path, count: int) -> None:
        self._count = count
        with open(path, "rb") as f:
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        self._found: dict[str, str | None] = {}

    def _line_after(self, pos: int) -> int:
        """Start of the first line that begins at or after byte ``pos``."""
        if pos == 0:
            return 0
        end = self._map.find(b"\n", pos - 1)
        return len(self._map) if end < 0 else end + 1

    def _line(self, start: int) -> tuple[str, int]:
        """The line starting at ``start`` and the start of the next one."""
        end = self._map.find(b"\n", start)
        end = len(self._map) if end < 0 else end
        return self._map[start:end].decode("utf-8"), end + 1

    def lines_of(self, word: str) -> list[tuple[str, str]]:
        """``(entry, phones)`` of every line of ``word``, alternates (``word(2)``) included, in file order."""
        size = len(self._map)
        lo, hi = 0, size
        while lo < hi:  # the smallest position whose next line has a headword >= word
            mid = (lo + hi) // 2
            start = self._line_after(mid)
            if start >= size or _headword(_entry(self._line(start)[0])[0]) >= word:
                hi = mid
            else:
                lo = mid + 1
        start = self._line_after(lo)
        found: list[tuple[str, str]] = []
        while start < size:
            line, start = self._line(start)
            entry, phones = _entry(line)
            if _headword(entry) != word:
                break
            found.append((entry, phones))
        return found

    def _search(self, word: str) -> str | None:
        return next((phones for entry, phones in self.lines_of(word) if entry == word), None)

    def get(self, word: str, default: str | None = None) -> str | None:  # type: ignore[override]
        if word not in self._found:
            found = None if not word or word.endswith(")") else self._search(word)
            self._found[word] = found
        found = self._found[word]
        return default if found is None else found

    def __getitem__(self, word: str) -> str:
        found = self.get(word)
        if found is None:
            raise KeyError(word)
        return found

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.get(word) is not None

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        start = 0
        while start < len(self._map):
            line, start = self._line(start)
            word, _ = _entry(line)
            if word and not word.endswith(")") and word not in seen:
                seen.add(word)
                yield word

    def __len__(self) -> int:
        return self._count


def _read_all(path: Path) -> Mapping[str, str]:
    """Every entry of a dictionary file in a dict (for files not sorted by headword)."""
    entries: dict[str, str] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            word, phones = _entry(line)
            if not word or word.endswith(")"):  # alternates "word(2)" keep the first reading
                continue
            entries.setdefault(word, phones)
    return entries


@functools.cache
def _read_dictionary(path: Path) -> Mapping[str, str]:
    """The dictionary file as a mapping: searched in place when sorted (pocketsphinx's is), else read whole."""
    count = _sorted_entry_count(path)
    if count is None or count == 0:
        log.debug("dictionary %s is not sorted by word: reading it into memory", path)
        return _read_all(path)
    return _SortedDictionary(path, count)


def ipa_to_cmu(ipa: str) -> str:
    """CMU phones for one word of espeak-ng ``--ipa --sep=_`` output."""
    phones: list[str] = []
    for segment in ipa.split("_"):
        seg = "".join(ch for ch in segment if ch not in _IGNORED)
        while seg:
            for size in (3, 2, 1):
                key = seg[:size]
                if key in _IPA_TO_CMU:
                    phones.extend(_IPA_TO_CMU[key].split())
                    seg = seg[size:]
                    break
            else:
                log.debug("no CMU phone for IPA %r", seg[0])
                seg = seg[1:]
    return " ".join(phones)


def espeak_available() -> bool:
    """True when the espeak-ng command is installed."""
    return shutil.which("espeak-ng") is not None


def guess_with_espeak(words: Iterable[str], voice: str = "en-us") -> dict[str, str]:
    """Guess CMU pronunciations for words, offline, from espeak-ng's phonemes (one process for all)."""
    words = list(dict.fromkeys(words))
    if not words:
        return {}
    if not espeak_available():
        raise PronunciationError(
            f"{len(words)} word(s) are not in the dictionary ({', '.join(words[:5])}) and espeak-ng, which "
            "guesses pronunciations, is not installed: apt-get install espeak-ng"
        )
    # One word per line; espeak-ng prints one line of phonemes per input line.
    text = "\n".join(w.replace("'", "") for w in words) + "\n"
    proc = subprocess.run(
        ["espeak-ng", "-q", "--ipa", "--sep=_", "-v", voice],
        input=text, capture_output=True, text=True, timeout=60, check=False,
    )
    lines = [ln.strip() for ln in proc.stdout.splitlines() if ln.strip()]
    out: dict[str, str] = {}
    if proc.returncode == 0 and len(lines) == len(words):
        for word, line in zip(words, lines, strict=True):
            phones = ipa_to_cmu(line.replace(" ", "_"))
            if phones:
                out[word] = phones
    else:  # line counts disagree (espeak merged lines): fall back to one call per word
        for word in words:
            one = subprocess.run(
                ["espeak-ng", "-q", "--ipa", "--sep=_", "-v", voice, word.replace("'", "")],
                capture_output=True, text=True, timeout=30, check=False,
            )
            phones = ipa_to_cmu(one.stdout.strip().replace(" ", "_"))
            if phones:
                out[word] = phones
    return out


@dataclass(frozen=True, slots=True)
class Pronunciations:
    """The result of checking a vocabulary: every word with a pronunciation, and which were guessed."""

    known: frozenset[str]
    """Words found in the decoder's dictionary."""
    extra: dict[str, str] = field(default_factory=dict)
    """Words added to the decoder: skill-supplied or guessed, word → CMU phones."""
    guessed: tuple[str, ...] = ()
    """Words whose pronunciation was guessed with espeak-ng."""
    supplied: tuple[str, ...] = ()
    """Words whose pronunciation the skill supplied."""


class Lexicon:
    """The dictionary the decoder uses, plus skill-supplied entries and a cache of guesses."""

    def __init__(self, dictionary: Path | None = None) -> None:
        self.path = dictionary or default_dictionary()
        """The CMU-format dictionary file."""
        self._guesses: dict[str, str] = {}

    @property
    def entries(self) -> Mapping[str, str]:
        """word → phones of the base dictionary (opened once per process, searched in place when sorted)."""
        return _read_dictionary(self.path)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and word in self.entries

    def phones(self, word: str) -> str | None:
        """The dictionary's pronunciation of a word."""
        return self.entries.get(word)

    def dictionary_lines(self, words: Iterable[str]) -> list[tuple[str, str]]:
        """``(entry, phones)`` of the dictionary's lines for these words, alternate readings (``word(2)``)
        included, in file order: what a decoder started with an empty dictionary needs to add to hear them
        exactly as with the whole file."""
        wanted = {w for w in words if w and not w.endswith(")")}
        entries = self.entries
        if isinstance(entries, _SortedDictionary):
            return [line for word in sorted(wanted) for line in entries.lines_of(word)]
        found: list[tuple[str, str]] = []
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                entry, phones = _entry(line)
                if entry and _headword(entry) in wanted:
                    found.append((entry, phones))
        return found

    def resolve(self, words: Iterable[str], supplied: Mapping[str, str] | None = None) -> Pronunciations:
        """Give every word a pronunciation: dictionary, then the skill's own, then an espeak-ng guess."""
        supplied = supplied or {}
        known: set[str] = set()
        extra: dict[str, str] = {}
        own: list[str] = []
        missing: list[str] = []
        for word in sorted(set(words)):
            if word in supplied:
                phones = supplied[word].upper().split()
                bad = [p for p in phones if p.rstrip("012") not in CMU_PHONES]
                if bad:
                    raise PronunciationError(f"pronunciation of {word!r} uses unknown phones {bad}")
                extra[word] = " ".join(p.rstrip("012") for p in phones)
                own.append(word)
            elif word in self.entries:
                known.add(word)
            elif word in self._guesses:
                extra[word] = self._guesses[word]
                missing.append(word)
            else:
                missing.append(word)
        new = [w for w in missing if w not in self._guesses]
        if new:
            self._guesses.update(guess_with_espeak(new))
        unpronounceable = [w for w in missing if w not in self._guesses]
        if unpronounceable:
            raise PronunciationError(f"no pronunciation could be guessed for: {', '.join(unpronounceable)}")
        for w in missing:
            extra[w] = self._guesses[w]
        if missing:
            log.info("guessed pronunciations for %d word(s): %s", len(missing), ", ".join(missing[:20]))
        return Pronunciations(frozenset(known), extra, tuple(missing), tuple(own))
