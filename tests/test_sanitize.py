"""What a skill says is stripped of terminal control sequences before it is printed."""

from __future__ import annotations

import io

import pytest

from assistant.cli.chat_cmd import show
from assistant.runtime.engine import Turn
from assistant.skills.sanitize import printable


@pytest.mark.parametrize(
    ("said", "shown"),
    [
        ("plain words, é ü 日本", "plain words, é ü 日本"),
        ("tab\tand\nnewline stay", "tab\tand\nnewline stay"),
        ("\x1b[31mred\x1b[0m", "red"),  # colours (CSI)
        ("\x1b[2J\x1b[Hcleared", "cleared"),  # clear screen, cursor home
        ("up\x1b[1A\x1b[2Kover", "upover"),  # rewrite the line above
        ("\x1b]0;owned\x07title", "title"),  # window title (OSC ... BEL)
        ("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link"),  # hyperlink (OSC ... ST)
        ("\x1bP+q\x1b\\dcs", "dcs"),  # device control string
        ("\x9b2Jc1", "c1"),  # C1 CSI
        ("bell\x07 back\x08space\rcr\x00nul\x7fdel", "bell backspacecrnuldel"),
        ("\x1b(0charset", "charset"),
        ("\x1bc reset", " reset"),
    ],
)
def test_printable(said: str, shown: str) -> None:
    assert printable(said) == shown


def test_chat_prints_a_skills_words_without_escapes() -> None:
    turn = Turn(
        heard="open evil",
        result=None,
        skill="evil",
        requests=(),
        responses=(),
        speech="Hello \x1b[2J\x1b]0;pwned\x07there.",
        speech_ssml=False,
        reprompt=None,
        card={"type": "Simple", "title": "\x1b[31mTitle", "content": "body\x1b[0m"},
        session_open=False,
        listen=False,
        error="skill 'evil' raised: \x1b[8mhidden",
    )
    out = io.StringIO()
    show(turn, False, out)
    assert "\x1b" not in out.getvalue() and "\x07" not in out.getvalue()
    assert "alexa> Hello there." in out.getvalue() and "card: Title: body" in out.getvalue()
