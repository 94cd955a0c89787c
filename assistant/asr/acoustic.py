"""Which acoustic model hears a locale: pocketsphinx's wheel ships one, US English (``en-us``), which the runtime
uses for every English locale (en-GB, en-AU, en-IN, en-CA speakers are heard with it, less well). Any other
language has no acoustic model and no pronouncing dictionary here, so speech in it cannot be recognised: the
voice commands stop with a message that says so, while text (``chat``, ``test`` in text mode) works in every
locale a skill ships."""

from __future__ import annotations

from ..errors import RecognitionError

ACOUSTIC_LANGUAGES = {"en": "en-us"}
"""Language → the pocketsphinx model (in the wheel's ``model/`` folder) that hears it."""


def acoustic_model(locale: str) -> str:
    """The pocketsphinx model that hears ``locale``; RecognitionError naming what is missing otherwise."""
    language = locale.replace("_", "-").split("-")[0].lower()
    model = ACOUSTIC_LANGUAGES.get(language)
    if model is None:
        raise RecognitionError(
            f"no acoustic model for {locale}: speech in {locale} cannot be recognised here. pocketsphinx ships "
            f"only a US English model (en-us), and a {locale} acoustic model and pronouncing dictionary "
            f"are missing. Text works in {locale}: assistant chat --locale {locale}, assistant test (text mode)"
        )
    return model
