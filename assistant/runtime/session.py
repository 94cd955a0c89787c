"""One open skill session: what the next request carries and what the runtime waits for.

A :class:`Session` is the engine's mutable state between turns (it is not a result, so it is not frozen). It
lives from the request that opens a skill to the response that ends it, or to the SessionEndedRequest the
runtime sends (``USER_INITIATED``, ``ERROR``, ``EXCEEDED_MAX_REPROMPTS``).

The dialog seam lives here too, below both sides of it: :class:`DialogManager` is what the engine asks about a
dialog, :class:`DialogStep` what a manager answers; ``runtime.dialog`` implements it, ``runtime.engine`` uses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from assistant.grammar.compiler import CompiledGrammar
from assistant.model.types import InteractionModel, TypeValue
from assistant.nlu.result import IntentResult
from assistant.runtime.envelopes import Reply, Speech
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


@dataclass(frozen=True, slots=True)
class DialogStep:
    """What a dialog manager wants done next: send an intent to the skill, or say something itself."""

    intent: dict[str, Any] | None = None
    """``request.intent`` to send in an IntentRequest; None when the runtime answers by itself."""
    dialog_state: str | None = None
    """``request.dialogState`` for ``intent`` (STARTED, IN_PROGRESS, COMPLETED), or None to leave it out."""
    say: Speech | None = None
    """What the runtime says itself when ``intent`` is None (a dialog prompt)."""
    listen: bool = True
    """Whether the microphone reopens after ``say``."""


class DialogManager(Protocol):
    """Runs the dialog model for the engine (docs/alexa-behaviour.md section 3)."""

    def grammar(self, session: Session) -> CompiledGrammar | None:
        """What to listen with while a dialog step waits for an answer; None for the session grammar."""
        ...

    def before_intent(self, session: Session, intent: dict[str, Any], result: IntentResult) -> DialogStep:
        """What to do with an understood intent (``intent`` is the request's intent object, every slot in)."""
        ...

    def after_response(self, session: Session, sent: dict[str, Any], reply: Reply) -> DialogStep | None:
        """What to do after the skill answered ``sent``: None to act on the reply as it is, or a step (the
        engine says the reply's speech first, then carries the step out)."""
        ...
