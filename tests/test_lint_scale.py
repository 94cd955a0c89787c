"""``assistant lint`` on large slot types: the same sound-alike pairs as measuring every pair, in near-linear time.

The values are real dictionary words with sound-alike pairs planted (``bench/scale.py``). Two references:

- ``tests/golden/similar-values-2000.json``: what the quadratic check of commit 343fac6 reported on the
  2,000-value type (it took minutes); the new check must report exactly that;
- :func:`every_pair`: that quadratic check itself, run here on a smaller type, at several thresholds.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from assistant.grammar.compiler import default_lexicon
from assistant.model.loader import load_model
from assistant.testing.lint import lint_skill, phone_distance, similar_values, sound_alike_pairs
from bench.scale import PLANTED, slot_values, write_skill

GOLDEN = Path(__file__).parent / "golden" / "similar-values-2000.json"


def every_pair(
    strings: list[str], threshold: float, keys: list[tuple[int, int]]
) -> list[tuple[int, int, float]]:
    """The old check: measure every pair of phrases with as many words and different values."""
    found = []
    for i in range(len(strings)):
        for j in range(i + 1, len(strings)):
            if keys[i][0] == keys[j][0] or keys[i][1] != keys[j][1]:
                continue
            distance = phone_distance(strings[i], strings[j])
            if distance <= threshold:
                found.append((i, j, distance))
    return found


@pytest.fixture(scope="module")
def big_skill(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_skill(tmp_path_factory.mktemp("lint") / "big", slot_values(2000)) / "en-US.json"


def test_2000_values_give_the_old_checks_pairs_in_seconds(big_skill: Path) -> None:
    started = time.perf_counter()
    found = lint_skill(big_skill)
    elapsed = time.perf_counter() - started
    similar = [d.to_json() | {"file": "en-US.json"} for d in found if d.code == "similar-values"]
    assert similar == json.loads(GOLDEN.read_text())
    messages = " ".join(d["message"] for d in similar)
    for a, b in PLANTED:
        assert f"{a!r} (" in messages and f"{b!r} (" in messages, (a, b)
    assert elapsed < 30, f"lint took {elapsed:.1f} s (the quadratic check took minutes)"


@pytest.mark.parametrize("threshold", [0.1, 0.25, 0.4, 0.5])
def test_the_filter_misses_no_pair(threshold: float) -> None:
    lexicon = default_lexicon()
    values = [v for v in slot_values(500, seed=3) if all(lexicon.phones(w) for w in v.split())]
    strings = [" ".join(lexicon.phones(w) or "" for w in v.split()) for v in values]
    keys = [(index, len(v.split())) for index, v in enumerate(values)]
    expected = every_pair(strings, threshold, keys)
    assert sound_alike_pairs(strings, threshold, keys) == expected
    assert threshold < 0.25 or len(expected) >= 5  # the planted pairs at least: the comparison is not empty


def test_synonyms_of_one_value_are_not_compared_and_a_value_pair_is_reported_once(tmp_path: Path) -> None:
    model_file = write_skill(tmp_path / "s", ["gold brew", "cold brew", "old brew"]) / "en-US.json"
    data = json.loads(model_file.read_text())
    values = data["interactionModel"]["languageModel"]["types"][0]["values"]
    values[0]["name"]["synonyms"] = ["gold brews", "cold brews"]  # "cold brews" also sounds like value 1
    model_file.write_text(json.dumps(data))
    messages = [d.message for d in similar_values(load_model(model_file))]
    assert messages == [
        "slot type Items: 'gold brew' (G OW L D B R UW) and 'cold brew' (K OW L D B R UW) sound alike",
        "slot type Items: 'gold brew' (G OW L D B R UW) and 'old brew' (OW L D B R UW) sound alike",
        "slot type Items: 'cold brew' (K OW L D B R UW) and 'old brew' (OW L D B R UW) sound alike",
    ]
