"""Installing skills: safe extraction, all-or-nothing installs, names, ids, the registry.

Most installs here use Node skills without a package.json, which need no dependencies, so they are fast. One
real Python install (pip, ask-sdk-core) and one real Node install (npm, ask-sdk-core) run the installed skill's
handler for real; they are skipped, saying why, when the package registry cannot be reached.
"""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import socket
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from assistant import resources
from assistant.errors import SkillError, SkillInstallError
from assistant.settings import Settings
from assistant.skills import archive
from assistant.skills.install import info, install, remove
from assistant.skills.registry import (
    Registry,
    application_id_for,
    ensure_bundled_envs,
    installation_ids,
    read_metadata,
)

LAYOUTS = Path(__file__).parent / "fixtures" / "layouts"

NODE_HANDLER = """exports.handler = function (event, context, callback) {
    callback(null, {version: '1.0', response: {outputSpeech: {type: 'PlainText', text: 'hi'}}});
};
"""


def skill_files(invocation: str, skill_id: str | None = None) -> dict[str, bytes]:
    """A plain Node skill with no dependencies: a model and an index.js."""
    model = {
        "interactionModel": {
            "languageModel": {
                "invocationName": invocation,
                "intents": [{"name": "HelloIntent", "samples": ["hello"]}],
            }
        }
    }
    code = NODE_HANDLER if skill_id is None else f"const APP_ID = '{skill_id}';\n" + NODE_HANDLER
    return {"en-US.json": json.dumps(model).encode(), "index.js": code.encode()}


def make_node_skill(folder: Path, invocation: str, skill_id: str | None = None) -> Path:
    """The skill of :func:`skill_files`, written to ``folder``."""
    folder.mkdir(parents=True)
    for name, data in skill_files(invocation, skill_id).items():
        (folder / name).write_bytes(data)
    return folder


def leftovers(settings: Settings) -> list[str]:
    """Whatever lies in the skills folder, but for the installs' lock file."""
    if not settings.skills_dir.exists():
        return []
    return sorted(p.name for p in settings.skills_dir.iterdir() if p.name != ".lock")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache", include_bundled=False)


