"""What the NLU and the recogniser produce: an intent with its slots."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Resolution:
    """Entity resolution of a custom-type slot value."""

    authority: str
    """``amzn1.er-authority.echo-sdk.<skillId>.<Type>``-style suffix: the slot type name (the runtime adds the skill id)."""
    matched: bool
    """True gives ER_SUCCESS_MATCH, False ER_SUCCESS_NO_MATCH."""
    name: str | None = None
    """Canonical value name when matched."""
    id: str | None = None
    """Canonical value id when matched and the type gives one."""
    dynamic: bool = False
    """True when the match came from session dynamic entities."""


@dataclass(frozen=True, slots=True)
class SlotValue:
    """One filled slot."""

    name: str
    """The slot's name."""
    type: str
    """The slot's type."""
    value: str
    """Alexa's slot value: the spoken words, or the formatted value for NUMBER, DATE, TIME, DURATION…"""
    spoken: str
    """The words as heard or typed (normalised)."""
    resolutions: tuple[Resolution, ...] = ()
    """Entity resolutions, dynamic first; empty for built-in types."""

    @property
    def resolved(self) -> dict[str, Any] | None:
        """``{"name", "id"}`` of the first match, or None."""
        for r in self.resolutions:
            if r.matched:
                return {"name": r.name, "id": r.id}
        return None


@dataclass(frozen=True, slots=True)
class IntentResult:
    """An utterance resolved to an intent."""

    intent: str
    """Intent name; for the launcher grammar, ``LaunchRequest`` or the one-shot intent."""
    slots: dict[str, SlotValue] = field(default_factory=dict)
    """Filled slots only, keyed by slot name."""
    text: str = ""
    """The normalised words that were matched."""
    skill: str | None = None
    """The invocation name, when the top-level grammar picked the skill."""
    launch: bool = False
    """True for "open <skill>": send a LaunchRequest rather than an IntentRequest."""
    sample: str | None = None
    """The sample utterance that matched, for diagnostics."""

    def to_json(self) -> dict[str, Any]:
        """The stable JSON shape shared by ``parse`` and ``recognize``."""
        out: dict[str, Any] = {
            "intent": self.intent,
            "slots": {n: {"value": s.value, "resolved": s.resolved} for n, s in self.slots.items()},
        }
        if self.skill is not None:
            out["skill"] = self.skill
            out["launch"] = self.launch
        return out
