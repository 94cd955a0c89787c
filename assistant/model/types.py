"""Typed, frozen views of an Alexa interaction model."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.errors import Problem


@dataclass(frozen=True, slots=True)
class TypeValue:
    """One value of a custom slot type."""

    name: str
    """The canonical value, as written in the model."""
    id: str | None = None
    """The value's id, or None when the model gives none."""
    synonyms: tuple[str, ...] = ()
    """Other ways of saying it; they resolve to ``name`` and ``id``."""

    def __reduce__(self) -> tuple[type[TypeValue], tuple[str, str | None, tuple[str, ...]]]:
        return (TypeValue, (self.name, self.id, self.synonyms))  # pickles fast (the grammar and model caches)

    def __repr__(self) -> str:  # the dataclass's own text, without its recursion guard: grammar digests are reprs
        return f"TypeValue(name={self.name!r}, id={self.id!r}, synonyms={self.synonyms!r})"


@dataclass(frozen=True, slots=True)
class SlotType:
    """A custom slot type (or a built-in one the model extends with values)."""

    name: str
    """The type name, e.g. ``SizeType`` or ``AMAZON.Color``."""
    values: tuple[TypeValue, ...] = ()
    """Its values, in model order."""


@dataclass(frozen=True, slots=True)
class Slot:
    """A slot declared on an intent."""

    name: str
    """Slot name as used in ``{name}`` references."""
    type: str
    """Slot type name, custom or ``AMAZON.*``."""
    samples: tuple[str, ...] = ()
    """Utterances that answer an elicitation of this slot, each containing ``{name}``."""
    multiple_values: bool = False
    """Whether the slot accepts a list of values (``multipleValues.enabled``)."""


@dataclass(frozen=True, slots=True)
class Intent:
    """An intent with its samples and slots."""

    name: str
    """Intent name, e.g. ``OrderIntent`` or ``AMAZON.HelpIntent``."""
    slots: tuple[Slot, ...] = ()
    """Declared slots, in model order."""
    samples: tuple[str, ...] = ()
    """Sample utterances as written (built-ins add their standard ones at compile time)."""

    def slot(self, name: str) -> Slot | None:
        """The declared slot with that name."""
        return next((s for s in self.slots if s.name == name), None)

    @property
    def is_builtin(self) -> bool:
        """True for ``AMAZON.*`` intents."""
        return self.name.startswith("AMAZON.")


@dataclass(frozen=True, slots=True)
class Variation:
    """One way of saying a prompt."""

    type: str
    """``PlainText`` or ``SSML``."""
    value: str
    """The text, with ``{slot}`` placeholders."""


@dataclass(frozen=True, slots=True)
class Prompt:
    """A prompt referenced from the dialog model."""

    id: str
    """Prompt id, e.g. ``Elicit.Slot.123.size``."""
    variations: tuple[Variation, ...]
    """Variations; one is picked at random each time."""


@dataclass(frozen=True, slots=True)
class Validation:
    """A slot validation rule of the dialog model."""

    type: str
    """``isInSet``, ``isGreaterThan``, ``hasEntityResolutionMatch``, …"""
    prompt: str
    """Id of the prompt spoken when the rule fails."""
    values: tuple[str, ...] = ()
    """For isInSet / isNotInSet."""
    value: str | None = None
    """For isGreaterThan and friends."""
    start: str | None = None
    """For isInDuration / isNotInDuration."""
    end: str | None = None
    """For isInDuration / isNotInDuration."""


@dataclass(frozen=True, slots=True)
class DialogSlot:
    """The dialog model's settings for one slot."""

    name: str
    """Slot name."""
    type: str
    """Slot type."""
    elicitation_required: bool = False
    """Whether the slot must be filled."""
    confirmation_required: bool = False
    """Whether the user must confirm the value."""
    elicitation_prompt: str | None = None
    """Prompt id used to ask for the slot."""
    confirmation_prompt: str | None = None
    """Prompt id used to confirm the slot."""
    validations: tuple[Validation, ...] = ()
    """Rules checked, in order, when the slot is filled."""


