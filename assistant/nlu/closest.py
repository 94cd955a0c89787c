"""The intent of a skill closest to words that none of its samples cover: what Alexa does without a FallbackIntent.

Alexa's NLU resolves an in-session utterance to one of the skill's intents; ``AMAZON.FallbackIntent`` exists so
that a skill can receive the out-of-domain ones instead of having them sent to the nearest of its other intents
(Amazon's standard built-in intents, FallbackIntent section:
https://developer.amazon.com/en-US/docs/alexa/custom-skills/standard-built-in-intents.html). A skill without one
is never apologised for: its closest intent gets the request, with no slots filled.

"Closest" here is a pure, explainable choice, since Alexa's statistical model is not available: the intent whose
samples share the most words with the utterance (slot references and the words that begin most requests left
out), then the one with more samples (the likelier intent), then the first declared. Stop, cancel and "navigate
home" are never picked, so words that fit nothing do not end the session behind the user's back.
"""

from __future__ import annotations

import re

from assistant.model.types import InteractionModel
from assistant.nlu.result import IntentResult

NEVER_CLOSEST = frozenset({"AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NavigateHomeIntent"})
"""Intents a guess must not land on: they end the session."""
FILLER = frozenset(
    {"a", "an", "the", "i", "me", "my", "to", "for", "of", "is", "it", "and", "please", "what", "you"}
)
"""Words too common to say which intent is meant."""
_SLOT = re.compile(r"\{[^{}]*\}")


def closest_intent(words: list[str], model: InteractionModel) -> IntentResult | None:
    """The intent of ``model`` nearest to ``words``; None when the model has no intent that may be picked."""
    heard = {w for w in words if w not in FILLER}
    best: tuple[tuple[int, int, int], str] | None = None
    for order, intent in enumerate(model.intents):
        if intent.name in NEVER_CLOSEST or intent.name.startswith("AMAZON.Fallback"):
            continue
        vocabulary = {w for s in intent.samples for w in _SLOT.sub(" ", s.lower()).split()} - FILLER
        rank = (len(heard & vocabulary), len(intent.samples), -order)
        if best is None or rank > best[0]:
            best = (rank, intent.name)
    if best is None:
        return None
    return IntentResult(best[1], text=" ".join(words))
