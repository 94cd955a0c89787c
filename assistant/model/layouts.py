"""Where a skill's interaction model is (every layout users have, by locale), and the skill's own pronunciation
files beside it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from ..errors import ModelError, Problem
from .phones import CMU_PHONES
from .reading import Report, shortened
from .types import (
    InteractionModel,
)

PRONUNCIATION_FILES = ("pronunciations.txt", "pronunciations.dict")
"""Names of the optional CMU-format pronunciation files looked for beside the model and in the skill root."""


_LOCALE = re.compile(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z0-9]{2,4}))?$")


_LEGACY_LOCALE = re.compile(
    r"^(?:IntentSchema|SampleUtterances)_([A-Za-z]{2,3}_[A-Za-z0-9]{2,4})\.(?:json|txt)$"
)


_VARIANT = re.compile(r"\(\d+\)$")


def find_model(path: Path, locale: str = "en-US") -> Path:
    """The model file for ``locale`` under ``path`` (a skill folder, a model folder or a file), or the legacy
    speechAssets folder; raises ModelError naming the locales that exist when ``locale`` has no model."""
    locale = canonical_locale(locale)
    path = Path(path)
    if path.is_file():
        if path.name.startswith(("IntentSchema", "SampleUtterances")):
            return path.parent
        return path
    if not path.is_dir():
        raise ModelError("no such file or folder", file=str(path))
    for folder in (
        path / "skill-package" / "interactionModels" / "custom",
        path / "interactionModels" / "custom",
        path / "models",
    ):
        if folder.is_dir():
            return _locale_file(folder, locale)
    for folder in (path / "speechAssets", path):
        if folder.is_dir() and legacy_file(folder, "IntentSchema", ".json", locale):
            legacy_file(folder, "SampleUtterances", ".txt", locale)
            return folder
    if _locale_names(path):
        return _locale_file(path, locale)
    raise ModelError(
        "no interaction model found: looked for skill-package/interactionModels/custom/<locale>.json, "
        "models/<locale>.json, speechAssets/IntentSchema.json and <locale>.json",
        file=str(path),
    )


def model_for_locale(path: Path, locale: str) -> Path:
    """The ``locale`` model beside ``path``, a model a skill was installed with for another locale
    (``models/en-US.json`` → ``models/de-DE.json``): a skill keeps the models of every locale it ships. A
    ModelError names the locales there are when it ships none for ``locale``. A legacy speechAssets folder is
    checked for the locale's files; a model file not named after a locale is the skill's model in any locale."""
    locale = canonical_locale(locale)
    path = Path(path)
    if path.is_dir():
        return find_model(path, locale)
    if _LOCALE.match(path.stem) and canonical_locale(path.stem) != locale:
        return _locale_file(path.parent, locale)
    return path


def canonical_locale(locale: str) -> str:
    """``en_us`` -> ``en-US``; raises ModelError for anything that is not a locale."""
    match = _LOCALE.match(locale) if isinstance(locale, str) else None
    if not match:
        raise ModelError(f"{locale!r} is not a locale such as en-US")
    language, region = match.groups()
    if region is None:
        return language.lower()
    return f"{language.lower()}-{region.upper() if len(region) == 2 else region}"


def _locale_names(folder: Path) -> dict[str, Path]:
    """The ``<locale>.json`` files of a folder, by canonical locale."""
    found: dict[str, Path] = {}
    for file in sorted(folder.glob("*.json")):
        if _LOCALE.match(file.stem) and file.is_file():
            found.setdefault(canonical_locale(file.stem), file)
    return found


def _locale_file(folder: Path, locale: str) -> Path:
    """``folder/<locale>.json``, or a ModelError naming the locales the folder has."""
    files = _locale_names(folder)
    if locale in files:
        return files[locale]
    available = ", ".join(files) if files else "none"
    raise ModelError(
        f"no {locale} interaction model ({locale}.json); locales available: {available}", file=str(folder)
    )


def legacy_file(folder: Path, stem: str, suffix: str, locale: str) -> Path | None:
    """``<stem>_<ll_CC><suffix>`` for the locale, else the plain ``<stem><suffix>``, else None; a ModelError
    naming the locales there are when only other locales' files exist."""
    specific = folder / f"{stem}_{locale.replace('-', '_')}{suffix}"
    plain = folder / f"{stem}{suffix}"
    for file in (specific, plain):
        if file.is_file():
            return file
    others = sorted(
        canonical_locale(m.group(1))
        for f in folder.glob(f"{stem}_*{suffix}")
        if (m := _LEGACY_LOCALE.match(f.name))
    )
    if others:
        raise ModelError(
            f"no {locale} {stem} ({specific.name}); locales available: {', '.join(others)}", file=str(folder)
        )
    return None


def skill_root(model_file: Path) -> Path:
    """The skill folder a model file belongs to (its own folder for a bare file)."""
    parts = [p.lower() for p in model_file.resolve().parts]
    if parts[-4:-1] == ["skill-package", "interactionmodels", "custom"]:
        return model_file.resolve().parents[3]
    if parts[-3:-1] == ["interactionmodels", "custom"]:
        return model_file.resolve().parents[2]
    if parts[-2:-1] == ["models"]:
        return model_file.resolve().parents[1]
    return model_file.parent


def read_pronunciations(folders: list[Path], report: Report) -> tuple[tuple[str, str], ...]:
    """Entries of every pronunciation file in ``folders``: (lower-case word, CMU phones without stress)."""
    entries: list[tuple[str, str]] = []
    seen: set[Path] = set()
    for folder in folders:
        for name in PRONUNCIATION_FILES:
            file = (folder / name).resolve()
            if file in seen or not file.is_file():
                continue
            seen.add(file)
            text = report.read_text(file)
            if text is not None:
                entries.extend(_parse_pronunciations(text, str(folder / name), report))
    return tuple(dict.fromkeys(entries))


def _parse_pronunciations(text: str, file: str, report: Report) -> Iterator[tuple[str, str]]:
    """CMU dictionary lines ``word  PH1 PH2`` (``word(2)`` variants, stress digits and ``;;;``/``#`` comments
    allowed)."""
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith(";;;"):
            continue
        word, *phones = line.split()
        word = _VARIANT.sub("", word.lower())
        phones = [p.upper().rstrip("012") for p in phones]
        unknown = [p for p in phones if p not in CMU_PHONES]
        if not phones:
            report.problems.append(
                Problem(f"no phones after {shortened(word)}", file=file, pointer=f"line {number}")
            )
        elif unknown:
            report.problems.append(
                Problem(
                    f"unknown phone(s) {', '.join(unknown)}; CMU phones are {' '.join(sorted(CMU_PHONES))}",
                    file=file,
                    pointer=f"line {number}",
                    subject=f"word {word}",
                )
            )
        else:
            yield word, " ".join(phones)


def with_pronunciations(
    model: InteractionModel, pronunciations: tuple[tuple[str, str], ...]
) -> InteractionModel:
    """The model with skill-supplied pronunciations attached."""
    return replace(model, pronunciations=pronunciations) if pronunciations else model
