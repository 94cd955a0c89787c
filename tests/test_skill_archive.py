"""Archives that try to write outside their target through links: each is refused, and nothing lands outside.

The issue's own case (symlinks that chain through each other) and the CVE-2025-4517 archive (symlinks whose
expanded path overflows PATH_MAX, so ``os.path.realpath`` leaves them unchecked) are built here as real tar
files and installed through the real installer. Python 3.11.7's ``tarfile.extractall(filter="data")`` is
shown to be fooled by the CVE archive, which is why the installer has checks of its own.
"""

from __future__ import annotations

import io
import os
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from test_skill_install import leftovers, skill_files

from assistant.errors import SkillInstallError
from assistant.settings import Settings
from assistant.skills import archive
from assistant.skills.install import install


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache", include_bundled=False)


class Tar:
    """A tar archive written member by member; :meth:`close` finishes it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tf = tarfile.open(path, "w")  # noqa: SIM115 (closed by close())

    def file(self, name: str, data: bytes = b"x") -> None:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        self.tf.addfile(info, io.BytesIO(data))

    def folder(self, name: str) -> None:
        info = tarfile.TarInfo(name)
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
        self.tf.addfile(info)

    def symlink(self, name: str, target: str) -> None:
        info = tarfile.TarInfo(name)
        info.type = tarfile.SYMTYPE
        info.linkname = target
        self.tf.addfile(info)

    def hardlink(self, name: str, target: str) -> None:
        info = tarfile.TarInfo(name)
        info.type = tarfile.LNKTYPE
        info.linkname = target
        self.tf.addfile(info)

    def skill(self, prefix: str = "top/") -> None:
        for name, data in skill_files("tarred facts").items():
            self.file(prefix + name, data)

    def close(self) -> Path:
        self.tf.close()
        return self.path


def everything_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


def chained_tar(path: Path) -> Path:
    """The issue's archive: ``up -> ../../../..`` then ``root -> up/../../../..``, then a file under ``root``.

    Read one at a time, each link stays inside (``root`` seems to end at ``a``); followed for real, ``up`` is
    the target folder itself, so ``root`` is four folders above it: outside the data folder."""
    tar = Tar(path)
    tar.skill()
    tar.folder("top/a/b/c/d")
    tar.symlink("top/a/b/c/d/up", "../../../..")
    tar.symlink("top/a/b/c/d/root", "up/../../../..")
    tar.file("top/a/b/c/d/root/escaped.txt", b"written outside")
    return tar.close()


def test_chained_symlinks_are_refused_and_nothing_lands_outside(tmp_path: Path, settings: Settings) -> None:
    source = chained_tar(tmp_path / "chain.tar")
    before = everything_under(tmp_path)
    with pytest.raises(
        SkillInstallError, match=r"symlink 'top/a/b/c/d/root' points outside the archive"
    ) as caught:
        install(source, settings)
    assert "top/a/b/c/d/up (../../../..)" in str(caught.value)  # the chain it followed is named
    assert not (tmp_path / "escaped.txt").exists()
    assert leftovers(settings) == []
    assert everything_under(tmp_path) - before <= {
        settings.data_dir,
        settings.skills_dir,
        settings.skills_dir / ".lock",
    }


def cve_2025_4517_tar(path: Path, destination: Path, overwrite: bool = True) -> Path:
    """The archive of CVE-2025-4517 (as in cpython's test_realpath_limit_attack): sixteen symlinks to long
    folder names make the expanded path overflow PATH_MAX, a link at the end climbs back out, and a hard link
    (then, with ``overwrite``, a file of the same name) and a new file go through it."""
    steps = "abcdefghijklmnop"
    path_max = os.pathconf(destination.parent, "PC_PATH_MAX")
    component = "d" * ((path_max - len(str(destination)) - 1) // (len(steps) + 1))
    tar = Tar(path)
    tar.skill("")
    folder = ""
    for step in steps:
        tar.folder(os.path.join(folder, component))
        tar.symlink(os.path.join(folder, step), component)
        folder = os.path.join(folder, component)
    link = os.path.join(*steps, "l" * 254)
    tar.symlink(link, os.path.join(*[".."] * len(steps)))
    tar.symlink("escape", os.path.join(link, ".."))
    tar.hardlink("flaglink", os.path.join("escape", "flag"))
    if overwrite:
        tar.file("flaglink", b"overwrite")
    tar.file("escape/newfile", b"new")
    return tar.close()


@pytest.mark.parametrize("long_paths_allowed", [False, True])
def test_cve_2025_4517_archive_is_refused(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch, long_paths_allowed: bool
) -> None:
    flag = settings.data_dir / "skills" / "flag"  # what the hard link would reach
    flag.parent.mkdir(parents=True)
    flag.write_text("untouched")
    destination = settings.skills_dir / ".staging-0123456789abcdef" / "skill"
    source = cve_2025_4517_tar(tmp_path / "cve.tar", destination, overwrite=not long_paths_allowed)
    if long_paths_allowed:  # then the link checks alone must catch it
        monkeypatch.setattr(archive, "MAX_PATH_BYTES", 1 << 20)
        expected = r"member '[a-p/]+/l{254}' lies under the symlink 'a'"
    else:
        expected = r"has a path of \d+ bytes \(limit 1024\)"
    with pytest.raises(SkillInstallError, match=expected):
        install(source, settings)
    assert flag.read_text() == "untouched"
    assert not (settings.data_dir / "newfile").exists()
    assert leftovers(settings) == ["flag"]


def test_python_311_data_filter_is_fooled_by_cve_2025_4517(tmp_path: Path) -> None:
    """Why the installer does not rely on tarfile's filters on this Python (skipped once Python is fixed)."""
    target = tmp_path / "data" / "target"
    target.mkdir(parents=True)
    (tmp_path / "data" / "flag").write_text("untouched")
    source = cve_2025_4517_tar(tmp_path / "cve.tar", target)
    try:
        with tarfile.open(source) as tf:
            tf.extractall(target, filter="data")
    except (tarfile.FilterError, OSError):
        pytest.skip("this Python's tarfile data filter refuses the CVE-2025-4517 archive (a fixed Python)")
    assert (tmp_path / "data" / "flag").read_text() == "overwrite"
    assert (tmp_path / "data" / "newfile").read_text() == "new"


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda t: t.symlink("top/abs", "/etc"), r"symlink 'top/abs' points to '/etc': only relative links"),
        (lambda t: t.symlink("top/out", "../.."), r"symlink 'top/out' points outside the archive"),
        (  # a link, then a file stored under it
            lambda t: (t.symlink("top/lib", "node_modules"), t.file("top/lib/x.js")),
            r"member 'top/lib/x.js' lies under the symlink 'top/lib'",
        ),
        (  # the same name twice: a symlink, then a file written through it
            lambda t: (t.symlink("top/index2.js", "../../../escaped.txt"), t.file("top/index2.js")),
            r"member 'top/index2.js' is listed twice",
        ),
        (  # a loop
            lambda t: (t.symlink("top/p", "q"), t.symlink("top/q", "p")),
            r"symlinks loop or chain more than 40 times",
        ),
        (
            lambda t: t.hardlink("top/passwd", "/etc/passwd"),
            r"member '/etc/passwd' has an absolute path",
        ),
        (
            lambda t: t.hardlink("top/h", "top/later.js"),
            r"hard link 'top/h' points to 'top/later.js', which is not a regular file stored earlier",
        ),
        (  # a hard link to a symlink (the hard-link fallback bypass of tarfile)
            lambda t: (t.symlink("top/s", "index.js"), t.hardlink("top/h", "top/s")),
            r"hard link 'top/h' points to 'top/s', which is not a regular file",
        ),
        (lambda t: t.symlink("top/", "../../.."), r"member 'top/' has no name inside the skill folder"),
        (lambda t: t.file("top/" + "x" * 300), r"path component of 300 bytes \(limit 255\)"),
    ],
)
def test_hostile_tar_links_are_refused(
    tmp_path: Path, settings: Settings, build: Callable[[Tar], object], expected: str
) -> None:
    tar = Tar(tmp_path / "evil.tar")
    tar.skill()
    build(tar)
    source = tar.close()
    before = everything_under(tmp_path)
    with pytest.raises(SkillInstallError, match=expected):
        install(source, settings)
    assert leftovers(settings) == []
    assert everything_under(tmp_path) - before <= {
        settings.data_dir,
        settings.skills_dir,
        settings.skills_dir / ".lock",
    }


