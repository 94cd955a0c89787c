"""Installs among other processes and with strangers' names: real processes, real locks, real kills.

- two installs of one invocation name at the same time, in two processes: exactly one succeeds;
- an install killed with SIGKILL half-way leaves its staging folder, and the next listing or install removes it;
- a 300-character invocation name is a clear error, not ``OSError: File name too long``;
- Alexa's invocation-name rules, and look-alike names (full-width, Cyrillic) colliding with installed ones.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_skill_install import leftovers, make_node_skill

from assistant.errors import SkillInstallError
from assistant.model.names import invocation_problems, name_key
from assistant.settings import Settings
from assistant.skills.install import install, remove
from assistant.skills.registry import Registry
from assistant.skills.staging import clean_leftovers

ASSISTANT = [sys.executable, "-m", "assistant.cli.main"]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Where the CLI, given :func:`env_for`, also looks."""
    return Settings(
        data_dir=tmp_path / "data" / "assistant",
        cache_dir=tmp_path / "cache" / "assistant",
        include_bundled=False,
    )


def slow_node_skill(folder: Path, invocation: str) -> Path:
    """A Node skill with a package.json (no dependencies): its install runs npm, which takes about a second."""
    make_node_skill(folder, invocation)
    (folder / "package.json").write_text(json.dumps({"name": folder.name, "version": "1.0.0"}))
    return folder


def env_for(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "XDG_DATA_HOME": str(settings.data_dir.parent),
        "XDG_CACHE_HOME": str(settings.cache_dir.parent),
    }


# --- concurrent installs -----------------------------------------------------------------------------------

RACER = """
import sys, time
from pathlib import Path
from assistant.errors import SkillInstallError
from assistant.settings import Settings
from assistant.skills.install import install
source, data, name, start = sys.argv[1:]
Path(start + "." + name + ".ready").touch()
while not Path(start).exists():
    time.sleep(0.001)
try:
    install(Path(source), Settings(data_dir=Path(data), include_bundled=False), name=name)
except SkillInstallError as error:
    print(error)
    sys.exit(3)
"""


@pytest.mark.parametrize("names", [("one", "two"), ("same", "same")])
def test_two_installs_of_one_name_at_once_do_not_both_succeed(
    tmp_path: Path, settings: Settings, names: tuple[str, str]
) -> None:
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed")
    start = tmp_path / "go"
    racers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                RACER,
                str(slow_node_skill(tmp_path / f"src{i}", "tally keeper")),
                str(settings.data_dir),
                name,
                str(start),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i, name in enumerate(names)
    ]
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("go.*.ready"))) < len(
        set(names)
    ):  # both imported, waiting on the start file
        assert time.monotonic() < deadline
        time.sleep(0.01)
    start.touch()
    outputs = [r.communicate(timeout=120)[0] for r in racers]
    codes = sorted(r.returncode for r in racers)
    assert codes == [0, 3], outputs
    refusal = next(o for o, r in zip(outputs, racers, strict=True) if r.returncode == 3)
    assert "'tally keeper' is already used by installed skill" in refusal or "already installed" in refusal
    installed = Registry(settings).installed()
    assert len(installed) == 1
    assert [p.name for p in installed][0] in names
    assert leftovers(settings) == [installed[0].name]


# --- killed installs ---------------------------------------------------------------------------------------


