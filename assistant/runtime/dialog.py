"""Dialog management: a skill's dialog model run the way Alexa runs it (docs/alexa-behaviour.md section 3).

:class:`DialogModelManager` is the engine's default :class:`~assistant.runtime.session.DialogManager`.

Delegation. The effective strategy is the intent's ``delegationStrategy``, else the dialog model's, else
``SKILL_RESPONSE``: a model that sets none (pet match, 2017) is an older skill that delegates from its own code,
as Alexa treats it (the sources are cited at ``assistant.model.types.DEFAULT_DELEGATION_STRATEGY``).

- ``ALWAYS`` (auto delegation): the runtime runs every step itself and the skill receives one IntentRequest,
  with ``dialogState: COMPLETED``.
- ``SKILL_RESPONSE``: every user turn goes to the skill (``STARTED``, then ``IN_PROGRESS``). ``Dialog.Delegate``
  hands the next step to the runtime; when no step is left the skill receives ``COMPLETED`` at once (in the same
  user turn).

The steps, in order (:meth:`DialogModelManager.next_step`): walk the dialog model's slots in order; a filled
slot is checked against its validations in order (the first failure speaks that rule's prompt, empties the slot
and elicits it again); a slot whose confirmation was denied is emptied and elicited again; a required empty
slot is elicited with its prompt; a filled slot with ``confirmationRequired`` and status NONE is confirmed
(yes / no give CONFIRMED / DENIED). Then the intent is confirmed if the model asks for it. An intent whose
confirmation was denied completes: the skill receives it with ``confirmationStatus: DENIED`` and
``dialogState: COMPLETED``. Amazon documents that a completed dialog may carry a denied intent and that the
skill must check ``confirmationStatus`` before acting; the bundled barista skill does exactly that. Prompts pick
one variation at random (from the engine's seeded generator) and substitute ``{slot}`` with the slot's value
(escaped in SSML variations).

Skill directives. ``Dialog.ElicitSlot``, ``Dialog.ConfirmSlot`` and ``Dialog.ConfirmIntent`` carry the skill's
own speech; the next utterance goes back to the skill as the same intent (``IN_PROGRESS``) with the slot filled
or the status set. ``updatedIntent`` is merged slot by slot; one with another name switches intent. A user who
says another intent of the skill mid-dialog switches too: the dialog is dropped and the new intent starts its
own. These responses are invalid and end the session with SessionEndedRequest ``ERROR`` / ``INVALID_RESPONSE``
(raised as a :class:`~assistant.errors.SkillFault` of kind ``invalid-response``): ``Dialog.Delegate`` with
``outputSpeech`` or ``reprompt``; ``Dialog.Delegate`` in answer to ``COMPLETED``; ``Dialog.Delegate`` for an
intent the dialog model does not list; an elicited or confirmed slot the intent does not declare; an
``updatedIntent`` the model does not declare.

Listening. While a slot is elicited the grammar is :func:`~assistant.grammar.compiler.compile_dialog` for that
slot (its samples, its type alone, the intent's full samples, stop / cancel / help, then the skill's other
intents); while confirming, the same with yes / no in place of the slot. A bare value answering an elicitation
fills the elicited slot even when the intent's samples would also take it for another slot of the same type.
"""

from __future__ import annotations

import html
import logging
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from assistant.errors import SkillFault
from assistant.grammar import text as textnorm
from assistant.grammar.compiler import CompiledGrammar, compile_dialog
from assistant.model.types import InteractionModel, Slot, Validation
from assistant.nlu.result import IntentResult
from assistant.runtime.envelopes import AUTHORITY, DYNAMIC_AUTHORITY, Reply, Speech, slot_object
from assistant.runtime.session import DialogState, DialogStep, Session

logger = logging.getLogger(__name__)

