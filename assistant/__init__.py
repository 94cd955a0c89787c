"""An offline voice assistant that runs real Alexa skills.

One utterance flows through the stages in order:
``model`` (interaction models) → ``grammar`` (JSGF + pronunciations) → ``nlu`` (text → intent)
/ ``asr`` (audio → text) → ``runtime`` (sessions, envelopes, dialogs) → ``voice`` (the listening loop),
with ``audio``, ``tts`` and ``skills`` beside them and ``cli`` on top.
"""

__version__ = "0.1.0"
