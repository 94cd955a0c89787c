"""The second validation pass: the cross-references a schema cannot express (slot types, ``{slot}`` references,
dialog intents and slots, prompt ids, validation rules, duplicates), run over a valid or broken model alike."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .builtins import BUILTIN_SLOT_TYPES, VALIDATION_TYPES
from .reading import LANGUAGE_MODEL, Report, all_named, as_object, object_items, shortened, usable_name

_SLOT_REF = re.compile(r"\{([^{}]*)\}")


_COMPARISONS = frozenset({"isGreaterThan", "isGreaterThanOrEqualTo", "isLessThan", "isLessThanOrEqualTo"})


_SETS = frozenset({"isInSet", "isNotInSet"})


_DURATIONS = frozenset({"isInDuration", "isNotInDuration"})


@dataclass(slots=True)
class Checker:
    """The cross-reference rules a schema cannot express, run over a schema-checked or broken model alike."""

    im: dict[str, Any]
    """The ``interactionModel`` object."""
    report: Report
    """Where problems go."""
    intent_slots: dict[str, dict[str, str | None]] = field(default_factory=dict)
    """Declared slots (name -> type) of each intent."""
    unreadable: set[str] = field(default_factory=set)
    """Intents (``""`` for the intent list itself) whose list of names the schema already reports as broken, so
    that a dialog's reference to them is not reported a second time."""
    prompt_ids: set[str] = field(default_factory=set)
    """Ids of the declared prompts."""

    def run(self) -> None:
        """Run every rule."""
        lm = as_object(self.im.get("languageModel"))
        self.invocation_name(lm.get("invocationName"))
        types = self.types(lm.get("types"))
        self.intents(lm.get("intents"), types)
        self.prompts(self.im.get("prompts"))
        dialog = as_object(self.im.get("dialog"))
        for index, intent in object_items(dialog.get("intents")):
            self.dialog_intent(index, intent)
        self.duplicates(dialog.get("intents"), "/interactionModel/dialog/intents", "dialog intent")

    def add(self, message: str, pointer: str, subject: str | None = None) -> None:
        """Record a problem."""
        self.report.add(message, pointer, subject)

    def duplicates(self, items: object, pointer: str, label: str, key: str = "name") -> None:
        """Report every item whose ``key`` repeats an earlier one's."""
        first: dict[str, int] = {}
        for index, item in object_items(items):
            name = usable_name(item.get(key))
            if name is None:
                continue
            if name in first:
                self.add(
                    f"duplicate {label} {name!r} (first at index {first[name]})",
                    f"{pointer}/{index}",
                    f"{label} {name}",
                )
            else:
                first[name] = index

    def invocation_name(self, value: object) -> None:
        """Non-empty, and only letters, spaces, apostrophes and periods once lower-cased."""
        if not isinstance(value, str):
            return
        name = " ".join(value.lower().split())
        bad = sorted({c for c in name if not (c.isalpha() or c in " '.")})
        if not name:
            self.add("invocation name is empty", f"{LANGUAGE_MODEL}/invocationName")
        elif bad:
            self.add(
                f"invocation name {shortened(name)} may contain only letters, spaces, apostrophes and periods "
                f"(found {' '.join(repr(c) for c in bad)}; spell numbers out)",
                f"{LANGUAGE_MODEL}/invocationName",
            )

    def types(self, types: object) -> set[str]:
        """Declared custom type names; duplicates are reported."""
        self.duplicates(types, f"{LANGUAGE_MODEL}/types", "type")
        return {name for _, t in object_items(types) if (name := usable_name(t.get("name")))}

    def intents(self, intents: object, types: set[str]) -> None:
        """Slots, slot types and samples of every intent, and duplicate names."""
        self.duplicates(intents, f"{LANGUAGE_MODEL}/intents", "intent")
        if not all_named(intents):
            self.unreadable.add("")
        for index, intent in object_items(intents):
            name = usable_name(intent.get("name"))
            if name is None:
                continue
            base = f"{LANGUAGE_MODEL}/intents/{index}"
            self.duplicates(intent.get("slots"), f"{base}/slots", "slot")
            slots: dict[str, str | None] = {}
            if "slots" in intent and not all_named(intent["slots"]):
                self.unreadable.add(name)
            for s_index, slot in object_items(intent.get("slots")):
                slot_name = usable_name(slot.get("name"))
                if slot_name is None:
                    continue
                slot_type = usable_name(slot.get("type"))
                slots.setdefault(slot_name, slot_type)
                subject = f"intent {name}, slot {slot_name}"
                if slot_type and slot_type not in types and slot_type not in BUILTIN_SLOT_TYPES:
                    hint = (
                        "; declare it under languageModel.types"
                        if not slot_type.startswith("AMAZON.")
                        else ""
                    )
                    self.add(
                        f"slot type {slot_type!r} is neither a custom type of this model nor an Amazon "
                        f"built-in type{hint}",
                        f"{base}/slots/{s_index}/type",
                        subject,
                    )
            self.intent_slots.setdefault(name, slots)
            for s_index, slot in object_items(intent.get("slots")):
                slot_name = usable_name(slot.get("name"))
                samples = slot.get("samples")
                if slot_name is None or not isinstance(samples, list):
                    continue
                for k, sample in enumerate(samples):
                    if isinstance(sample, str):
                        self.sample(
                            sample,
                            slots,
                            f"{base}/slots/{s_index}/samples/{k}",
                            f"intent {name}, slot {slot_name}",
                            own=slot_name,
                        )
            samples = intent.get("samples")
            if isinstance(samples, list):
                for k, sample in enumerate(samples):
                    if isinstance(sample, str):
                        self.sample(sample, slots, f"{base}/samples/{k}", f"intent {name}")

    def sample(
        self, text: str, slots: dict[str, str | None], pointer: str, subject: str, own: str | None = None
    ) -> None:
        """Braces balance, every ``{slot}`` is declared, and a slot's own samples contain it."""
        depth = 0
        for char in text:
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
            if depth not in (0, 1):
                break
        if depth != 0:
            self.add(f"unbalanced braces in sample {shortened(text)}", pointer, subject)
            return
        refs = _SLOT_REF.findall(text)
        for ref in refs:
            if ref not in slots:
                declared = ", ".join(slots) or "none"
                self.add(
                    f"sample {shortened(text)} refers to slot {{{ref}}}, which the intent does not declare "
                    f"(declared: {declared})",
                    pointer,
                    subject,
                )
        if own is not None and own not in refs:
            # Alexa's build accepts it (pet match, 2017, has ' {temperament} {pet}' among its size samples): said
            # while {own} is elicited, it fills the other slots and leaves {own} to be asked again.
            self.report.warn(
                f"slot sample {shortened(text)} does not contain {{{own}}}: it fills other slots, never {{{own}}}",
                pointer,
                subject,
            )

    def prompts(self, prompts: object) -> None:
        """Prompt ids, and duplicate ids."""
        self.duplicates(prompts, "/interactionModel/prompts", "prompt", key="id")
        self.prompt_ids = {pid for _, p in object_items(prompts) if (pid := usable_name(p.get("id")))}

    def prompt_ref(self, value: object, pointer: str, subject: str) -> None:
        """A prompt id used by the dialog must be declared."""
        pid = usable_name(value)
        if pid is not None and pid not in self.prompt_ids:
            self.add(f"prompt {pid!r} is not declared in interactionModel.prompts", pointer, subject)

    def dialog_intent(self, index: int, intent: dict[str, Any]) -> None:
        """The intent and its slots exist; every prompt they use is declared; validations are well formed."""
        name = usable_name(intent.get("name"))
        if name is None:
            return
        base = f"/interactionModel/dialog/intents/{index}"
        subject = f"dialog intent {name}"
        slots = self.intent_slots.get(name)
        if slots is None and "" not in self.unreadable:
            self.add(f"dialog intent {name!r} is not declared in the language model", f"{base}/name", subject)
        prompts = as_object(intent.get("prompts"))
        if intent.get("confirmationRequired") is True and "confirmation" not in prompts:
            self.add(
                "intent requires confirmation but has no confirmation prompt", f"{base}/prompts", subject
            )
        self.prompt_ref(prompts.get("confirmation"), f"{base}/prompts/confirmation", subject)
        self.duplicates(intent.get("slots"), f"{base}/slots", "slot")
        for s_index, slot in object_items(intent.get("slots")):
            slot_name = usable_name(slot.get("name"))
            if slot_name is None:
                continue
            at = f"{base}/slots/{s_index}"
            slot_subject = f"{subject}, slot {slot_name}"
            if slots is not None and slot_name not in slots and name not in self.unreadable:
                self.add(
                    f"slot {slot_name!r} is not declared on intent {name} in the language model",
                    f"{at}/name",
                    slot_subject,
                )
            prompts = as_object(slot.get("prompts"))
            for flag, kind in (
                ("elicitationRequired", "elicitation"),
                ("confirmationRequired", "confirmation"),
            ):
                if slot.get(flag) is True and kind not in prompts:
                    self.add(f"slot requires {kind} but has no {kind} prompt", f"{at}/prompts", slot_subject)
                self.prompt_ref(prompts.get(kind), f"{at}/prompts/{kind}", slot_subject)
            for v_index, rule in object_items(slot.get("validations")):
                self.validation(rule, f"{at}/validations/{v_index}", slot_subject)

    def validation(self, rule: dict[str, Any], pointer: str, subject: str) -> None:
        """A known rule type with the arguments it needs, and a declared prompt."""
        kind = usable_name(rule.get("type"))
        self.prompt_ref(rule.get("prompt"), f"{pointer}/prompt", subject)
        if kind is None:
            return
        if kind not in VALIDATION_TYPES:
            self.add(
                f"unknown validation type {kind!r}; known: {', '.join(sorted(VALIDATION_TYPES))}",
                f"{pointer}/type",
                subject,
            )
        elif kind in _SETS and not (isinstance(rule.get("values"), list) and rule["values"]):
            self.add(f"{kind} needs a non-empty 'values' list", pointer, subject)
        elif kind in _COMPARISONS and not isinstance(rule.get("value"), str | int | float):
            self.add(f"{kind} needs a 'value'", pointer, subject)
        elif kind in _DURATIONS and not ("start" in rule or "end" in rule):
            self.add(f"{kind} needs 'start' and/or 'end'", pointer, subject)
