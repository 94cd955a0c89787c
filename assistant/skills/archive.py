"""Bring a skill's files into a folder we own, safely: ZIP and tar archives, or a plain folder.

Refused, with a SkillInstallError naming the member: absolute paths and ``..`` components, any symlink in a
ZIP, device files and FIFOs, members listed twice, member paths longer than :data:`MAX_PATH_BYTES` (or a
component longer than :data:`MAX_NAME_BYTES`), more than ``MAX_MEMBERS`` members and more than
``MAX_TOTAL_BYTES`` uncompressed (counted while extracting, so a ZIP whose headers lie about sizes is caught
too). A single top-level folder (as in GitHub's zips) is stripped.

Links in a tar are checked against the archive's own tree before anything is written, never against the
file system (``os.path.realpath`` is what CVE-2025-4517 fooled: a path that overflows ``PATH_MAX`` is left
unexpanded, so its symlinks go unchecked). Every symlink target is resolved one component at a time, and a
component that is itself a symlink of the archive is expanded the same way (at most :data:`MAX_LINK_HOPS`
times), so a chain such as ``a/b/up -> ../..`` then ``a/b/root -> up/../..`` is seen to leave the folder even
though each link, read alone, stays inside. Absolute symlinks are refused, and so are members stored under a
symlink (``link/file``: they would be written wherever the link points) and hard links to anything but an
earlier regular file of the archive. Python 3.11.7's ``tarfile`` filters predate the fixes of CVE-2025-4517,
CVE-2025-4330, CVE-2025-4138 and CVE-2024-12718 (cpython issue 135034), so nothing here relies on them.

Writing is checked a second time by the kernel: each folder is opened relative to its parent's descriptor with
``O_NOFOLLOW``, and each file is created with ``O_CREAT | O_EXCL | O_NOFOLLOW``, so even a link the checks
above missed cannot be followed.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import stat
import tarfile
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from assistant.errors import SkillInstallError

logger = logging.getLogger(__name__)

MAX_TOTAL_BYTES = 500 * 1024 * 1024
"""Cap on the total uncompressed size of an archive, in bytes."""
MAX_MEMBERS = 50_000
"""Cap on the number of members of an archive."""
MAX_PATH_BYTES = 1024
"""Cap on a member's path inside the skill folder, in bytes of UTF-8."""
MAX_NAME_BYTES = 255
"""Cap on one component of a member's path, in bytes of UTF-8 (the usual file-system limit)."""
MAX_LINK_HOPS = 40
"""Symlinks followed while resolving one link target (Linux's own limit), beyond which it is a loop."""
SKIPPED_NAMES = frozenset({".git", "__MACOSX"})
"""Folder names never copied or extracted."""

_CHUNK = 1024 * 1024
_FILE, _DIR, _SYMLINK, _HARDLINK = "file", "folder", "symlink", "hard link"


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


# --- what an archive holds -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Entry:
    """One member of an archive, as it will land in the target folder."""

    name: str
    """The member's name as the archive writes it, for messages."""
    kind: str
    """``file``, ``folder``, ``symlink`` or ``hard link``."""
    parts: tuple[str, ...]
    """Its path inside the target folder (top-level folder stripped), one component each."""
    link: str = ""
    """A symlink's target as written, or a hard link's member name."""


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


def _check_length(archive: Path, name: str, parts: Iterable[str]) -> None:
    parts = list(parts)
    longest = max((len(p.encode("utf-8", "surrogateescape")) for p in parts), default=0)
    total = len("/".join(parts).encode("utf-8", "surrogateescape"))
    if longest > MAX_NAME_BYTES:
        raise SkillInstallError(
            f"{archive}: refused: member {name[:80]!r}… has a path component of {longest} bytes "
            f"(limit {MAX_NAME_BYTES})"
        )
    if total > MAX_PATH_BYTES:
        raise SkillInstallError(
            f"{archive}: refused: member {name[:80]!r}… has a path of {total} bytes (limit {MAX_PATH_BYTES})"
        )


