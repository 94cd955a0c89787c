"""Skill folders of every layout resolve to the right model, code folder, runtime and handler."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant.errors import SkillError
from assistant.skills.layout import (
    detect,
    handler_file,
    invocation_name,
    model_invocation_name,
    pinned_application_id,
    slugify,
)

LAYOUTS = Path(__file__).parent / "fixtures" / "layouts"


@pytest.mark.parametrize(
    ("fixture", "layout", "runtime", "handler", "code_dir", "model_path", "spoken"),
    [
        (
            "ask-v2-python",
            "ask-cli-v2",
            "python",
            "lambda_function.lambda_handler",
            "lambda",
            "skill-package/interactionModels/custom/en-US.json",
            "hello world",
        ),
        (
            "ask-v2-node",
            "ask-cli-v2",
            "node",
            "index.handler",
            "code",  # ask-resources.json profiles.default.code.default.src
            "skill-package/interactionModels/custom/en-US.json",
            "node greeter",
        ),
        (
            "ask-v1-python",
            "ask-cli-v1",
            "python",
            "hello_world.handler",  # non-default, from .ask/config
            "lambda/py",
            "models/en-US.json",
            "classy hello",
        ),
        (
            "ask-v1-node",
            "ask-cli-v1",
            "node",
            "index.handler",
            "lambda/custom",
            "models/en-US.json",
            "space facts",
        ),
        ("legacy-fact", "legacy", "node", "index.handler", "src", "speechAssets", "legacy fact"),
        ("plain-python", "plain", "python", "greeter.handler", ".", "interaction-model.json", "plain helper"),
        ("plain-node", "plain", "node", "index.handler", ".", "en-US.json", "plain node"),
    ],
)
def test_each_layout_is_detected(
    fixture: str, layout: str, runtime: str, handler: str, code_dir: str, model_path: str, spoken: str
) -> None:
    root = (LAYOUTS / fixture).resolve()
    package = detect(root)
    assert package.layout == layout
    assert package.runtime == runtime
    assert package.handler == handler
    assert package.code_dir == (root / code_dir).resolve()
    assert package.model_path == root / model_path
    assert package.root == root
    assert package.name == fixture
    assert invocation_name(package) == spoken
    assert handler_file(package).is_file()


def test_handler_found_by_reading_code_when_no_conventional_file(tmp_path: Path) -> None:
    """The Python hello-world-classes sample names its module hello_world.py and has no config here."""
    root = tmp_path / "classes"
    shutil.copytree(LAYOUTS / "ask-v1-python", root)
    shutil.rmtree(root / ".ask")
    (root / "skill.json").unlink()
    assert detect(root).handler == "hello_world.handler"


def test_ask_v1_source_dir_built_by_the_deploy_hook_means_the_folder_it_copies(tmp_path: Path) -> None:
    """Amazon's Python samples for ASK CLI v1 name ``lambda/py/lambda_upload``, which their pre-deploy hook
    builds by copying ``lambda/py``; a clone has only ``lambda/py``."""
    root = tmp_path / "uploaded"
    shutil.copytree(LAYOUTS / "ask-v1-python", root)
    manifest = json.loads((root / "skill.json").read_text())
    manifest["manifest"]["apis"]["custom"]["endpoint"]["sourceDir"] = "lambda/py/lambda_upload"
    (root / "skill.json").write_text(json.dumps(manifest))
    package = detect(root)
    assert package.code_dir == root / "lambda" / "py"
    assert handler_file(package).is_file()

    manifest["manifest"]["apis"]["custom"]["endpoint"]["sourceDir"] = "lambda/python/lambda_upload"
    (root / "skill.json").write_text(json.dumps(manifest))
    with pytest.raises(SkillError, match="code folder lambda/python/lambda_upload .* is missing"):
        detect(root)  # nothing there to copy: still the clear error


def test_node_handler_found_by_exports(tmp_path: Path) -> None:
    root = tmp_path / "node"
    shutil.copytree(LAYOUTS / "plain-node", root)
    (root / "index.js").rename(root / "skill.js")
    assert detect(root).handler == "skill.handler"


def test_runtime_from_files_when_config_is_silent(tmp_path: Path) -> None:
    root = tmp_path / "v2"
    shutil.copytree(LAYOUTS / "ask-v2-python", root)
    (root / "ask-resources.json").unlink()
    package = detect(root)
    assert (package.runtime, package.handler, package.code_dir.name) == (
        "python",
        "lambda_function.lambda_handler",
        "lambda",
    )


def test_other_locale_is_picked(tmp_path: Path) -> None:
    package = detect(LAYOUTS / "ask-v1-python", locale="de-DE")
    assert package.model_path.name == "de-DE.json"
    assert model_invocation_name(package, "de-DE") == "hallo welt"


def test_missing_locale_names_the_ones_there() -> None:
    with pytest.raises(SkillError) as caught:
        detect(LAYOUTS / "ask-v1-python", locale="fr-FR")
    message = str(caught.value)
    assert "models: no fr-FR interaction model (fr-FR.json); locales available: de-DE, en-US" in message
    assert "ask-v1-python" in message


def test_configured_handler_whose_module_is_missing(tmp_path: Path) -> None:
    root = tmp_path / "broken"
    shutil.copytree(LAYOUTS / "ask-v1-python", root)
    (root / "lambda" / "py" / "hello_world.py").rename(root / "lambda" / "py" / "other.py")
    with pytest.raises(
        SkillError, match=r"handler 'hello_world.handler' \(from .*\.ask/config\).*no such python file"
    ):
        detect(root)


def test_folder_without_model(tmp_path: Path) -> None:
    (tmp_path / "lambda_function.py").write_text("def lambda_handler(event, context):\n    return {}\n")
    with pytest.raises(SkillError, match="no interaction model"):
        detect(tmp_path)


def test_folder_without_code(tmp_path: Path) -> None:
    shutil.copy(LAYOUTS / "plain-node" / "en-US.json", tmp_path / "en-US.json")
    with pytest.raises(SkillError, match="without handler code"):
        detect(tmp_path)


def test_python_code_without_entry_point(tmp_path: Path) -> None:
    shutil.copy(LAYOUTS / "plain-node" / "en-US.json", tmp_path / "en-US.json")
    (tmp_path / "helpers.py").write_text("X = 1\n")
    with pytest.raises(
        SkillError, match=r"no lambda_function\.py and no module that calls \.lambda_handler\(\)"
    ):
        detect(tmp_path)


def test_code_folder_outside_the_skill_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "v2"
    shutil.copytree(LAYOUTS / "ask-v2-python", root)
    config = json.loads((root / "ask-resources.json").read_text())
    config["profiles"]["default"]["code"]["default"]["src"] = "../../etc"
    (root / "ask-resources.json").write_text(json.dumps(config))
    with pytest.raises(SkillError, match="outside the skill folder"):
        detect(root)


def test_unsupported_runtime(tmp_path: Path) -> None:
    root = tmp_path / "v2"
    shutil.copytree(LAYOUTS / "ask-v2-python", root)
    config = json.loads((root / "ask-resources.json").read_text())
    config["profiles"]["default"]["skillInfrastructure"]["userConfig"]["runtime"] = "java11"
    (root / "ask-resources.json").write_text(json.dumps(config))
    with pytest.raises(SkillError, match="runtime 'java11' is not supported"):
        detect(root)


def test_several_models_in_a_plain_folder(tmp_path: Path) -> None:
    root = tmp_path / "two"
    shutil.copytree(LAYOUTS / "plain-python", root)
    shutil.copy(root / "interaction-model.json", root / "other-model.json")
    with pytest.raises(SkillError, match="several interaction models"):
        detect(root)


def test_invalid_json_config_is_located(tmp_path: Path) -> None:
    root = tmp_path / "v2"
    shutil.copytree(LAYOUTS / "ask-v2-python", root)
    (root / "ask-resources.json").write_text('{"profiles": {\n  "default": \n}')
    with pytest.raises(SkillError, match=r"ask-resources.json: line 3: invalid JSON"):
        detect(root)


def test_pinned_ids() -> None:
    assert (
        detect(LAYOUTS / "ask-v2-node").application_id
        == "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"
    )
    plain = detect(LAYOUTS / "plain-node")
    assert plain.application_id == "amzn1.ask.skill.99999999-8888-7777-6666-555555555555"
    # .ask/config's empty skill_id and the legacy sample's placeholder pin nothing.
    assert pinned_application_id(LAYOUTS / "ask-v1-python", LAYOUTS / "ask-v1-python/lambda/py") is None
    assert pinned_application_id(LAYOUTS / "legacy-fact", LAYOUTS / "legacy-fact/src") is None


def test_python_skill_id_in_code_is_pinned(tmp_path: Path) -> None:
    root = tmp_path / "pinned"
    shutil.copytree(LAYOUTS / "plain-python", root)
    code = (
        (root / "greeter.py")
        .read_text()
        .replace("sb = SkillBuilder()", 'sb = SkillBuilder()\nsb.skill_id = "amzn1.ask.skill.abc-123"')
    )
    (root / "greeter.py").write_text(code)
    assert detect(root).application_id == "amzn1.ask.skill.abc-123"


def test_unpinned_id_is_stable_and_given_id_wins() -> None:
    first = detect(LAYOUTS / "plain-python").application_id
    assert first.startswith("amzn1.ask.skill.")
    assert detect(LAYOUTS / "plain-python").application_id == first
    assert detect(LAYOUTS / "plain-python", application_id="amzn1.ask.skill.mine").application_id == (
        "amzn1.ask.skill.mine"
    )


def test_legacy_invocation_name_from_manifest(tmp_path: Path) -> None:
    root = tmp_path / "legacy"
    shutil.copytree(LAYOUTS / "legacy-fact", root)
    manifest = {"manifest": {"publishingInformation": {"locales": {"en-US": {"name": "Space  Facts"}}}}}
    (root / "skill.json").write_text(json.dumps(manifest))
    assert model_invocation_name(detect(root)) == "space facts"


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Hello World", "hello-world"),
        ("  wise guy!! ", "wise-guy"),
        ("skill_sample.py", "skill-sample-py"),
        ("", ""),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug
