"""One open skill session: what the next request carries and what the runtime waits for.

A :class:`Session` is the engine's mutable state between turns (it is not a result, so it is not frozen). It
lives from the request that opens a skill to the response that ends it, or to the SessionEndedRequest the
runtime sends (``USER_INITIATED``, ``ERROR``, ``EXCEEDED_MAX_REPROMPTS``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.grammar.compiler import CompiledGrammar
from assistant.model.types import InteractionModel, TypeValue
from assistant.runtime.envelopes import Speech
from assistant.skills.package import SkillPackage


@dataclass(slots=True)
class DialogState:
    """Where a multi-turn dialog stands (kept by the dialog manager, read by the engine)."""

    intent: dict[str, Any]
    """The intent being filled, as last sent or as the skill's ``updatedIntent`` gave it."""
    directive: str
    """The last Dialog directive: ``Dialog.Delegate``, ``Dialog.ElicitSlot``, ``Dialog.ConfirmSlot``,
    ``Dialog.ConfirmIntent``."""
    slot: str | None = None
    """The slot being elicited or confirmed."""


@dataclass(slots=True)
class Session:
    """An open session with one skill."""

    package: SkillPackage
    """The skill."""
    model: InteractionModel
    """Its interaction model in the current locale (invocation name as the registry says)."""
    grammar: CompiledGrammar
    """Its in-session grammar (with the session's dynamic entities, once it has any)."""
    session_id: str
    """``session.sessionId`` of every request of this session."""
    new: bool = True
    """``session.new`` of the next request: true only for the first."""
    attributes: dict[str, Any] = field(default_factory=dict)
    """``sessionAttributes`` of the last response, sent back as ``session.attributes``."""
    reprompt: Speech | None = None
    """The last response's reprompt, said when the user is silent."""
    reprompted: bool = False
    """True once the reprompt has been said for the current silence; the next silence ends the session."""
    listening: bool = False
    """True when the last response asked the user something (the microphone reopens)."""
    dialog: DialogState | None = None
    """A dialog in progress, or None."""
    dynamic: dict[str, tuple[TypeValue, ...]] = field(default_factory=dict)
    """Dynamic entities the skill set with ``Dialog.UpdateDynamicEntities``, by slot type."""

    @property
    def skill(self) -> str:
        """The skill's name."""
        return self.package.name

    def take_new(self) -> bool:
        """``session.new`` for the request about to be sent; false for every later one."""
        new, self.new = self.new, False
        return new