class _Tree:
    """The tree an archive would make, to resolve its links without touching the file system."""

    def __init__(self, archive: Path, entries: list[_Entry]) -> None:
        self.archive = archive
        self.entries = entries
        self.kinds: dict[tuple[str, ...], _Entry] = {}
        self.symlinks: dict[tuple[str, ...], str] = {}

    def check(self) -> None:
        """Every rule of the module docstring about duplicates, links and members under links."""
        order: dict[tuple[str, ...], int] = {}
        for index, entry in enumerate(self.entries):
            earlier = self.kinds.get(entry.parts)
            if earlier is not None and not (earlier.kind == entry.kind == _DIR):
                raise SkillInstallError(
                    f"{self.archive}: refused: member {entry.name!r} is listed twice "
                    f"(as a {earlier.kind}, then as a {entry.kind})"
                )
            self.kinds.setdefault(entry.parts, entry)
            order.setdefault(entry.parts, index)
            if entry.kind == _SYMLINK:
                self.symlinks[entry.parts] = entry.link
        for index, entry in enumerate(self.entries):
            for depth in range(1, len(entry.parts)):
                above = entry.parts[:depth]
                if above in self.symlinks:
                    raise SkillInstallError(
                        f"{self.archive}: refused: member {entry.name!r} lies under the symlink "
                        f"{self.kinds[above].name!r}, so it would be written wherever that link points"
                    )
            if entry.kind == _SYMLINK:
                self._check_symlink(entry)
            elif entry.kind == _HARDLINK:
                linked = self.kinds.get(self.hardlink_parts(entry))
                if linked is None or linked.kind != _FILE or order[linked.parts] >= index:
                    raise SkillInstallError(
                        f"{self.archive}: refused: hard link {entry.name!r} points to {entry.link!r}, which is "
                        "not a regular file stored earlier in the archive"
                    )

    def hardlink_parts(self, entry: _Entry) -> tuple[str, ...]:
        """Where the file a hard link names lands; it must be another member of the archive."""
        strip = len(_safe_parts(entry.name, self.archive)) - len(entry.parts)
        return _safe_parts(entry.link, self.archive)[strip:]

    def _check_symlink(self, entry: _Entry) -> None:
        if entry.link.startswith("/") or not entry.link:
            raise SkillInstallError(
                f"{self.archive}: refused: symlink {entry.name!r} points to {entry.link or 'nothing'!r}: "
                "only relative links inside the skill are allowed"
            )
        chain: list[str] = [entry.name]
        if self.resolve(entry.parts[:-1], entry.link, chain) is None:
            route = " -> ".join(chain)
            raise SkillInstallError(
                f"{self.archive}: refused: symlink {entry.name!r} points outside the archive "
                f"({entry.link!r}; followed: {route})"
            )

    def resolve(self, start: tuple[str, ...], link: str, chain: list[str]) -> tuple[str, ...] | None:
        """Where ``link``, read in the folder ``start``, leads in the tree; None when it leaves it."""
        path = list(start)
        for piece in link.split("/"):
            if piece in ("", "."):
                continue
            if piece == "..":
                if not path:
                    return None
                path.pop()
                continue
            path.append(piece)
            inner = self.symlinks.get(tuple(path))
            if inner is None:
                continue
            chain.append(f"{self.kinds[tuple(path)].name} ({inner})")
            if len(chain) > MAX_LINK_HOPS:
                raise SkillInstallError(
                    f"{self.archive}: refused: symlinks loop or chain more than {MAX_LINK_HOPS} times: "
                    + " -> ".join(chain[:6])
                    + " …"
                )
            if inner.startswith("/"):
                return None
            resolved = self.resolve(tuple(path[:-1]), inner, chain)
            if resolved is None:
                return None
            path = list(resolved)
        return tuple(path)


def _entries_of(archive: Path, named: list[tuple[str, str, str]]) -> list[_Entry]:
    """``(name, kind, link)`` triples as entries inside the target, prefix stripped, skipped folders left out."""
    all_parts = [_safe_parts(name, archive) for name, _, _ in named]
    strip = _strip_prefix(all_parts)
    entries = []
    for (name, kind, link), parts in zip(named, all_parts, strict=True):
        kept = parts[strip:]
        if any(p in SKIPPED_NAMES for p in kept):
            continue
        if not kept:
            if kind == _DIR:
                continue
            raise SkillInstallError(
                f"{archive}: refused: member {name!r} has no name inside the skill folder"
            )
        _check_length(archive, name, kept)
        entries.append(_Entry(name, kind, kept, link))
    _Tree(archive, entries).check()
    return entries


# --- writing ----------------------------------------------------------------------------------------------


