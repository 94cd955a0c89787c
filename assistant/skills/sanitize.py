"""Text a skill wrote is untrusted: what it says is shown on the user's terminal only after ``printable``.

A skill could otherwise move the cursor, rewrite lines already shown, change the window title, or hide text
(ANSI/VT escape sequences), or ring and clear with raw control characters.
"""

from __future__ import annotations

import re

_ESCAPE_SEQUENCE = re.compile(
    r"""
    (?:\x1b\[|\x9b) [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]              # CSI: ESC [ or 0x9B, params, final byte
  | (?:\x1b[\]P^_X]|[\x90\x98\x9d\x9e\x9f]) .*? (?:\x07|\x1b\\|\x9c|$)  # OSC, DCS, PM, APC, SOS … up to ST or BEL
  | \x1b [\x20-\x2f]* [\x30-\x7e]?                                     # any other escape sequence
    """,
    re.VERBOSE | re.DOTALL,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""C0 controls but tab and newline, DEL, and C1 controls."""


def printable(text: str) -> str:
    """``text`` without terminal escape sequences and control characters (newline and tab are kept)."""
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text))
