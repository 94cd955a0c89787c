"""Pronunciations: the decoder's dictionary, skill-supplied entries, and offline guesses from espeak-ng.

This is the one module that knows about the CMU dictionary file and espeak-ng's phonemes; ``grammar`` and
``asr`` ask it, never the files.
"""

from __future__ import annotations

import functools
import logging
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import PronunciationError

log = logging.getLogger(__name__)

CMU_PHONES = frozenset(
    ["AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY", "F", "G", "HH", "IH", "IY", "JH", "K", "L", "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH", "T", "TH", "UH", "UW", "V", "W", "Y", "Z", "ZH"]
)

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


@functools.cache
def _read_dictionary(path: Path) -> Mapping[str, str]:
    entries: dict[str, str] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            word, _, phones = line.strip().partition(" ")
            if not word or word.endswith(")"):  # alternates "word(2)" keep the first reading
                continue
            entries.setdefault(word, phones.strip())
    return entries


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
        """word → phones of the base dictionary (read once per process)."""
        return _read_dictionary(self.path)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and word in self.entries

    def phones(self, word: str) -> str | None:
        """The dictionary's pronunciation of a word."""
        return self.entries.get(word)

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


def parse_pronunciation_lines(lines: Iterable[str]) -> dict[str, str]:
    """Read ``word PH1 PH2`` lines (CMU format; ``#`` comments) into a mapping."""
    out: dict[str, str] = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        word, _, phones = line.partition(" ")
        word = re.sub(r"\(\d+\)$", "", word.lower())
        if phones.strip():
            out.setdefault(word, phones.strip())
    return out
