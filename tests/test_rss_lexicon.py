"""The dictionary look-up that searches the sorted CMU file in place instead of loading it into a dict.

Every case compares the in-place search with reading the whole file line by line (the reference behaviour):
same words, same first readings, alternates ``word(2)`` left out.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.grammar.pronounce import (
    Lexicon,
    _read_all,
    _read_dictionary,
    _SortedDictionary,
    default_dictionary,
)

PROBES = ("", "a", "a(2)", "b", "zz", "'", "hello", "hello(2)", "Hello", "he", "hellos", "paren)", "~", "zzzz")


def _agrees(path: Path, extra: tuple[str, ...] = PROBES) -> None:
    found = _read_dictionary(path)
    reference = _read_all(path)
    for word in (*reference, *extra):
        assert found.get(word) == reference.get(word), word
        assert (word in found) == (word in reference), word
    assert len(found) == len(reference)
    assert list(found) == list(reference)


def _write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "words.dict"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


SORTED = (
    "'em AH M\n"
    "a AH\n"
    "a(2) EY\n"
    "a's EY Z\n"
    "b B IY\n"
    "hello HH AH L OW\n"
    "hello(2) HH EH L OW\n"
    "hello HH EH L OW\n"  # a second plain line: the first reading wins
    "paren) P ER EH N\n"  # ends in ")" but is no alternate: never a word
    "read(2) R EH D\n"  # an alternate before its word
    "read R IY D\n"
    "zz Z IY Z IY\n"
)


def test_a_sorted_dictionary_is_searched_in_place_with_the_same_answers(tmp_path: Path) -> None:
    path = _write(tmp_path, SORTED)
    assert isinstance(_read_dictionary(path), _SortedDictionary)
    _agrees(path, (*PROBES, "read", "read(2)", "a's"))
    assert _read_dictionary(path)["hello"] == "HH AH L OW"
    assert _read_dictionary(path)["read"] == "R IY D"
    with pytest.raises(KeyError):
        _read_dictionary(path)["a(2)"]


@pytest.mark.parametrize(
    "text",
    [
        "b B IY\na AH\n",  # unsorted
        "a AH\n\nb B IY\n",  # a blank line
        "a AH\r\nb B IY\r\n",  # Windows line ends
        "a AH\nb B IY",  # no newline after the last line
        "",  # empty
        "hello(2) HH EH L OW\nhello HH AH L OW\na AH\n",  # alternates, then out of order
    ],
    ids=["unsorted", "blank-line", "crlf", "no-final-newline", "empty", "alternate-then-unsorted"],
)
def test_other_files_are_read_whole_with_the_same_answers(tmp_path: Path, text: str) -> None:
    path = _write(tmp_path, text)
    assert not isinstance(_read_dictionary(path), _SortedDictionary)
    _agrees(path)


def test_pocketsphinx_dictionary_is_searched_in_place_and_agrees_with_reading_it_whole() -> None:
    path = default_dictionary()
    found = _read_dictionary(path)
    assert isinstance(found, _SortedDictionary)
    reference = _read_all(path)
    words = list(reference)
    sample = [*words[:50], *words[::97], *words[-50:], "zywicki(2)", "aaa", "zzzzzz", "quixotic", "coffee"]
    for word in sample:
        assert found.get(word) == reference.get(word), word
    assert len(found) == len(reference)


def test_lexicon_resolves_dictionary_words_and_guesses_the_rest(tmp_path: Path) -> None:
    lexicon = Lexicon(_write(tmp_path, SORTED))
    assert "hello" in lexicon
    assert "a(2)" not in lexicon
    assert lexicon.phones("read") == "R IY D"
    found = lexicon.resolve(["hello", "zz", "zorblax"])
    assert found.known == frozenset({"hello", "zz"})
    assert found.guessed == ("zorblax",)
    assert found.extra["zorblax"].startswith("Z AO R")


def _lines_by_scanning(path: Path, words: set[str]) -> list[tuple[str, str]]:
    import re

    found = []
    for line in path.read_text().splitlines():
        entry, _, phones = line.strip().partition(" ")
        if entry and re.sub(r"\(\d+\)$", "", entry) in words:
            found.append((entry, phones.strip()))
    return found


@pytest.mark.parametrize("text", [SORTED, "read(2) R EH D\nb B IY\nread R IY D\na AH\n"], ids=["sorted", "unsorted"])
def test_dictionary_lines_give_every_reading_of_the_words_in_file_order(tmp_path: Path, text: str) -> None:
    path = _write(tmp_path, text)
    words = {"read", "hello", "a", "missing", "a(2)"}
    lines = Lexicon(path).dictionary_lines(words)
    assert lines == _lines_by_scanning(path, words - {"a(2)"})
    assert ("read(2)", "R EH D") in lines


def test_dictionary_lines_of_pocketsphinx_dictionary_include_alternates() -> None:
    lexicon = Lexicon()
    words = {"read", "coffee", "the", "a", "latte", "zzzzzz"}
    assert lexicon.dictionary_lines(words) == _lines_by_scanning(lexicon.path, words)
    assert lexicon.dictionary_lines(["the"]) == [("the", "DH AH"), ("the(2)", "DH IY")]