@pytest.fixture
def bundled_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A bundled-skills folder of our own, holding one Node skill answering to "hello world"."""
    folder = tmp_path / "bundled"
    make_node_skill(folder / "hello-world", "hello world")
    monkeypatch.setattr(resources, "bundled_skills_dir", lambda: folder)
    return folder


# --- hostile archives and folders ------------------------------------------------------------------------


def zip_with(path: Path, members: dict[str, bytes], symlinks: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o120777 << 16) | 0
            zf.writestr(info, target)
    return path


def skill_members(prefix: str = "") -> dict[str, bytes]:
    return {prefix + name: data for name, data in skill_files("zipped facts").items()}


@pytest.mark.parametrize(
    ("members", "symlinks", "expected"),
    [
        ({"../evil.js": b"x"}, None, r"member '\.\./evil\.js' climbs out with '\.\.'"),
        ({"skill/../../evil.js": b"x"}, None, r"climbs out"),
        ({"/etc/evil.js": b"x"}, None, r"member '/etc/evil\.js' has an absolute path"),
        ({"C:\\evil.js": b"x"}, None, r"absolute path"),
        ({}, {"link": "../../outside"}, r"member 'link' is a symlink"),
        ({}, {"inner": "index.js"}, r"member 'inner' is a symlink"),
    ],
)
def test_hostile_zip_is_refused_and_nothing_left(
    tmp_path: Path,
    settings: Settings,
    members: dict[str, bytes],
    symlinks: dict[str, str] | None,
    expected: str,
) -> None:
    source = zip_with(tmp_path / "evil.zip", {**skill_members(), **members}, symlinks)
    with pytest.raises(SkillInstallError, match=expected):
        install(source, settings)
    assert leftovers(settings) == []
    assert not (tmp_path / "evil.js").exists()
    assert not Path("/etc/evil.js").exists()


def test_tar_with_symlink_out_is_refused(tmp_path: Path, settings: Settings) -> None:
    source = tmp_path / "evil.tar.gz"
    with tarfile.open(source, "w:gz") as tf:
        for name, data in skill_members("top/").items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("top/escape")
        link.type = tarfile.SYMTYPE
        link.linkname = "../../../../etc/passwd"
        tf.addfile(link)
    with pytest.raises(SkillInstallError, match=r"symlink 'top/escape' points outside"):
        install(source, settings)
    assert leftovers(settings) == []


def test_tar_with_device_is_refused(tmp_path: Path, settings: Settings) -> None:
    source = tmp_path / "device.tar"
    with tarfile.open(source, "w") as tf:
        device = tarfile.TarInfo("top/null")
        device.type = tarfile.CHRTYPE
        device.devmajor, device.devminor = 1, 3
        tf.addfile(device)
    with pytest.raises(SkillInstallError, match=r"member 'top/null' is a device"):
        install(source, settings)
    assert leftovers(settings) == []


def test_folder_with_symlink_out_is_refused(tmp_path: Path, settings: Settings) -> None:
    root = make_node_skill(tmp_path / "linked", "linked facts")
    secret = tmp_path / "secret.txt"
    secret.write_text("private")
    (root / "data.txt").symlink_to(secret)
    with pytest.raises(SkillInstallError, match=r"symlink data\.txt points outside the skill folder"):
        install(root, settings)
    assert leftovers(settings) == []


def test_folder_with_inner_symlink_is_copied_as_relative_link(tmp_path: Path, settings: Settings) -> None:
    root = make_node_skill(tmp_path / "linked", "linked facts")
    (root / "data").mkdir()
    (root / "data" / "facts.txt").write_text("facts")
    (root / "facts.txt").symlink_to(root / "data" / "facts.txt")  # absolute, but inside
    package = install(root, settings)
    copied = package.root / "facts.txt"
    assert copied.is_symlink()
    assert os.readlink(copied) == "data/facts.txt"
    assert copied.read_text() == "facts"


def test_zip_bomb_is_refused(tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 1_000_000)
    source = tmp_path / "bomb.zip"
    with zipfile.ZipFile(source, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in skill_members().items():
            zf.writestr(name, data)
        zf.writestr("zeros.bin", b"\0" * 2_000_000)
    assert source.stat().st_size < 20_000
    with pytest.raises(SkillInstallError, match=r"2 MB uncompressed \(limit 1 MB\)"):
        install(source, settings)
    assert leftovers(settings) == []


def test_too_many_members_are_refused(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive, "MAX_MEMBERS", 10)
    source = zip_with(tmp_path / "many.zip", {**skill_members(), **{f"f{i}.txt": b"" for i in range(20)}})
    with pytest.raises(SkillInstallError, match=r"22 members \(limit 10\)"):
        install(source, settings)


def test_github_zip_top_folder_is_stripped(tmp_path: Path, settings: Settings) -> None:
    source = zip_with(tmp_path / "skill-sample-master.zip", skill_members("skill-sample-master/"))
    package = install(source, settings)
    assert package.name == "zipped-facts"
    assert package.layout == "plain"
    assert (package.root / "index.js").is_file()
    assert not (package.root / "skill-sample-master").exists()
    assert read_metadata(package.root.parent)["source"] == str(source)


def test_tar_gz_installs(tmp_path: Path, settings: Settings) -> None:
    root = make_node_skill(tmp_path / "tarred", "tarred facts")
    source = tmp_path / "tarred.tar.gz"
    with tarfile.open(source, "w:gz") as tf:
        tf.add(root, arcname="tarred")
    package = install(source, settings)
    assert (package.root / "en-US.json").is_file()
    assert Registry(settings).get("tarred facts") == package


# --- names, clashes, shadowing, ids ----------------------------------------------------------------------


def test_invocation_clash_refused_then_renamed(tmp_path: Path, settings: Settings) -> None:
    first = install(make_node_skill(tmp_path / "a", "space facts"), settings)
    second = make_node_skill(tmp_path / "b", "Space Facts")
    with pytest.raises(
        SkillInstallError, match=r"'space facts' is already used by installed skill 'space-facts'"
    ):
        install(second, settings)
    assert leftovers(settings) == ["space-facts"]

    renamed = install(second, settings, invocation="Star Facts")
    assert renamed.name == "star-facts"
    assert renamed.invocation_name == "star facts"
    registry = Registry(settings)
    assert [registry.invocation(p) for p in registry.installed()] == ["space facts", "star facts"]
    assert registry.get("star facts") == renamed
    assert registry.get("space-facts") == first


def test_same_name_twice_is_refused(tmp_path: Path, settings: Settings) -> None:
    install(make_node_skill(tmp_path / "a", "alpha facts"), settings, name="mine")
    with pytest.raises(SkillInstallError, match=r"a skill named 'mine' is already installed"):
        install(make_node_skill(tmp_path / "b", "beta facts"), settings, name="mine")


def test_installed_skill_shadows_bundled_one(
    tmp_path: Path, settings: Settings, bundled_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings.with_(include_bundled=True)
    registry = Registry(settings)
    assert [p.name for p in registry.active()] == ["hello-world"]
    assert registry.active()[0].bundled

    with caplog.at_level(logging.WARNING, logger="assistant.skills.install"):
        mine = install(make_node_skill(tmp_path / "mine", "Hello World"), settings, name="my-hello")
    assert "shadows the bundled skill 'hello-world'" in caplog.text
    assert registry.notices == [
        "installed skill 'my-hello' shadows the bundled skill 'hello-world' (both answer to 'hello world')"
    ]
    assert registry.active() == [mine]
    assert registry.get("hello world") == mine
    assert [p.name for p in registry.bundled()] == ["hello-world"]


def test_broken_bundled_skill_is_left_out_with_a_notice(
    tmp_path: Path, settings: Settings, bundled_dir: Path
) -> None:
    (bundled_dir / "broken").mkdir()
    (bundled_dir / "broken" / "index.js").write_text(NODE_HANDLER)
    settings = settings.with_(include_bundled=True)
    registry = Registry(settings)
    assert [p.name for p in registry.active()] == ["hello-world"]
    assert len(registry.notices) == 1
    assert registry.notices[0].startswith("bundled skill 'broken' is unusable:")
    assert "no interaction model" in registry.notices[0]
    install(make_node_skill(tmp_path / "other", "other facts"), settings)  # does not block installs


def test_application_id_stable_per_installation(tmp_path: Path, settings: Settings) -> None:
    source = make_node_skill(tmp_path / "ids", "id facts")
    first = install(source, settings).application_id
    assert first == application_id_for(settings, "id-facts")
    assert first.startswith("amzn1.ask.skill.")
    remove("id-facts", settings)
    assert install(source, settings).application_id == first

    elsewhere = Settings(data_dir=tmp_path / "other-data", include_bundled=False)
    assert install(source, elsewhere).application_id != first


def test_given_and_pinned_application_ids(tmp_path: Path, settings: Settings) -> None:
    given = install(
        make_node_skill(tmp_path / "a", "given facts"), settings, application_id="amzn1.ask.skill.given"
    )
    assert given.application_id == "amzn1.ask.skill.given"
    pinned = install(make_node_skill(tmp_path / "b", "pinned facts", skill_id="amzn1.ask.skill.pin-1"), settings)
    assert pinned.application_id == "amzn1.ask.skill.pin-1"
    assert Registry(settings).get("pinned facts").application_id == "amzn1.ask.skill.pin-1"


def test_installation_ids_are_stable_and_stored(settings: Settings) -> None:
    user, device = installation_ids(settings)
    assert user.startswith("amzn1.ask.account.")
    assert device.startswith("amzn1.ask.device.")
    assert installation_ids(settings) == (user, device)
    stored = json.loads((settings.data_dir / "identity.json").read_text())
    assert (stored["user_id"], stored["device_id"]) == (user, device)
    assert installation_ids(Settings(data_dir=settings.data_dir.parent / "other")) != (user, device)


def test_info_and_remove(tmp_path: Path, settings: Settings) -> None:
    package = install(make_node_skill(tmp_path / "x", "info facts"), settings)
    details = info("info facts", settings)
    assert details["name"] == "info-facts"
    assert details["runtime"] == "node"
    assert details["handler"] == "index.handler"
    assert details["invocation_name"] == "info facts"
    assert details["source"] == str(tmp_path / "x")
    assert details["installed"]
    assert details["root"] == str(package.root)

    remove("info-facts", settings)
    assert leftovers(settings) == []
    with pytest.raises(SkillError, match=r"no installed skill 'info-facts' \(installed: none\)"):
        remove("info-facts", settings)


def test_bad_skill_folder_says_what_is_missing(tmp_path: Path, settings: Settings) -> None:
    source = tmp_path / "empty-skill"
    source.mkdir()
    (source / "README.md").write_text("nothing here")
    with pytest.raises(SkillInstallError, match=rf"cannot install {source}: {source}: no interaction model"):
        install(source, settings)
    assert leftovers(settings) == []


def test_legacy_skill_is_named_after_its_source(tmp_path: Path, settings: Settings) -> None:
    root = tmp_path / "space-geek-master"
    shutil.copytree(LAYOUTS / "legacy-fact", root)
    (root / "src" / "package.json").unlink()  # alexa-sdk v1 would need npm; the name is what matters here
    package = install(root, settings)
    assert (package.layout, package.name, package.handler) == ("legacy", "space-geek", "index.handler")
    assert Registry(settings).invocation(package) == "space geek"


def test_invalid_model_is_refused_with_its_problems(tmp_path: Path, settings: Settings) -> None:
    root = make_node_skill(tmp_path / "bad-model", "bad model")
    model = json.loads((root / "en-US.json").read_text())
    model["interactionModel"]["languageModel"]["intents"][0]["slots"] = [
        {"name": "size", "type": "NoSuchType"}
    ]
    (root / "en-US.json").write_text(json.dumps(model))
    with pytest.raises(
        SkillInstallError,
        match=r"(?s)cannot install .*bad-model.*en-US.json:/interactionModel/languageModel/intents/0/slots/0/type.*NoSuchType",
    ):
        install(root, settings)
    assert leftovers(settings) == []


def test_bundled_python_env_is_built_once_and_outdated_when_requirements_change(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundled = tmp_path / "bundled"
    shutil.copytree(LAYOUTS / "plain-python", bundled / "greeter")
    requirements = bundled / "greeter" / "requirements.txt"
    requirements.write_text("# nothing beyond the standard library\n")  # pip needs no network for this
    monkeypatch.setattr(resources, "bundled_skills_dir", lambda: bundled)
    settings = settings.with_(include_bundled=True)
    registry = Registry(settings)
    assert registry.bundled()[0].env_dir is None
    assert "bundled skill 'greeter' has no up-to-date environment" in registry.notices[0]

    env = settings.data_dir / "bundled-envs" / "greeter"
    assert ensure_bundled_envs(settings) == [env]
    assert registry.bundled()[0].env_dir == env
    assert registry.notices == []
    assert (env / "bin" / "python").exists()
    assert ensure_bundled_envs(settings) == []  # up to date: nothing to do

    assert [p.name for p in env.parent.iterdir()] == ["greeter"]  # no staging folder left

    requirements.write_text("# changed\n")  # ensure_bundled_envs would now rebuild it
    assert registry.bundled()[0].env_dir is None
    assert "no up-to-date environment" in registry.notices[0]


# --- real dependency installs (network) ------------------------------------------------------------------


def reachable(host: str) -> bool:
    try:
        socket.create_connection((host, 443), timeout=5).close()
    except OSError:
        return False
    return True


def launch_request(application_id: str) -> dict[str, object]:
    system = {
        "application": {"applicationId": application_id},
        "user": {"userId": "amzn1.ask.account.test"},
        "device": {"deviceId": "amzn1.ask.device.test", "supportedInterfaces": {}},
        "apiEndpoint": "https://api.amazonalexa.com",
    }
    return {
        "version": "1.0",
        "session": {
            "new": True,
            "sessionId": "amzn1.echo-api.session.test",
            "application": {"applicationId": application_id},
            "user": {"userId": "amzn1.ask.account.test"},
            "attributes": {},
        },
        "context": {"System": system},
        "request": {
            "type": "LaunchRequest",
            "requestId": "amzn1.echo-api.request.test",
            "timestamp": "2024-01-01T00:00:00Z",
            "locale": "en-US",
        },
    }


def test_failing_pip_install_leaves_nothing_and_says_why(tmp_path: Path, settings: Settings) -> None:
    root = tmp_path / "broken"
    shutil.copytree(LAYOUTS / "ask-v2-python", root)
    (root / "lambda" / "requirements.txt").write_text("assistant-no-such-package-zz9==0.0.1\n")
    with pytest.raises(SkillInstallError) as caught:
        install(root, settings)
    message = str(caught.value)
    assert "pip install -r requirements.txt failed" in message
    assert "assistant-no-such-package-zz9" in message  # pip's own words, not just ours
    assert str(root) in message and ".staging" not in message
    assert leftovers(settings) == []


@pytest.mark.slow
def test_real_python_install_runs_the_handler(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not reachable("pypi.org"):
        pytest.skip("PyPI is unreachable: cannot install ask-sdk-core")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    settings = Settings(include_bundled=False)
    assert settings.data_dir == tmp_path / "xdg" / "assistant"

    package = install(LAYOUTS / "ask-v2-python", settings)
    assert package.env_dir == settings.skills_dir / "hello-world" / "env"
    assert Registry(settings).installed() == [package]
    # The env was built in a staging folder and renamed: its scripts must still run.
    assert ".staging" not in (package.env_dir / "bin" / "pip").read_text()
    pip = subprocess.run(
        [str(package.env_dir / "bin" / "pip"), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert str(package.env_dir) in pip.stdout

    program = (
        "import json, sys; from lambda_function import lambda_handler; "
        "print(json.dumps(lambda_handler(json.loads(sys.argv[1]), None)))"
    )
    done = subprocess.run(
        [
            str(package.env_dir / "bin" / "python"),
            "-c",
            program,
            json.dumps(launch_request(package.application_id)),
        ],
        cwd=package.code_dir,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    response = json.loads(done.stdout)
    assert (
        response["response"]["outputSpeech"]["ssml"] == "<speak>Welcome, you can say Hello or Help.</speak>"
    )


@pytest.mark.slow
def test_real_node_install_runs_the_handler(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed (apt-get install nodejs npm)")
    if not reachable("registry.npmjs.org"):
        pytest.skip("the npm registry is unreachable: cannot install ask-sdk-core")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    settings = Settings(include_bundled=False)

    package = install(LAYOUTS / "ask-v2-node", settings)
    assert package.runtime == "node" and package.env_dir is None
    assert (package.code_dir / "node_modules" / "ask-sdk-core" / "package.json").is_file()
    assert not (LAYOUTS / "ask-v2-node" / "code" / "node_modules").exists()

    program = (
        "require('./index.js').handler(JSON.parse(process.argv[1]), {}, "
        "(err, res) => { if (err) { throw err; } console.log(JSON.stringify(res)); });"
    )
    done = subprocess.run(
        ["node", "-e", program, json.dumps(launch_request(package.application_id))],
        cwd=package.code_dir,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    response = json.loads(done.stdout)
    assert (
        response["response"]["outputSpeech"]["ssml"] == "<speak>Welcome, you can say Hello or Help.</speak>"
    )
