"""The JSON transcript of a spoken conversation (``assistant run --transcript FILE.json``).

Shape (times in seconds on the input's timeline, wall durations in seconds)::

    {"input": "conv.wav", "wake_word": "alexa",
     "wakes": [{"start", "end"}],
     "turns": [{"kind": "speech" | "silence" | "player", "at", "speech_start", "speech_end", "wake",
                "heard", "confidence", "rejected", "intent", "slots", "skill",
                "speech", "speech_ssml", "spoken_text", "reprompt", "card", "session_open", "listen",
                "events", "audio" (the AudioPlayer's requests: {"type", "token", "offset_ms"}), "error", "reply_start", "reply_end", "reply_left" (live: when the sound left),
                "latency": {"from_speech_end", "from_endpoint", "decode", "engine", "first_audio"}}],
     "summary": {"turns", "latency_from_speech_end_p50", ...}}
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.errors import AudioError
from assistant.tts.ssml import spoken_text
from assistant.voice.reply import TurnRecord
from assistant.voice.wake import WakeDetection


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def audio_requests(requests: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The AudioPlayer and PlaybackController requests among ``requests``: type, token, offset (ms), error."""
    out = []
    for event in requests:
        request = event.get("request") or {}
        kind = str(request.get("type", ""))
        if kind.startswith(("AudioPlayer.", "PlaybackController.")):
            item: dict[str, Any] = {"type": kind, "token": request.get("token"),
                                    "offset_ms": request.get("offsetInMilliseconds")}
            if isinstance(request.get("error"), dict):
                item["error"] = request["error"]
            out.append(item)
    return out


def record_json(record: TurnRecord) -> dict[str, Any]:
    """One turn as JSON."""
    turn = record.turn
    result = turn.result.to_json() if turn.result is not None else {"intent": None, "slots": {}}
    recognition = record.recognition
    speech = turn.speech
    return {
        "kind": record.kind,
        "at": _r(record.at),
        "speech_start": _r(record.speech_start),
        "speech_end": _r(record.speech_end),
        "wake": None if record.wake is None else {"start": _r(record.wake.start), "end": _r(record.wake.end)},
        "heard": turn.heard,
        "confidence": None if recognition is None else round(recognition.confidence, 3),
        "rejected": None if recognition is None else recognition.rejected,
        "intent": result.get("intent"),
        "slots": result.get("slots", {}),
        "skill": turn.skill,
        "speech": speech,
        "speech_ssml": turn.speech_ssml,
        "spoken_text": spoken_text(speech, turn.speech_ssml) if speech else None,
        "reprompt": turn.reprompt,
        "card": turn.card,
        "session_open": turn.session_open,
        "listen": turn.listen,
        "events": list(turn.events),
        "audio": audio_requests(turn.requests),
        "error": turn.error,
        "reply_start": _r(record.reply_start),
        "reply_end": _r(record.reply_end),
        "reply_left": _r(record.reply_left),
        "latency": {
            "from_speech_end": _r(record.latency_from_speech_end),
            "from_endpoint": _r(record.latency_from_endpoint),
            "decode": _r(record.decode_seconds),
            "engine": _r(record.engine_seconds),
            "first_audio": _r(record.first_audio_seconds),
        },
    }


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) by linear interpolation, None for no values."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[max(0, min(98, round(q) - 1))]


def transcript_json(
    records: Sequence[TurnRecord], wakes: Sequence[WakeDetection], source: str, wake_word: str | None
) -> dict[str, Any]:
    """The whole conversation as JSON."""
    from_end = [r.latency_from_speech_end for r in records if r.latency_from_speech_end is not None]
    from_ep = [
        r.latency_from_endpoint for r in records if r.kind == "speech" and r.latency_from_endpoint is not None
    ]
    return {
        "input": source,
        "wake_word": wake_word,
        "wakes": [{"start": _r(w.start), "end": _r(w.end)} for w in wakes],
        "turns": [record_json(r) for r in records],
        "summary": {
            "turns": len(records),
            "latency_from_speech_end_p50": _r(percentile(from_end, 50)),
            "latency_from_speech_end_p95": _r(percentile(from_end, 95)),
            "latency_from_endpoint_p50": _r(percentile(from_ep, 50)),
            "latency_from_endpoint_p95": _r(percentile(from_ep, 95)),
        },
    }


def write_transcript(path: Path, data: dict[str, Any]) -> None:
    """Write the transcript JSON (an AudioError naming the file if it cannot be written)."""
    try:
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise AudioError(f"{path}: cannot write the transcript: {exc.strerror or exc}") from exc
