"""The frozen model types (``assistant.model.types``) built from a model that passed both validation passes."""

from __future__ import annotations

from typing import Any

from .languages import builtin_utterances
from .reading import as_object
from .types import (
    DEFAULT_DELEGATION_STRATEGY,
    Dialog,
    DialogIntent,
    DialogSlot,
    Intent,
    InteractionModel,
    Prompt,
    Slot,
    SlotType,
    TypeValue,
    Validation,
    Variation,
)


def _scalar(value: object) -> str:
    """A validation argument as text: ``5`` and ``5.0`` both become ``"5"``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def build_model(im: dict[str, Any], locale: str, source: str) -> InteractionModel:
    """The frozen model from a validated ``interactionModel`` object."""
    lm = im["languageModel"]
    intents = []
    for item in lm["intents"]:
        slots = tuple(
            Slot(
                name=s["name"],
                type=s["type"],
                samples=tuple(s.get("samples", ())),
                multiple_values=as_object(s.get("multipleValues")).get("enabled") is True,
            )
            for s in item.get("slots", ())
        )
        samples = tuple(item.get("samples", ()))
        standard = builtin_utterances(item["name"], locale)  # in the model's language
        intents.append(
            Intent(name=item["name"], slots=slots, samples=tuple(dict.fromkeys((*standard, *samples))))
        )
    types = tuple(
        SlotType(
            name=t["name"],
            values=tuple(
                TypeValue(
                    name=v["name"]["value"],
                    id=v.get("id") or None,
                    synonyms=tuple(v["name"].get("synonyms", ())),
                )
                for v in t.get("values", ())
            ),
        )
        for t in lm.get("types", ())
    )
    declared = {i.name: i for i in intents}
    dialog = None
    if isinstance(im.get("dialog"), dict):
        d = im["dialog"]
        dialog = Dialog(
            # Absent means SKILL_RESPONSE (see types.DEFAULT_DELEGATION_STRATEGY).
            delegation_strategy=d.get("delegationStrategy", DEFAULT_DELEGATION_STRATEGY),
            intents=tuple(_dialog_intent(di, declared[di["name"]]) for di in d.get("intents", ())),
        )
    prompts = tuple(
        Prompt(
            id=p["id"], variations=tuple(Variation(type=v["type"], value=v["value"]) for v in p["variations"])
        )
        for p in im.get("prompts", ())
    )
    return InteractionModel(
        invocation_name=" ".join(lm["invocationName"].lower().split()),
        intents=tuple(intents),
        types=types,
        dialog=dialog,
        prompts=prompts,
        locale=locale,
        source=source,
    )


def _dialog_intent(item: dict[str, Any], intent: Intent) -> DialogIntent:
    """One dialog intent; a slot without a ``type`` takes the language model's."""
    slots = []
    for s in item.get("slots", ()):
        prompts = s.get("prompts", {})
        declared = intent.slot(s["name"])
        slots.append(
            DialogSlot(
                name=s["name"],
                type=s.get("type") or (declared.type if declared else ""),
                elicitation_required=s.get("elicitationRequired", False),
                confirmation_required=s.get("confirmationRequired", False),
                elicitation_prompt=prompts.get("elicitation"),
                confirmation_prompt=prompts.get("confirmation"),
                validations=tuple(
                    Validation(
                        type=v["type"],
                        prompt=v["prompt"],
                        values=tuple(_scalar(x) for x in v.get("values", ())),
                        value=_scalar(v["value"]) if "value" in v else None,
                        start=v.get("start"),
                        end=v.get("end"),
                    )
                    for v in s.get("validations", ())
                ),
            )
        )
    return DialogIntent(
        name=item["name"],
        delegation_strategy=item.get("delegationStrategy"),
        confirmation_required=item.get("confirmationRequired", False),
        confirmation_prompt=item.get("prompts", {}).get("confirmation"),
        slots=tuple(slots),
    )
