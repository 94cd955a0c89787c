"""Compiled grammars and validated models kept on disk: used when nothing changed, rebuilt when the model, the
compiler or the dictionary changed, and a damaged entry is ignored and rebuilt. Real files, a real `chat` process."""

from __future__ import annotations

import json
import logging
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.grammar import compiler
from assistant.grammar.cache import GrammarCache
from assistant.grammar.compiler import compile_launcher, compile_session, default_lexicon
from assistant.model import diskcache, loader
from assistant.model.diskcache import DiskCache
from assistant.model.loader import load_model
from assistant.nlu.parser import parse
from bench.scale import slot_values, write_skill

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def skill(tmp_path: Path) -> Path:
    return write_skill(tmp_path / "big-list", slot_values(300, seed=5))


@pytest.fixture
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget the grammars compiled in this process, as a new process would."""
    monkeypatch.setattr(compiler, "_CACHE", {})


def no_compiling(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("compiled although the cache holds the grammar")

    monkeypatch.setattr(compiler._Builder, "finish", refuse)


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pickle"))


def test_a_grammar_is_compiled_once_then_read_from_disk(
    tmp_path: Path, skill: Path, fresh_process: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = GrammarCache(tmp_path / "grammars")
    model = load_model(skill)
    first = compile_session(model, disk=disk)
    launcher = compile_launcher([model], disk=disk)
    assert len(entries(disk.folder)) == 2

    monkeypatch.setattr(compiler, "_CACHE", {})
    no_compiling(monkeypatch)
    again = compile_session(model, disk=disk)
    assert again == first and again is not first
    assert compile_launcher([model], disk=disk) == launcher
    result = parse("pick cold brew", again)
    assert result is not None and result.slots["item"].value == "cold brew"


@pytest.mark.parametrize("change", ["model", "compiler", "dictionary"])
def test_a_change_misses_the_cache(
    tmp_path: Path, skill: Path, fresh_process: None, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    disk = GrammarCache(tmp_path / "grammars")
    model = load_model(skill)
    compile_session(model, disk=disk)
    monkeypatch.setattr(compiler, "_CACHE", {})
    if change == "model":
        data = json.loads((skill / "en-US.json").read_text())
        data["interactionModel"]["languageModel"]["types"][0]["values"].append(
            {"name": {"value": "new thing"}}
        )
        (skill / "en-US.json").write_text(json.dumps(data))
        model = load_model(skill)
    elif change == "compiler":
        monkeypatch.setattr(diskcache, "code_fingerprint", lambda: "another compiler")
    else:
        dictionary = tmp_path / "dictionary.dict"
        shutil.copy(default_lexicon().path, dictionary)
        monkeypatch.setattr(default_lexicon(), "path", dictionary)  # the same words, another file
    grammar = compile_session(model, disk=disk)
    assert len(entries(disk.folder)) == 2
    if change == "model":
        assert parse("pick new thing", grammar) is not None
    if change == "dictionary":  # and touching the file is a change too
        os.utime(dictionary, ns=(1, 1))
        monkeypatch.setattr(compiler, "_CACHE", {})
        compile_session(model, disk=disk)
        assert len(entries(disk.folder)) == 3


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"not a pickle at all",
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: pickle.dumps((diskcache.FORMAT, "another key", "not a grammar")),
        lambda data: pickle.dumps(("something else",)),
        lambda data: b"",
    ],
)
def test_a_damaged_entry_is_ignored_and_rebuilt(
    tmp_path: Path,
    skill: Path,
    fresh_process: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    damage,  # type: ignore[no-untyped-def]
) -> None:
    disk = GrammarCache(tmp_path / "grammars")
    model = load_model(skill)
    good = compile_session(model, disk=disk)
    (entry,) = entries(disk.folder)
    entry.write_bytes(damage(entry.read_bytes()))
    monkeypatch.setattr(compiler, "_CACHE", {})
    with caplog.at_level(logging.WARNING):
        rebuilt = compile_session(model, disk=disk)
    assert rebuilt == good
    assert "unusable cache entry" in caplog.text
    monkeypatch.setattr(compiler, "_CACHE", {})
    no_compiling(monkeypatch)
    assert compile_session(model, disk=disk) == good  # the entry was written again, whole


def test_an_unwritable_cache_only_logs(
    tmp_path: Path, skill: Path, fresh_process: None, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    with caplog.at_level(logging.WARNING):
        grammar = compile_session(load_model(skill), disk=GrammarCache(blocker / "grammars"))
    assert grammar.fsa is not None
    assert "cannot write the cache entry" in caplog.text


def test_dynamic_entities_are_not_kept_on_disk(tmp_path: Path, skill: Path, fresh_process: None) -> None:
    from assistant.model.types import TypeValue

    disk = GrammarCache(tmp_path / "grammars")
    compile_session(load_model(skill), {"Items": (TypeValue("special"),)}, disk=disk)
    assert entries(disk.folder) == []


def test_the_cache_keeps_the_most_recent_entries(tmp_path: Path) -> None:
    disk = DiskCache(tmp_path / "c", max_entries=3)
    for n in range(5):
        disk.store(f"k{n}", n)
        os.utime(disk.folder / f"k{n}.pickle", ns=(n * 10**9, n * 10**9))
    assert [p.stem for p in entries(disk.folder)] == ["k2", "k3", "k4"]
    assert disk.load("k3", lambda v: v == 3) == 3
    assert disk.load("k0", lambda v: True) is None


def test_a_validated_model_is_read_from_disk_until_its_file_changes(
    tmp_path: Path, skill: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = DiskCache(tmp_path / "models")
    first = load_model(skill, "en-US", disk)
    real = loader._load

    def refuse(*args: object) -> None:
        raise AssertionError("validated although the cache holds the model")

    monkeypatch.setattr(loader, "_load", refuse)
    assert load_model(skill, "en-US", disk) == first
    (skill / "pronunciations.txt").write_text("picky P IH K IY\n")  # a file the model depends on
    monkeypatch.setattr(loader, "_load", real)
    assert load_model(skill, "en-US", disk).pronunciations == (("picky", "P IH K IY"),)


def test_chat_starts_from_the_cache_and_survives_a_damaged_one(tmp_path: Path) -> None:
    """Two real `assistant chat` processes over an installed skill: the second reads what the first cached."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "PYTHONPATH": str(ROOT)}
    skill = write_skill(tmp_path / "big-list", slot_values(2000, seed=9))
    assistant = [sys.executable, "-m", "assistant.cli.main"]
    subprocess.run([*assistant, "skill", "install", str(skill)], env=env, check=True, capture_output=True)
    grammars = tmp_path / "cache" / "assistant" / "grammars"

    def chat() -> str:
        done = subprocess.run(
            [*assistant, "chat", "--no-bundled", "open big list"], env=env, capture_output=True, text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "picked" in chat()
    cached = entries(grammars)
    assert len(cached) == 2  # the launcher and the skill's session grammar
    assert len(entries(tmp_path / "cache" / "assistant" / "models")) == 1
    inodes = {p: p.stat().st_ino for p in cached}
    os.utime(cached[0], ns=(1, 1))
    assert "picked" in chat()
    assert entries(grammars) == cached
    assert {p: p.stat().st_ino for p in cached} == inodes  # read, not written again (a write is a new file)
    assert cached[0].stat().st_mtime_ns > 1  # and marked as recently used
    for entry in cached:
        entry.write_bytes(b"garbage")
    assert "picked" in chat()
    assert all(p.stat().st_size > 1000 for p in entries(grammars))  # rebuilt