@dataclass(frozen=True, slots=True)
class DialogIntent:
    """The dialog model's settings for one intent."""

    name: str
    """Intent name."""
    delegation_strategy: str | None = None
    """``ALWAYS`` or ``SKILL_RESPONSE``; None inherits the model's."""
    confirmation_required: bool = False
    """Whether the whole intent must be confirmed."""
    confirmation_prompt: str | None = None
    """Prompt id used to confirm the intent."""
    slots: tuple[DialogSlot, ...] = ()
    """Per-slot settings, in the order they are walked."""

    def slot(self, name: str) -> DialogSlot | None:
        """Settings for one slot."""
        return next((s for s in self.slots if s.name == name), None)


DEFAULT_DELEGATION_STRATEGY = "SKILL_RESPONSE"
"""A dialog model that does not set ``delegationStrategy`` delegates manually, as Alexa treats it.

Amazon's interaction model schema makes ``dialog.delegationStrategy`` optional ("ALWAYS: auto delegation on for the
whole skill; SKILL_RESPONSE: off"), https://developer.amazon.com/en-US/docs/alexa/smapi/interaction-model-schema.html,
and auto delegation ("Alexa sends your skill a single IntentRequest when the dialog is complete") is the opt-in
added in 2019, https://developer.amazon.com/en-US/docs/alexa/custom-skills/delegate-dialog-to-alexa.html. Skills
written before it (pet match, 2017; decision tree) leave the field out and get every turn with ``dialogState``
("STARTED", "IN_PROGRESS"), answering ``Dialog.Delegate`` themselves. The console's own "auto delegation on" for new
skills is written into the model as ``"delegationStrategy": "ALWAYS"``, so it is never absent there."""


@dataclass(frozen=True, slots=True)
class Dialog:
    """The dialog model."""

    delegation_strategy: str = DEFAULT_DELEGATION_STRATEGY
    """Model-wide strategy, overridden per intent."""
    intents: tuple[DialogIntent, ...] = ()
    """Intents that take part in dialogs."""

    def intent(self, name: str) -> DialogIntent | None:
        """Dialog settings for one intent."""
        return next((i for i in self.intents if i.name == name), None)

    def strategy(self, intent: str) -> str:
        """Effective delegation strategy for an intent."""
        di = self.intent(intent)
        return (di.delegation_strategy if di and di.delegation_strategy else None) or self.delegation_strategy


@dataclass(frozen=True, slots=True)
class InteractionModel:
    """A whole interaction model for one locale."""

    invocation_name: str
    """The name users say to open the skill, lower case."""
    intents: tuple[Intent, ...]
    """Declared intents, custom and built-in."""
    types: tuple[SlotType, ...] = ()
    """Custom slot types (and built-in types extended with values)."""
    dialog: Dialog | None = None
    """The dialog model, when there is one."""
    prompts: tuple[Prompt, ...] = ()
    """Prompts referenced by the dialog model."""
    locale: str = "en-US"
    """The locale this model is for."""
    source: str = ""
    """Where it was loaded from, for messages."""
    pronunciations: tuple[tuple[str, str], ...] = field(default=())
    """Skill-supplied pronunciations: (word, CMU phones)."""
    warnings: tuple[Problem, ...] = ()
    """Problems Alexa's build accepts, each located; the model is used anyway (``assistant lint`` shows them)."""

    def intent(self, name: str) -> Intent | None:
        """The declared intent with that name."""
        return next((i for i in self.intents if i.name == name), None)

    def type(self, name: str) -> SlotType | None:
        """The custom slot type with that name."""
        return next((t for t in self.types if t.name == name), None)

    def prompt(self, id: str) -> Prompt | None:
        """The prompt with that id."""
        return next((p for p in self.prompts if p.id == id), None)
