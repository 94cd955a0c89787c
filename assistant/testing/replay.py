"""``ask dialog --replay`` files: a scripted conversation, printed, failing only when the skill faults.

The format (ASK CLI)::

    {"skillId": "amzn1.ask.skill.…", "locale": "en-US", "type": "text",
     "userInput": ["open hello world", "help", ".quit"]}

Each input goes through the top level like typed speech, so the conversation usually starts with "open <skill>".
``.quit`` ends the replay; ASK CLI's other dot-commands (``.record``, ``.vars``…) are skipped with a note. An
empty input is silence. There are no assertions in this format.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import ConversationTestError
from assistant.skills.package import SkillPackage
from assistant.testing.assertions import speech_text
from assistant.testing.bespoken import Configuration, Step
from assistant.testing.runner import ConversationRunner, StepResult, SuiteResult, TestResult


@dataclass(frozen=True, slots=True)
class Replay:
    """One replay file."""

    file: Path
    """The file."""
    skill_id: str | None
    """``skillId``: sent as the applicationId when given."""
    locale: str | None
    """``locale`` of the conversation."""
    inputs: tuple[str, ...]
    """``userInput``, in order."""

    @property
    def configuration(self) -> Configuration:
        """The replay's settings as a test configuration (for finding and calling the skill)."""
        return Configuration(locale=self.locale, application_id=self.skill_id)


def is_replay(path: Path) -> bool:
    """True for a ``.json`` file (replay files are JSON; Bespoken files are YAML)."""
    return path.suffix.lower() == ".json"


def load_replay(path: Path) -> Replay:
    """Read a replay file; ConversationTestError saying what is wrong."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ConversationTestError(f"{path}: cannot read ({error.strerror or error})") from error
    except ValueError as error:
        raise ConversationTestError(f"{path}: not JSON: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("userInput"), list):
        raise ConversationTestError(f"{path}: an ask dialog replay file needs a userInput list")
    inputs = data["userInput"]
    bad = [i for i, item in enumerate(inputs) if not isinstance(item, str)]
    if bad:
        raise ConversationTestError(f"{path}: userInput[{bad[0]}] is not a string")
    if data.get("type", "text") != "text":
        raise ConversationTestError(
            f'{path}: only type "text" replays can be run (found {data.get("type")!r})'
        )
    for key in ("skillId", "locale"):
        if key in data and not isinstance(data[key], str):
            raise ConversationTestError(f"{path}: {key} must be a string")
    return Replay(Path(path), data.get("skillId"), data.get("locale"), tuple(inputs))


def run_replay(runner: ConversationRunner, replay: Replay, package: SkillPackage) -> SuiteResult:
    """Play the conversation against the skill; the transcript is in the result, steps fail only on faults."""
    started = time.perf_counter()
    locale = replay.locale or runner.settings.locale
    transcript: list[str] = []
    steps: list[StepResult] = []
    with runner.engine(package, locale) as engine:
        for number, line in enumerate(replay.inputs, start=1):
            step = Step("text" if line.strip() else "silence", line, number)
            if line.strip() == ".quit":
                transcript.append("you> .quit")
                break
            if line.strip().startswith("."):
                transcript.append(f"you> {line}   (skipped: only .quit is understood here)")
                continue
            transcript.append(f"you> {line}" if line.strip() else "you> (silence)")
            turn = engine.handle_text(line)
            said = speech_text(turn.speech) if turn.speech else ""
            if said:
                transcript.append(f"alexa> {said}")
            if turn.error:
                transcript.append(f"  error: {turn.error}")
            result = turn.result
            steps.append(
                StepResult(
                    step,
                    intent=result.intent if result is not None else None,
                    slots={n: s.value for n, s in result.slots.items()} if result is not None else {},
                    speech=said or None,
                    error=turn.error,
                )
            )
    test = TestResult(replay.file.stem, 1, tuple(steps), 0, time.perf_counter() - started)
    return SuiteResult(replay.file, package.name, "text", None, (test,), transcript=tuple(transcript))