class _Writer:
    """Creates files under one folder through descriptors, never following a link (see the module docstring)."""

    def __init__(self, archive: Path, root: int) -> None:
        self.archive = archive
        self.root = root
        """Descriptor of the target folder."""
        self.budget = 0
        """Bytes written so far."""

    @contextmanager
    def folder(self, parts: tuple[str, ...], member: str, create: bool = True) -> Iterator[int]:
        """A descriptor of the folder ``parts`` (made as needed), opened without following links."""
        fd = os.dup(self.root)
        try:
            for part in parts:
                if create:
                    with suppress(FileExistsError):
                        os.mkdir(part, 0o755, dir_fd=fd)
                try:
                    inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
                except OSError as error:
                    if error.errno in (errno.ELOOP, errno.ENOTDIR):
                        raise SkillInstallError(
                            f"{self.archive}: refused: member {member!r} would be written through "
                            f"{'/'.join(parts)!r}, which is not a folder of the archive"
                        ) from error
                    raise
                os.close(fd)
                fd = inner
            yield fd
        finally:
            os.close(fd)

    def write(self, entry: _Entry, chunks: Iterable[bytes], mode: int) -> None:
        """Create the regular file ``entry`` (it must not exist) from ``chunks``; permissions ``mode | 0o600``."""
        with self.folder(entry.parts[:-1], entry.name) as parent:
            try:
                fd = os.open(
                    entry.parts[-1],
                    os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                    0o600,
                    dir_fd=parent,
                )
            except FileExistsError as error:
                raise SkillInstallError(
                    f"{self.archive}: refused: member {entry.name!r} is listed twice"
                ) from error
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    self.spend(len(chunk), entry.name)
                    out.write(chunk)
                os.fchmod(out.fileno(), (mode & 0o777) | 0o600)

    def symlink(self, entry: _Entry) -> None:
        with self.folder(entry.parts[:-1], entry.name) as parent:
            os.symlink(entry.link, entry.parts[-1], dir_fd=parent)

    def read(self, parts: tuple[str, ...], member: str) -> Iterator[bytes]:
        """The bytes of a file already written, opened without following links."""
        with self.folder(parts[:-1], member, create=False) as parent:
            fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW, dir_fd=parent)
        with os.fdopen(fd, "rb") as source:
            while chunk := source.read(_CHUNK):
                yield chunk

    def spend(self, count: int, member: str) -> None:
        """Count bytes really written, so a ZIP whose headers lie about sizes is still stopped."""
        self.budget += count
        if self.budget > MAX_TOTAL_BYTES:
            raise SkillInstallError(
                f"{self.archive}: refused at member {member!r}: more than {MAX_TOTAL_BYTES / 1e6:.0f} MB "
                "uncompressed (zip bomb?)"
            )


@contextmanager
def _writer(archive: Path, target: Path) -> Iterator[_Writer]:
    target.mkdir(parents=True)
    root = os.open(target, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        yield _Writer(archive, root)
    finally:
        os.close(root)


def _chunks(source: IO[bytes]) -> Iterator[bytes]:
    while chunk := source.read(_CHUNK):
        yield chunk


# --- the two formats --------------------------------------------------------------------------------------


def _extract_zip(archive: Path, target: Path) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            _check_counts(archive, len(infos), sum(i.file_size for i in infos))
            named = []
            for info in infos:
                kind = stat.S_IFMT(info.external_attr >> 16)
                if kind == stat.S_IFLNK:
                    raise SkillInstallError(f"{archive}: refused: member {info.filename!r} is a symlink")
                if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
                    raise SkillInstallError(
                        f"{archive}: refused: member {info.filename!r} is a device or FIFO"
                    )
                named.append((info.filename, _DIR if info.is_dir() else _FILE, ""))
            entries = _entries_of(archive, named)
            by_name = {info.filename: info for info in infos}
            with _writer(archive, target) as writer:
                for entry in entries:
                    if entry.kind == _DIR:
                        with writer.folder(entry.parts, entry.name):
                            continue
                    info = by_name[entry.name]
                    with zf.open(info) as source:
                        writer.write(entry, _chunks(source), (info.external_attr >> 16) & 0o777 or 0o644)
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
            named = [(m.name, _tar_kind(archive, m), m.linkname) for m in members]
            entries = _entries_of(archive, named)
            by_name = {m.name: m for m in members}  # the last of a name, as tar itself would keep
            tree = _Tree(archive, entries)
            with _writer(archive, target) as writer:
                for entry in entries:
                    member = by_name[entry.name]
                    if entry.kind == _DIR:
                        with writer.folder(entry.parts, entry.name):
                            continue
                    if entry.kind == _SYMLINK:
                        writer.symlink(entry)
                    elif entry.kind == _HARDLINK:
                        linked = tree.hardlink_parts(entry)
                        writer.write(entry, writer.read(linked, entry.name), member.mode)
                    else:
                        source = tf.extractfile(member)
                        if source is None:
                            raise SkillInstallError(f"{archive}: member {member.name!r} cannot be read")
                        with source:
                            writer.write(entry, _chunks(source), member.mode)
    except (tarfile.TarError, EOFError) as error:
        raise SkillInstallError(f"{archive}: damaged tar archive: {error}") from error
    except OSError as error:
        raise SkillInstallError(f"{archive}: cannot extract into {target}: {error}") from error
    logger.info("extracted %s into %s", archive, target)


def _tar_kind(archive: Path, member: tarfile.TarInfo) -> str:
    if member.isfile():
        return _FILE
    if member.isdir():
        return _DIR
    if member.issym():
        return _SYMLINK
    if member.islnk():
        return _HARDLINK
    raise SkillInstallError(f"{archive}: refused: member {member.name!r} is a device or FIFO")