ALWAYS = "ALWAYS"
SKILL_RESPONSE = "SKILL_RESPONSE"
ELICIT = "Dialog.ElicitSlot"
CONFIRM_SLOT = "Dialog.ConfirmSlot"
CONFIRM_INTENT = "Dialog.ConfirmIntent"
DELEGATE = "Dialog.Delegate"
DYNAMIC_ENTITIES = "Dialog.UpdateDynamicEntities"
YES = "AMAZON.YesIntent"
NO = "AMAZON.NoIntent"
FALLBACK = "AMAZON.FallbackIntent"
_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.\-]+)\}")
_DURATION = re.compile(r"^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


@dataclass(slots=True)
class DialogProgress(DialogState):
    """Where a dialog stands, with what the manager needs beyond :class:`DialogState`.

    ``directive`` names what the user is answering (``Dialog.ElicitSlot``, ``Dialog.ConfirmSlot``,
    ``Dialog.ConfirmIntent``), whether the skill asked with its own directive or the runtime asked with a
    prompt of the dialog model; ``Dialog.Delegate`` while a request is on its way and nothing is asked."""

    strategy: str = ALWAYS
    """The intent's effective delegation strategy, ALWAYS or SKILL_RESPONSE."""
    sent: str | None = None
    """The ``dialogState`` of the last request sent to the skill in this dialog (None before the first)."""
    by_skill: bool = False
    """True when the pending question is the skill's own directive (its answer then goes to the skill)."""
    prompt: Speech | None = None
    """What the runtime asked with a prompt of the dialog model (said again when the answer is not understood)."""


class DialogModelManager:
    """Runs dialog models for the engine: delegation, elicitation, validation, confirmation, intent switches.

    It keeps no state of its own: a dialog lives in ``session.dialog`` (a :class:`DialogProgress`), so it ends
    with the session. ``rng`` picks prompt variations (the engine passes its seeded generator); ``today`` gives
    the date that ``isInDuration`` / ``isNotInDuration`` count from.
    """

    def __init__(self, rng: random.Random | None = None, today: Callable[[], date] | None = None) -> None:
        self.rng = rng if rng is not None else random.Random()
        """Picks a prompt variation."""
        self.today = today or date.today
        """The date that duration validations count from."""

    # --- the DialogManager protocol ----------------------------------------------------------------------

    def grammar(self, session: Session) -> CompiledGrammar | None:
        """The elicited slot's grammar, or yes / no while confirming (each with the skill's other intents)."""
        state = session.dialog
        if state is None:
            return None
        name = str(state.intent.get("name", ""))
        intent = session.model.intent(name)
        if intent is None:
            return None
        dynamic = session.dynamic or None
        if state.directive == ELICIT and state.slot and intent.slot(state.slot):
            return compile_dialog(session.model, name, state.slot, dynamic)
        if state.directive in (CONFIRM_SLOT, CONFIRM_INTENT):
            return compile_dialog(session.model, name, None, dynamic)
        return None

    def before_intent(self, session: Session, intent: dict[str, Any], result: IntentResult) -> DialogStep:
        """Start a dialog, or take the user's answer into the one in progress."""
        state = session.dialog
        if not isinstance(state, DialogProgress) or state.directive == DELEGATE:
            session.dialog = None
            return self._start(session, intent)
        name = intent["name"]
        current = _copy_intent(state.intent)
        if name == FALLBACK and not state.by_skill and state.prompt is not None:
            session.reprompt = state.prompt  # not understood: ask the same question again
            return DialogStep(say=state.prompt)
        if name == current["name"]:
            filled = self._answer_slots(session, state, intent, result)
            current["slots"].update(filled)
        elif name in (YES, NO) and state.directive in (CONFIRM_SLOT, CONFIRM_INTENT):
            status = "CONFIRMED" if name == YES else "DENIED"
            if state.directive == CONFIRM_INTENT:
                current["confirmationStatus"] = status
            elif state.slot in current["slots"]:
                current["slots"][state.slot]["confirmationStatus"] = status
        else:
            logger.info("skill %s: %s interrupts the dialog of %s", session.skill, name, current["name"])
            session.dialog = None
            return self._start(session, intent)
        state.intent = current
        state.prompt = None
        if state.by_skill or state.strategy == SKILL_RESPONSE:
            return self._send(state, current, "IN_PROGRESS")
        return self.next_step(session, state)

    def after_response(self, session: Session, sent: dict[str, Any], reply: Reply) -> DialogStep | None:
        """Follow the skill's Dialog directive, or end the dialog when it sent none."""
        state = session.dialog if isinstance(session.dialog, DialogProgress) else None
        directives = [d for d in reply.dialog_directives if d.get("type") != DYNAMIC_ENTITIES]
        kinds = [str(d.get("type")) for d in directives]
        known = [d for d in directives if d.get("type") in (DELEGATE, ELICIT, CONFIRM_SLOT, CONFIRM_INTENT)]
        if not known:
            if directives:
                logger.warning(
                    "skill %s: Dialog directives %s are not supported; ignored", session.skill, kinds
                )
            session.dialog = None
            return None
        if len(known) > 1:
            logger.warning(
                "skill %s sent several Dialog directives %s; the last one counts", session.skill, kinds
            )
        directive = known[-1]
        kind = str(directive["type"])
        intent = self._updated(session, sent, directive.get("updatedIntent"), kind)
        model = session.model
        dialog_intent = model.dialog.intent(intent["name"]) if model.dialog is not None else None
        if kind == DELEGATE:
            if reply.speech is not None or reply.reprompt is not None:
                raise _invalid(session, "Dialog.Delegate must not carry outputSpeech or reprompt")
            if state is not None and state.sent == "COMPLETED":
                raise _invalid(
                    session, "Dialog.Delegate in answer to a request whose dialogState is COMPLETED"
                )
            if dialog_intent is None:
                raise _invalid(
                    session,
                    f"Dialog.Delegate for intent {intent['name']}, which the dialog model does not list",
                )
            state = self._progress(session, state, intent, DELEGATE, None, by_skill=False)
            return self.next_step(session, state)
        slot = directive.get("slotToElicit") if kind == ELICIT else directive.get("slotToConfirm")
        if kind in (ELICIT, CONFIRM_SLOT):
            declared = model.intent(intent["name"])
            if not isinstance(slot, str) or declared is None or declared.slot(slot) is None:
                field = "slotToElicit" if kind == ELICIT else "slotToConfirm"
                raise _invalid(session, f"{kind}: {field} {slot!r} is not a slot of intent {intent['name']}")
        self._progress(session, state, intent, kind, slot if isinstance(slot, str) else None, by_skill=True)
        return None

    # --- the steps ---------------------------------------------------------------------------------------

    def next_step(self, session: Session, state: DialogProgress) -> DialogStep:
        """The runtime's next move in ``state``'s dialog: ask something, or send the intent COMPLETED."""
        model = session.model
        intent = state.intent
        dialog_intent = model.dialog.intent(intent["name"]) if model.dialog is not None else None
        if dialog_intent is None:
            return self._send(state, intent, "COMPLETED")
        for spec in dialog_intent.slots:
            slot = intent["slots"].setdefault(spec.name, {"name": spec.name, "confirmationStatus": "NONE"})
            if _filled(slot):
                if slot.get("confirmationStatus") == "DENIED":
                    _empty(slot)
                    if spec.elicitation_prompt is not None:
                        return self._ask(session, state, ELICIT, spec.name, spec.elicitation_prompt)
                    continue
                failed = next((v for v in spec.validations if not self.valid(v, slot)), None)
                if failed is not None:
                    logger.info(
                        "skill %s: slot %s=%r fails %s", session.skill, spec.name, slot["value"], failed.type
                    )
                    # rendered before the slot is emptied: the prompt may name the rejected value
                    speech = self.render(model, failed.prompt, intent)
                    _empty(slot)
                    return self._ask(session, state, ELICIT, spec.name, failed.prompt, speech)
                if spec.confirmation_required and slot.get("confirmationStatus", "NONE") == "NONE":
                    return self._ask(session, state, CONFIRM_SLOT, spec.name, spec.confirmation_prompt)
            elif spec.elicitation_required:
                return self._ask(session, state, ELICIT, spec.name, spec.elicitation_prompt)
        if dialog_intent.confirmation_required and intent.get("confirmationStatus", "NONE") == "NONE":
            return self._ask(session, state, CONFIRM_INTENT, None, dialog_intent.confirmation_prompt)
        return self._send(state, intent, "COMPLETED")

    def valid(self, rule: Validation, slot: dict[str, Any]) -> bool:
        """Whether a filled slot passes one validation rule (a value the rule cannot read fails it)."""
        value = str(slot.get("value", ""))
        kind = rule.type
        if kind == "hasEntityResolutionMatch":
            return _resolved_name(slot) is not None
        if kind in ("isInSet", "isNotInSet"):
            said = {value.lower()}
            resolved = _resolved_name(slot)
            if resolved is not None:
                said.add(resolved.lower())
            inside = bool(said & {v.lower() for v in rule.values})
            return inside if kind == "isInSet" else not inside
        if kind in ("isGreaterThan", "isGreaterThanOrEqualTo", "isLessThan", "isLessThanOrEqualTo"):
            number, limit = _number(value), _number(rule.value or "")
            if number is None or limit is None:
                return False
            return {
                "isGreaterThan": number > limit,
                "isGreaterThanOrEqualTo": number >= limit,
                "isLessThan": number < limit,
                "isLessThanOrEqualTo": number <= limit,
            }[kind]
        if kind in ("isInDuration", "isNotInDuration"):
            day = _date(value)
            today = self.today()
            start = _shift(today, rule.start) if rule.start else date.min
            end = _shift(today, rule.end) if rule.end else date.max
            if day is None or start is None or end is None:
                return False
            inside = start <= day <= end
            return inside if kind == "isInDuration" else not inside
        logger.warning("unknown validation rule %s: the value passes", kind)
        return True

    def render(self, model: InteractionModel, prompt_id: str | None, intent: dict[str, Any]) -> Speech:
        """One variation of a prompt, picked at random, with ``{slot}`` replaced by the slot's value."""
        prompt = model.prompt(prompt_id) if prompt_id else None
        if prompt is None or not prompt.variations:
            logger.warning("%s: prompt %r is missing; a generic question is said", model.source, prompt_id)
            return Speech("Could you say that again?", False)
        variations = prompt.variations
        variation = variations[0] if len(variations) == 1 else self.rng.choice(variations)
        ssml = variation.type == "SSML"
        slots = intent.get("slots") or {}

        def value(match: re.Match[str]) -> str:
            slot = slots.get(match.group(1))
            if not isinstance(slot, dict):
                return match.group(0)
            text = str(slot.get("value") or "")
            return html.escape(text, quote=False) if ssml else text

        text = _PLACEHOLDER.sub(value, variation.value)
        if ssml and not text.lstrip().startswith("<speak"):
            text = f"<speak>{text}</speak>"
        return Speech(text, ssml)

    # --- helpers -----------------------------------------------------------------------------------------

    def _start(self, session: Session, intent: dict[str, Any]) -> DialogStep:
        model = session.model
        dialog_intent = model.dialog.intent(intent["name"]) if model.dialog is not None else None
        if model.dialog is None or dialog_intent is None:
            return DialogStep(intent=intent, dialog_state=None)
        state = self._progress(session, None, _copy_intent(intent), DELEGATE, None, by_skill=False)
        if state.strategy == SKILL_RESPONSE:
            return self._send(state, state.intent, "STARTED")
        return self.next_step(session, state)

    def _progress(
        self,
        session: Session,
        state: DialogProgress | None,
        intent: dict[str, Any],
        directive: str,
        slot: str | None,
        *,
        by_skill: bool,
    ) -> DialogProgress:
        model = session.model
        strategy = model.dialog.strategy(intent["name"]) if model.dialog is not None else SKILL_RESPONSE
        if state is None or state.intent.get("name") != intent["name"]:
            state = DialogProgress(intent=intent, directive=directive, slot=slot, strategy=strategy)
        state.intent, state.directive, state.slot, state.by_skill = intent, directive, slot, by_skill
        state.strategy = strategy
        state.prompt = None
        session.dialog = state
        return state

    def _ask(
        self,
        session: Session,
        state: DialogProgress,
        directive: str,
        slot: str | None,
        prompt_id: str | None,
        speech: Speech | None = None,
    ) -> DialogStep:
        speech = speech or self.render(session.model, prompt_id, state.intent)
        state.directive, state.slot, state.by_skill, state.prompt = directive, slot, False, speech
        session.dialog = state
        session.reprompt = speech  # on silence the question is asked again, as Alexa does
        return DialogStep(say=speech, listen=True)

    @staticmethod
    def _send(state: DialogProgress, intent: dict[str, Any], dialog_state: str) -> DialogStep:
        state.sent = dialog_state
        state.directive = DELEGATE  # nothing is asked while the request is on its way
        state.slot = None
        return DialogStep(intent=_copy_intent(intent), dialog_state=dialog_state)

    def _answer_slots(
        self, session: Session, state: DialogProgress, intent: dict[str, Any], result: IntentResult
    ) -> dict[str, dict[str, Any]]:
        """The slots an answer fills; a bare value goes to the elicited slot whatever sample matched it."""
        filled = {n: dict(s) for n, s in (intent.get("slots") or {}).items() if _filled(s)}
        asked = state.slot if state.directive == ELICIT else None
        if asked is None or asked in filled or len(result.slots) != 1:
            return filled
        ((_, value),) = result.slots.items()
        declared = session.model.intent(intent["name"])
        target = declared.slot(asked) if declared is not None else None
        if target is not None and target.type == value.type and value.spoken == result.text:
            moved = slot_object(replace(value, name=asked), session.package.application_id)
            return {asked: moved}
        return filled

    def _updated(self, session: Session, sent: dict[str, Any], updated: object, kind: str) -> dict[str, Any]:
        """``sent`` with the directive's ``updatedIntent`` merged in (another name replaces it)."""
        if not isinstance(updated, dict):
            return _copy_intent(sent)
        name = updated.get("name")
        declared = session.model.intent(name) if isinstance(name, str) else None
        if declared is None:
            raise _invalid(
                session, f"{kind}: updatedIntent names intent {name!r}, which the model does not declare"
            )
        base = _copy_intent(sent) if name == sent.get("name") else {"name": name, "slots": {}}
        new = _copy_intent(updated)
        base["confirmationStatus"] = new.get("confirmationStatus") or base.get("confirmationStatus", "NONE")
        for slot_name, slot in new["slots"].items():
            slot.setdefault("name", slot_name)
            slot.setdefault("confirmationStatus", "NONE")
            if _filled(slot) and "resolutions" not in slot:
                self._resolve(session, declared.slot(slot_name), slot)
            base["slots"][slot_name] = slot
        for spec in declared.slots:
            base["slots"].setdefault(spec.name, {"name": spec.name, "confirmationStatus": "NONE"})
        return base

    @staticmethod
    def _resolve(session: Session, spec: Slot | None, slot: dict[str, Any]) -> None:
        """Entity resolution for a value the skill set itself (``updatedIntent``), dynamic entities first."""
        if spec is None:
            return
        custom = session.model.type(spec.type)
        dynamic = session.dynamic.get(spec.type)
        if custom is None and not dynamic:
            return
        key = textnorm.words(str(slot["value"]))
        app = session.package.application_id
        authorities = []
        for values, pattern in ((dynamic, DYNAMIC_AUTHORITY), (custom.values if custom else None, AUTHORITY)):
            if values is None:
                continue
            hit = next((v for v in values if key in (textnorm.words(s) for s in (v.name, *v.synonyms))), None)
            authority: dict[str, Any] = {"authority": pattern.format(app=app, type=spec.type)}
            if hit is None:
                authority["status"] = {"code": "ER_SUCCESS_NO_MATCH"}
            else:
                entity = {"name": hit.name} | ({"id": hit.id} if hit.id is not None else {})
                authority["status"] = {"code": "ER_SUCCESS_MATCH"}
                authority["values"] = [{"value": entity}]
            authorities.append(authority)
        slot["resolutions"] = {"resolutionsPerAuthority": authorities}


# --- module helpers ------------------------------------------------------------------------------------------


def _invalid(session: Session, detail: str) -> SkillFault:
    logger.error("skill %s: invalid dialog response: %s", session.skill, detail)
    session.dialog = None
    return SkillFault(session.skill, "invalid-response", detail)


def _copy_intent(intent: dict[str, Any]) -> dict[str, Any]:
    copy = dict(intent)
    copy["slots"] = {k: dict(v) for k, v in (intent.get("slots") or {}).items() if isinstance(v, dict)}
    copy.setdefault("confirmationStatus", "NONE")
    return copy


def _filled(slot: object) -> bool:
    return isinstance(slot, dict) and slot.get("value") not in (None, "")


def _empty(slot: dict[str, Any]) -> None:
    """Forget a slot's value (it is about to be elicited again)."""
    for key in ("value", "resolutions", "slotValue"):
        slot.pop(key, None)
    slot["confirmationStatus"] = "NONE"


def _resolved_name(slot: dict[str, Any]) -> str | None:
    """The canonical name of the slot's first entity-resolution match, or None."""
    resolutions = slot.get("resolutions")
    authorities = resolutions.get("resolutionsPerAuthority") if isinstance(resolutions, dict) else None
    for authority in authorities or []:
        status = (authority.get("status") or {}).get("code") if isinstance(authority, dict) else None
        values = authority.get("values") if isinstance(authority, dict) else None
        if status == "ER_SUCCESS_MATCH" and values:
            return str(values[0].get("value", {}).get("name", ""))
    return None


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _date(value: str) -> date | None:
    """The first day an AMAZON.DATE value stands for (a day, a week, a month, a year)."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
        if match := re.fullmatch(r"(\d{4})-W(\d{2})(?:-WE)?", value):
            monday = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
            return monday + timedelta(days=5) if value.endswith("-WE") else monday
        if re.fullmatch(r"\d{4}-\d{2}", value):
            return date.fromisoformat(value + "-01")
        if re.fullmatch(r"\d{4}", value):
            return date(int(value), 1, 1)
    except ValueError:
        return None
    return None


def _shift(day: date, duration: str) -> date | None:
    """``day`` moved by an ISO-8601 duration of years, months, weeks and days (``-`` moves back)."""
    match = _DURATION.fullmatch(duration.strip())
    if match is None:
        return None
    sign = -1 if match.group(1) else 1
    years, months, weeks, days = (int(g or 0) * sign for g in match.groups()[1:])
    month_index = day.year * 12 + day.month - 1 + years * 12 + months
    year, month = divmod(month_index, 12)
    month += 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last)) + timedelta(weeks=weeks, days=days)
