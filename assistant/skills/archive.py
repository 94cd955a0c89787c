"""Bring a skill's files into a folder we own, safely: ZIP and tar archives, or a plain folder.

Refused, with a SkillInstallError naming the member: absolute paths and ``..`` components, any symlink in a
ZIP, symlinks or hard links in a tar or folder that point outside it, device files and FIFOs, more than
``MAX_MEMBERS`` members and more than ``MAX_TOTAL_BYTES`` uncompressed (counted while extracting, so a ZIP
whose headers lie about sizes is caught too). A single top-level folder (as in GitHub's zips) is stripped.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

from assistant.errors import SkillInstallError

logger = logging.getLogger(__name__)

MAX_TOTAL_BYTES = 500 * 1024 * 1024
"""Cap on the total uncompressed size of an archive, in bytes."""
MAX_MEMBERS = 50_000
"""Cap on the number of members of an archive."""
SKIPPED_NAMES = frozenset({".git", "__MACOSX"})
"""Folder names never copied or extracted."""

_CHUNK = 1024 * 1024


def is_archive(path: Path) -> bool:
    """True for a file this module can extract (.zip, .tar, .tar.gz, .tgz, .tar.bz2, .tar.xz)."""
    return path.is_file() and (zipfile.is_zipfile(path) or tarfile.is_tarfile(path))


def extract(archive: Path, target: Path) -> None:
    """Extract ``archive`` into ``target`` (created; must not exist), stripping a single top-level folder."""
    if zipfile.is_zipfile(archive):
        _extract_zip(archive, target)
    elif tarfile.is_tarfile(archive):
        _extract_tar(archive, target)
    else:
        raise SkillInstallError(f"{archive}: not a ZIP or tar archive")


def copy_folder(source: Path, target: Path) -> None:
    """Copy the folder ``source`` to ``target`` (must not exist); symlinks must stay inside ``source``.

    Internal symlinks are recreated as relative links, so the copy never points back into ``source``.
    """
    source = source.resolve()
    _check_folder(source)
    target.mkdir(parents=True)
    for folder, dirs, files in os.walk(source):
        here = Path(folder)
        dirs[:] = [d for d in dirs if d not in SKIPPED_NAMES]
        out = target / here.relative_to(source)
        for name in [*dirs, *files]:
            path, dest = here / name, out / name
            if path.is_symlink():
                real = path.resolve()
                dest.symlink_to(os.path.relpath(real, path.parent.resolve()))
            elif path.is_dir():
                dest.mkdir()
            else:
                shutil.copy2(path, dest)
        # Do not descend into symlinked folders: their targets are copied where they really live.
        dirs[:] = [d for d in dirs if not (here / d).is_symlink()]


def _check_folder(source: Path) -> None:
    if not source.is_dir():
        raise SkillInstallError(f"{source}: not a folder")
    for folder, dirs, files in os.walk(source):
        here = Path(folder)
        dirs[:] = [d for d in dirs if d not in SKIPPED_NAMES]
        for name in [*dirs, *files]:
            path = here / name
            member = path.relative_to(source).as_posix()
            if path.is_symlink():
                try:
                    real = path.resolve()
                except (OSError, RuntimeError) as error:
                    raise SkillInstallError(
                        f"{source}: refused: symlink {member} cannot be resolved: {error}"
                    ) from error
                if real != source and source not in real.parents:
                    raise SkillInstallError(
                        f"{source}: refused: symlink {member} points outside the skill folder (to {real})"
                    )
                continue
            mode = path.lstat().st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                raise SkillInstallError(f"{source}: refused: {member} is a device, socket or FIFO")


def _safe_parts(name: str, archive: Path) -> tuple[str, ...]:
    """The member's path components, or an error for absolute paths and ``..``."""
    posix = name.replace("\\", "/")
    if posix.startswith("/") or (len(posix) > 1 and posix[1] == ":"):
        raise SkillInstallError(f"{archive}: refused: member {name!r} has an absolute path")
    parts = tuple(p for p in PurePosixPath(posix).parts if p not in ("", "."))
    if ".." in parts:
        raise SkillInstallError(f"{archive}: refused: member {name!r} climbs out with '..'")
    return parts


def _strip_prefix(all_parts: list[tuple[str, ...]]) -> int:
    """1 if every member lies under one top-level folder, else 0."""
    tops = {parts[0] for parts in all_parts if parts}
    nested = any(len(parts) > 1 for parts in all_parts)
    return 1 if len(tops) == 1 and nested else 0


def _check_counts(archive: Path, count: int, declared: int) -> None:
    if count > MAX_MEMBERS:
        raise SkillInstallError(f"{archive}: refused: {count} members (limit {MAX_MEMBERS})")
    if declared > MAX_TOTAL_BYTES:
        raise SkillInstallError(
            f"{archive}: refused: {declared / 1e6:.0f} MB uncompressed (limit {MAX_TOTAL_BYTES / 1e6:.0f} MB)"
        )