def test_an_install_killed_half_way_is_cleaned_up_by_the_next_listing(
    tmp_path: Path, settings: Settings
) -> None:
    source = slow_node_skill(tmp_path / "slow", "slow facts")
    process = subprocess.Popen(
        [*ASSISTANT, "skill", "install", str(source)],
        env=env_for(settings), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not (
        settings.skills_dir.is_dir() and any(settings.skills_dir.glob(".staging-*/skill/package.json"))
    ):
        assert process.poll() is None, "the install ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    left = leftovers(settings)
    assert any(n.startswith(".staging-") and not n.endswith(".lock") for n in left), left

    listing = subprocess.run(
        [*ASSISTANT, "skill", "list"], env=env_for(settings), capture_output=True, text=True, timeout=60
    )
    assert listing.returncode == 0, listing.stderr
    assert "left by an install or removal that did not finish" in listing.stdout
    assert leftovers(settings) == []
    assert install(source, settings).name == "slow-facts"  # and the skill installs as usual


def test_a_running_install_is_not_cleaned_up(tmp_path: Path, settings: Settings) -> None:
    """While an install runs (its lock held), clean_leftovers leaves its staging folder alone."""
    source = slow_node_skill(tmp_path / "slow", "slow facts")
    process = subprocess.Popen(
        [*ASSISTANT, "skill", "install", str(source)],
        env=env_for(settings), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not (settings.skills_dir.is_dir() and any(settings.skills_dir.glob(".staging-*/skill"))):
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.005)
        assert clean_leftovers(settings.skills_dir) == []
    finally:
        assert process.wait(timeout=120) == 0
    assert leftovers(settings) == ["slow-facts"]


def test_a_removal_killed_half_way_is_cleaned_up(tmp_path: Path, settings: Settings) -> None:
    install(make_node_skill(tmp_path / "x", "doomed facts"), settings)
    trash = settings.skills_dir / ".removing-0123"
    os.rename(
        settings.skills_dir / "doomed-facts", trash
    )  # where a removal killed after its rename leaves it
    assert Registry(settings).installed() == []
    install(make_node_skill(tmp_path / "y", "other facts"), settings)
    assert leftovers(settings) == ["other-facts"]


# --- names -------------------------------------------------------------------------------------------------


def test_a_300_character_invocation_name_is_a_clear_error(tmp_path: Path, settings: Settings) -> None:
    long_name = " ".join(["tally"] * 50)  # 299 characters
    with pytest.raises(SkillInstallError, match=r"has 299 characters \(at most 50\)"):
        install(make_node_skill(tmp_path / "a", long_name), settings)
    with pytest.raises(SkillInstallError, match=r"the name given with --invocation breaks Alexa's rules"):
        install(make_node_skill(tmp_path / "b", "fine name"), settings, invocation="x" * 300)
    with pytest.raises(SkillInstallError, match=r"skill name 'xxx.*' is not usable: use at most 64"):
        install(make_node_skill(tmp_path / "c", "fine name"), settings, name="x" * 300)
    assert leftovers(settings) == []


def test_the_cli_says_what_is_wrong_with_a_long_name(tmp_path: Path, settings: Settings) -> None:
    source = make_node_skill(tmp_path / "a", "fine name")
    done = subprocess.run(
        [*ASSISTANT, "skill", "install", str(source), "--invocation", "y" * 300],
        env=env_for(settings), capture_output=True, text=True, timeout=60,
    )
    assert done.returncode != 0
    assert "has 300 characters (at most 50)" in done.stderr
    assert "Traceback" not in done.stderr and "File name too long" not in done.stderr


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("open sesame", r"contains a launch phrase: open"),
        ("alexa helper", r"contains a wake word: alexa"),
        ("ask the oracle", r"contains a launch phrase: ask"),
        ("weather by city", r"contains a connecting word: by"),
        ("trivia skill", r"contains a word Alexa does not accept: skill"),
        ("a bicycle", r"two words, one of them an article or preposition: a"),
        ("twenty 1 facts", r"(characters Alexa does not allow|may contain only letters).*'1'"),
        ("tally keeper!", r"(characters Alexa does not allow|may contain only letters).*'!'"),
        ("sam's trivia", None),
        ("a. b. c. news", None),
        ("ab'c facts", r"apostrophe or period outside a possessive"),
        ("barista", r"(?s)is one word.*--brand if that one word is the skill's brand"),
    ],
)
def test_alexa_rules_refuse_names_at_install(
    tmp_path: Path, settings: Settings, name: str, expected: str | None
) -> None:
    source = make_node_skill(tmp_path / "s", name)
    if expected is None:
        assert install(source, settings).name
        return
    with pytest.raises(SkillInstallError, match=expected) as caught:
        install(source, settings)
    assert "breaks Alexa's rules" in str(caught.value) or "invalid interaction model" in str(caught.value)
    assert leftovers(settings) == []


def test_one_word_is_allowed_for_a_brand_and_in_german(tmp_path: Path, settings: Settings) -> None:
    assert install(make_node_skill(tmp_path / "a", "barista"), settings, brand=True).name == "barista"
    assert invocation_problems("farbwähler", "de-DE") == []
    assert [p.severity for p in invocation_problems("farbwähler", "en-US")] == ["error", "warning"]


@pytest.mark.parametrize(
    "look_alike",
    [
        "ｔａｌｌｙ ｋｅｅｐｅｒ",  # full-width, the case
        "t\u0430lly keeper",  # Cyrillic а
        "tally  KEEPER",
    ],
)
def test_look_alike_names_collide_with_the_installed_one(
    tmp_path: Path, settings: Settings, look_alike: str
) -> None:
    first = install(make_node_skill(tmp_path / "a", "tally keeper"), settings)
    for index, how in enumerate(({"invocation": look_alike}, {})):
        source = make_node_skill(tmp_path / f"b{index}", look_alike if not how else "other name")
        with pytest.raises(
            SkillInstallError, match=r"(looks the same as 'tally keeper'|'tally keeper' is already used)"
        ):
            install(source, settings, name=f"copy-{index}", **how)
    registry = Registry(settings)
    assert registry.installed() == [first]
    assert registry.get(look_alike) == first  # "open ｔａｌｌｙ ｋｅｅｐｅｒ" still means the installed skill


def test_name_key_folds_look_alikes_only() -> None:
    assert name_key("ｔａｌｌｙ ｋｅｅｐｅｒ") == name_key("tally keeper")
    assert name_key("t\u0430lly k\u0435\u0435p\u0435r") == name_key("tally keeper")  # Cyrillic а, е
    assert name_key("\U0001d42d\U0001d41a\U0001d425\U0001d425\U0001d432 keeper") == name_key(
        "tally keeper"
    )  # bold
    assert name_key("TALLY\u00a0KEEPER") == name_key("tally keeper")  # no-break space, capitals
    assert name_key("tally keeper") != name_key("tally sweeper")
    assert name_key("farbwähler") != name_key("farbwahler")  # an umlaut is a different letter


def test_remove_finds_a_skill_by_a_look_alike_name(tmp_path: Path, settings: Settings) -> None:
    install(make_node_skill(tmp_path / "a", "tally keeper"), settings)
    remove("ｔａｌｌｙ ｋｅｅｐｅｒ", settings)
    assert leftovers(settings) == []
