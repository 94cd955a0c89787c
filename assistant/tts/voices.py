"""espeak-ng's voice for a locale: replies to a German skill are spoken with the German voice."""

from __future__ import annotations

VOICES = {
    "en-US": "en-us",
    "en-CA": "en-us",
    "en-GB": "en-gb",
    "en-AU": "en-gb",
    "en-IN": "en-gb",
    "es-ES": "es",
    "es-MX": "es-419",
    "es-US": "es-419",
    "fr-FR": "fr-fr",
    "fr-CA": "fr-fr",
    "pt-BR": "pt-br",
    "pt-PT": "pt",
}
"""Locales whose espeak-ng voice is not simply their language code (espeak-ng has no en-AU, en-IN, fr-CA)."""


def voice_for(locale: str) -> str:
    """The espeak-ng voice for ``locale`` (``de-DE`` → ``de``, ``es-MX`` → ``es-419``, ``ja-JP`` → ``ja``)."""
    canonical = locale.replace("_", "-")
    parts = canonical.split("-")
    key = f"{parts[0].lower()}-{parts[1].upper()}" if len(parts) > 1 else parts[0].lower()
    return VOICES.get(key, parts[0].lower())