def test_links_inside_the_archive_still_install(tmp_path: Path, settings: Settings) -> None:
    tar = Tar(tmp_path / "fine.tar")
    tar.skill()
    tar.folder("top/data")
    tar.file("top/data/facts.txt", b"facts")
    tar.symlink("top/facts.txt", "data/facts.txt")
    tar.symlink("top/data/self", "../data")  # a chain that stays inside
    tar.symlink("top/data/again", "self/facts.txt")
    tar.hardlink("top/copy.txt", "top/data/facts.txt")
    package = install(tar.close(), settings)
    assert (package.root / "facts.txt").read_text() == "facts"
    assert (package.root / "data" / "again").read_text() == "facts"
    assert (package.root / "copy.txt").read_text() == "facts"
    assert not (package.root / "copy.txt").is_symlink()


def test_writer_refuses_to_follow_a_link_the_checks_missed(tmp_path: Path) -> None:
    """The second line of defence: the kernel refuses to write through a link even if the plan allowed it."""
    target = tmp_path / "target"
    outside = tmp_path / "outside"
    outside.mkdir()
    with archive._writer(tmp_path / "x.tar", target) as writer:
        (target / "sneaky").symlink_to(outside)
        entry = archive._Entry("sneaky/file", "file", ("sneaky", "file"))
        with pytest.raises(
            SkillInstallError, match=r"would be written through 'sneaky', which is not a folder"
        ):
            writer.write(entry, [b"x"], 0o644)
        (target / "leaf").symlink_to(outside / "leaf.txt")
        with pytest.raises(SkillInstallError, match=r"'leaf' is listed twice"):
            writer.write(archive._Entry("leaf", "file", ("leaf",)), [b"x"], 0o644)
    assert list(outside.iterdir()) == []