def _extract_zip(archive: Path, target: Path) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            _check_counts(archive, len(infos), sum(i.file_size for i in infos))
            all_parts = []
            for info in infos:
                parts = _safe_parts(info.filename, archive)
                kind = stat.S_IFMT(info.external_attr >> 16)
                if kind == stat.S_IFLNK:
                    raise SkillInstallError(f"{archive}: refused: member {info.filename!r} is a symlink")
                if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
                    raise SkillInstallError(
                        f"{archive}: refused: member {info.filename!r} is a device or FIFO"
                    )
                all_parts.append(parts)
            strip = _strip_prefix(all_parts)
            target.mkdir(parents=True)
            budget = _Budget(archive)
            for info, parts in zip(infos, all_parts, strict=True):
                kept = parts[strip:]
                if not kept or any(p in SKIPPED_NAMES for p in kept):
                    continue
                dest = target.joinpath(*kept)
                if info.is_dir():
                    dest.mkdir(parents=True, exist_ok=True)
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(dest, "wb") as out:
                    while chunk := src.read(_CHUNK):
                        budget.spend(len(chunk), info.filename)
                        out.write(chunk)
                mode = (info.external_attr >> 16) & 0o777
                if mode:
                    dest.chmod(mode | 0o600)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as error:
        raise SkillInstallError(f"{archive}: damaged ZIP: {error}") from error
    except OSError as error:
        raise SkillInstallError(f"{archive}: cannot extract into {target}: {error}") from error
    logger.info("extracted %s into %s", archive, target)


def _extract_tar(archive: Path, target: Path) -> None:
    try:
        with tarfile.open(archive) as tf:
            members = tf.getmembers()
            _check_counts(archive, len(members), sum(m.size for m in members if m.isfile()))
            all_parts = [_safe_parts(m.name, archive) for m in members]
            strip = _strip_prefix(all_parts)
            for member, parts in zip(members, all_parts, strict=True):
                _check_tar_member(archive, member, parts, strip)
            target.mkdir(parents=True)
            budget = _Budget(archive)
            for member, parts in zip(members, all_parts, strict=True):
                kept = parts[strip:]
                if not kept or any(p in SKIPPED_NAMES for p in kept):
                    continue
                dest = target.joinpath(*kept)
                if member.isdir():
                    dest.mkdir(parents=True, exist_ok=True)
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                if member.issym():
                    dest.symlink_to(member.linkname)
                    continue
                if member.islnk():
                    linked = target.joinpath(*_safe_parts(member.linkname, archive)[strip:])
                    shutil.copy2(linked, dest)
                    continue
                source = tf.extractfile(member)
                if source is None:
                    raise SkillInstallError(f"{archive}: member {member.name!r} cannot be read")
                with source, open(dest, "wb") as out:
                    while chunk := source.read(_CHUNK):
                        budget.spend(len(chunk), member.name)
                        out.write(chunk)
                dest.chmod((member.mode & 0o777) | 0o600)
    except (tarfile.TarError, EOFError) as error:
        raise SkillInstallError(f"{archive}: damaged tar archive: {error}") from error
    except OSError as error:
        raise SkillInstallError(f"{archive}: cannot extract into {target}: {error}") from error
    logger.info("extracted %s into %s", archive, target)


def _check_tar_member(archive: Path, member: tarfile.TarInfo, parts: tuple[str, ...], strip: int) -> None:
    if not (member.isfile() or member.isdir() or member.issym() or member.islnk()):
        raise SkillInstallError(f"{archive}: refused: member {member.name!r} is a device or FIFO")
    if member.islnk():
        linked = _safe_parts(member.linkname, archive)
        if len(linked) <= strip:
            raise SkillInstallError(f"{archive}: refused: hard link {member.name!r} points outside")
    if member.issym():
        link = member.linkname.replace("\\", "/")
        if link.startswith("/"):
            raise SkillInstallError(
                f"{archive}: refused: symlink {member.name!r} points to absolute {link!r}"
            )
        resolved = list(parts[:-1])
        for piece in PurePosixPath(link).parts:
            if piece == "..":
                if len(resolved) <= strip:
                    raise SkillInstallError(
                        f"{archive}: refused: symlink {member.name!r} points outside the archive ({link!r})"
                    )
                resolved.pop()
            elif piece != ".":
                resolved.append(piece)


class _Budget:
    """Counts bytes really written, so a ZIP whose headers lie about sizes is still stopped."""

    __slots__ = ("archive", "spent")

    def __init__(self, archive: Path) -> None:
        self.archive = archive
        """The archive, for messages."""
        self.spent = 0
        """Bytes written so far."""

    def spend(self, count: int, member: str) -> None:
        self.spent += count
        if self.spent > MAX_TOTAL_BYTES:
            raise SkillInstallError(
                f"{self.archive}: refused at member {member!r}: more than {MAX_TOTAL_BYTES / 1e6:.0f} MB "
                "uncompressed (zip bomb?)"
            )
