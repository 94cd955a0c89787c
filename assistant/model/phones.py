"""The phone set of pocketsphinx's en-US acoustic model, in CMU dictionary notation (without stress digits).

One set for every layer: the model loader checks a skill's ``pronunciations.txt`` against it, the pronunciation
module maps espeak-ng's guesses onto it, and the recogniser's phone loop is made of it.
"""

from __future__ import annotations

CMU_PHONES = frozenset(
    "AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW V W Y Z ZH".split()  # noqa: SIM905
)
"""The 39 phones."""
