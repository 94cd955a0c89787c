"""SSML as Alexa skills write it: readable text for the console, and per-sentence SSML that espeak-ng can speak.

Parsing is a forgiving tag tokenizer rather than an XML parser: skills send SSML with undeclared namespace
prefixes (``amazon:effect``), bare ``&`` and the odd unclosed tag, and none of that may stop the reply.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass

log = logging.getLogger(__name__)

_TOKEN = re.compile(r"(<!--.*?-->|<[^<>]*>)", re.DOTALL)
_TAG = re.compile(r"<\s*(/?)\s*([A-Za-z][\w:.-]*)((?:\s+[^<>]*?)?)\s*(/?)\s*>", re.DOTALL)
_ATTR = re.compile(r"([A-Za-z_][\w:.-]*)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"')\]]))\s+")
_BARE_AMP = re.compile(r"&(?!#\d+;|#x[0-9A-Fa-f]+;|[A-Za-z]+;)")

ESPEAK_TAGS = frozenset({"speak", "break", "say-as", "emphasis", "prosody", "p", "s", "sub"})
"""SSML elements passed to espeak-ng; every other tag is removed (its text kept) so it is not read aloud."""
_SPELLED = frozenset({"characters", "spell-out", "letters"})
_DIGITS = frozenset({"digits", "telephone"})


@dataclass(frozen=True, slots=True)
class _Tag:
    """One parsed tag."""

    name: str
    """Lower-case element name, with any namespace prefix (``amazon:effect``)."""
    closing: bool
    """``</name>``."""
    empty: bool
    """``<name/>``."""
    attrs: dict[str, str]
    """Attribute values, entities unescaped."""
    raw: str
    """The tag as written."""


@dataclass(frozen=True, slots=True)
class AudioClip:
    """An ``<audio src="...">`` in SSML: a sound to play between spoken sentences."""

    src: str
    """The ``src`` attribute as written: a URL or a local path."""


def _parse_tag(token: str) -> _Tag | None:
    m = _TAG.fullmatch(token)
    if m is None:
        return None
    attrs = {a.lower(): html.unescape(v1 or v2) for a, v1, v2 in _ATTR.findall(m.group(3))}
    return _Tag(m.group(2).lower(), m.group(1) == "/", m.group(4) == "/", attrs, token)


def _spell(text: str) -> str:
    return " ".join(ch for ch in text if not ch.isspace())


def _ordinal(text: str) -> str:
    t = text.strip()
    if not t.isdigit():
        return text
    n = int(t)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{t}{suffix}"


def spoken_text(text: str | None, ssml: bool) -> str:
    """What a listener hears of a skill's speech, as text: the one place SSML is shown (``chat``, ``run``,
    transcripts, the Wyoming server); "" for nothing."""
    if not text:
        return ""
    return ssml_to_text(text) if ssml else text.strip()


def ssml_to_text(ssml: str) -> str:
    """Readable text of SSML for the console: tags gone, spelled-out say-as spelled, entities unescaped.

    Never raises: SSML it cannot make sense of has its tags stripped.
    """
    try:
        return _tidy(_render_text(ssml))
    except Exception:  # a display helper must not fail a reply; the fallback below is always usable
        log.debug("cannot render SSML %r; stripping tags", ssml, exc_info=True)
        return _tidy(html.unescape(re.sub(r"<[^>]*>?", " ", ssml)))


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r" ([.,!?;:])", r"\1", text)


def _render_text(ssml: str) -> str:
    # Each open element gets its own buffer, so a closing say-as or sub can transform what it enclosed.
    stack: list[tuple[_Tag | None, list[str]]] = [(None, [])]
    for token in _TOKEN.split(ssml):
        if not token or token.startswith("<!--"):
            continue
        tag = _parse_tag(token) if token.startswith("<") else None
        if tag is None:
            stack[-1][1].append(html.unescape(re.sub(r"<[A-Za-z/!][^>]*$", "", token)))
        elif tag.closing:
            names = [t.name for t, _ in stack[1:] if t is not None]
            if tag.name not in names:
                continue  # a stray closing tag
            while True:
                open_tag, parts = stack.pop()
                stack[-1][1].append(_close_text(open_tag, "".join(parts)))
                if open_tag is not None and open_tag.name == tag.name:
                    break
        elif tag.name == "break" or tag.name in ("p", "s") or tag.empty:
            stack[-1][1].append(" ")
        else:
            stack.append((tag, []))
    while len(stack) > 1:  # unclosed elements keep their text
        open_tag, parts = stack.pop()
        stack[-1][1].append(_close_text(open_tag, "".join(parts)))
    return "".join(stack[0][1])


def _close_text(tag: _Tag | None, inner: str) -> str:
    if tag is None:
        return inner
    if tag.name == "say-as":
        kind = tag.attrs.get("interpret-as", "").lower()
        if kind in _SPELLED or kind in _DIGITS:
            return _spell(inner)
        if kind == "ordinal":
            return _ordinal(inner)
    if tag.name == "sub" and "alias" in tag.attrs:
        return tag.attrs["alias"]
    if tag.name == "audio":
        return " "
    if tag.name in ("p", "s"):
        return f" {inner} "
    return inner


def espeak_segments(ssml: str) -> list[str | AudioClip]:
    """SSML cut into what espeak-ng can speak, one ``<speak>`` document per sentence, and the audio between.

    Tags espeak-ng does not know are removed (their text kept); say-as digits and ordinals are rewritten into
    what espeak-ng reads correctly; a sentence that would only hold a break is joined to its neighbour.
    """
    segments: list[str | AudioClip] = []
    stack: list[_Tag] = []  # open elements that espeak-ng knows, besides <speak>
    current: list[str] = []
    has_text = False
    say_as: _Tag | None = None
    in_audio = False

    def cut() -> None:
        nonlocal current, has_text
        if not has_text:
            return  # nothing to speak yet: its breaks go with the next sentence
        segments.append("".join(current) + "".join(f"</{t.name}>" for t in reversed(stack)))
        current = [t.raw for t in stack]
        has_text = False

    for token in _TOKEN.split(ssml):
        if not token or token.startswith("<!--"):
            continue
        tag = _parse_tag(token) if token.startswith("<") else None
        if tag is None:
            if in_audio:
                continue
            text = re.sub(r"<[A-Za-z/!][^>]*$", "", token).replace("<", " ").replace(">", " ")
            if say_as is not None:
                kind = say_as.attrs.get("interpret-as", "").lower()
                text = _spell(text) if kind in _DIGITS else _ordinal(text) if kind == "ordinal" else text
                current.append(_BARE_AMP.sub("&amp;", text))
                has_text = has_text or bool(text.strip())
                continue
            pieces = _SENTENCE_END.split(text)
            for i, piece in enumerate(pieces):
                if i:
                    current.append(" ")
                    cut()
                current.append(_BARE_AMP.sub("&amp;", piece))
                has_text = has_text or bool(html.unescape(piece).strip())
        elif tag.name == "audio":
            if tag.closing:
                in_audio = False
                continue
            cut()
            if "src" in tag.attrs:
                segments.append(AudioClip(tag.attrs["src"]))
            in_audio = not tag.empty
        elif in_audio or tag.name == "speak" or tag.name not in ESPEAK_TAGS:
            continue
        elif tag.closing:
            if tag.name == "say-as":
                say_as = None
            if any(t.name == tag.name for t in stack):
                while stack:
                    open_tag = stack.pop()
                    current.append(f"</{open_tag.name}>")
                    if open_tag.name == tag.name:
                        break
            if tag.name in ("p", "s"):
                cut()
        elif tag.empty or tag.name == "break":
            current.append(tag.raw if tag.empty else tag.raw[:-1].rstrip() + "/>")
        else:
            if tag.name in ("p", "s"):
                cut()
            if tag.name == "say-as":
                say_as = tag
            stack.append(tag)
            current.append(tag.raw)
    current += [f"</{t.name}>" for t in reversed(stack)]
    stack.clear()
    cut()
    if current and "".join(current).strip() and segments and isinstance(segments[-1], str):
        segments[-1] += "".join(current)
    return [f"<speak>{s}</speak>" if isinstance(s, str) else s for s in segments]


def split_sentences(text: str) -> list[str]:
    """Plain text cut after ``.``, ``!`` or ``?`` followed by space; empty pieces dropped."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]
