"""The project's exceptions: one base, specific subclasses, every one says what and where."""

from __future__ import annotations

from dataclasses import dataclass


class AssistantError(Exception):
    """Base of every error the assistant reports to a user."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One located problem in a user's file."""

    message: str
    """What is wrong, in words a skill developer can act on."""
    file: str | None = None
    """The file involved, when there is one."""
    pointer: str | None = None
    """A JSON pointer (``/interactionModel/languageModel/intents/3``) or ``line N``."""
    subject: str | None = None
    """The intent, slot or type involved, e.g. ``intent OrderIntent, slot size``."""

    def __str__(self) -> str:
        where = ":".join(p for p in (self.file, self.pointer) if p)
        parts = [where] if where else []
        if self.subject:
            parts.append(f"[{self.subject}]")
        parts.append(self.message)
        return " ".join(parts)


class ModelError(AssistantError):
    """An interaction model that cannot be used; carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem] | Problem | str, file: str | None = None) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems, file=file)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        lines = [str(p) for p in self.problems]
        head = f"{len(lines)} problem(s) in the interaction model" if len(lines) > 1 else "invalid interaction model"
        super().__init__(head + ":\n  " + "\n  ".join(lines))


class GrammarError(AssistantError):
    """A grammar that cannot be built or loaded into the decoder."""


class PronunciationError(GrammarError):
    """A word that has no pronunciation and none could be guessed."""


class RecognitionError(AssistantError):
    """The decoder failed on audio it was given."""


class AudioError(AssistantError):
    """Audio that cannot be read, converted or played."""


class DeviceError(AudioError):
    """A missing or failing sound device; the message says what is missing and how to fix it."""


class SkillError(AssistantError):
    """A skill that cannot be found, installed or run."""


class SkillInstallError(SkillError):
    """A skill install that failed; nothing was left half-installed."""


class SkillFault(SkillError):
    """A skill that raised, crashed, hung, or answered with an invalid response."""

    def __init__(self, skill: str, kind: str, detail: str) -> None:
        self.skill = skill
        """The skill's name."""
        self.kind = kind
        """One of ``raised``, ``crashed``, ``timeout``, ``invalid-response``."""
        self.detail = detail
        """The exact error: the traceback's last line, the exit code, the validation error."""
        super().__init__(f"skill {skill!r} {kind}: {detail}")


class ConversationTestError(AssistantError):
    """A conversation test file that cannot be read."""

