"""Hostile files: a production cannot make a build read or write outside its folder, its templates render in
jinja2's sandbox, model code never runs unless asked for, and secrets stay in the environment."""

from __future__ import annotations

import subprocess
import sys
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from conftest import doit, make_production
from reliability_support import FAIL, env_with, files_under, make_flaky_production

import scriptagent.schema as schema
from scriptagent.errors import BackendError, InputError
from scriptagent.schema import load_production

# --- paths --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("link", ["build", "build/renders"])
def test_a_build_folder_linking_outside_is_refused_before_anything_is_written(tmp_path, link):
    folder = make_production(tmp_path / "film")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (folder / link).parent.mkdir(exist_ok=True)
    (folder / link).symlink_to(outside, target_is_directory=True)
    result = doit(folder, check=False)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"{link}: a symlink to outside the production folder; remove it (a build "
                                          "writes only inside its production folder)"]
    assert list(outside.iterdir()) == [] and not (folder / "script.yaml").exists()


def test_links_that_stay_inside_the_production_are_fine(tmp_path):
    folder = make_production(tmp_path / "film")
    (folder / "cast").mkdir()
    (folder / "portraits").mkdir()
    from PIL import Image
    Image.new("RGB", (8, 8), "red").save(folder / "portraits" / "ana.png")
    (folder / "cast" / "ana.png").symlink_to(Path("..") / "portraits" / "ana.png")
    text = (folder / "production.yaml").read_text()
    (folder / "production.yaml").write_text(text.replace("    name: Ana\n",
                                                         "    name: Ana\n    reference: cast/ana.png\n"))
    assert load_production(folder).cast[0].reference == "cast/ana.png"


def test_a_user_template_cannot_reach_python_through_the_sandbox(tmp_path):
    from scriptagent.scripter.prompts import Prompts

    folder = make_production(tmp_path / "film")
    production = load_production(folder)
    templates = folder / "templates" / "scripter"
    templates.mkdir(parents=True)
    (templates / "system.j2").write_text("You write scripts for {{ title }}.\n")
    assert Prompts(folder).system(production) == "You write scripts for Small Test.\n"  # overrides do work

    (templates / "system.j2").write_text("{{ title.__class__.__mro__[1].__subclasses__() }}\n")
    with pytest.raises(InputError) as refused:
        Prompts(folder).system(production)
    [line] = str(refused.value).splitlines()
    assert line.startswith("templates/scripter/system.j2") and "unsafe" in line


# --- model code and secrets ---------------------------------------------------------------------------------------

def models_of_the_schema() -> set[type[BaseModel]]:
    """Every pydantic model reachable from production.yaml's schema."""
    found: set[type[BaseModel]] = set()
    pending: list = [schema.Production]
    while pending:
        annotation = pending.pop()
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation not in found:
                found.add(annotation)
                pending += [field.annotation for field in annotation.model_fields.values()]
        else:
            pending += list(typing.get_args(annotation))
    return found


def test_model_code_runs_only_when_trust_remote_code_is_set_explicitly():
    with_the_field = [m for m in models_of_the_schema() if "trust_remote_code" in m.model_fields]
    assert with_the_field, "no backend has trust_remote_code any more: update this test"
    for model in with_the_field:
        field = model.model_fields["trust_remote_code"]
        assert field.default is False and field.annotation is bool, model.__name__


def test_no_setting_holds_a_secret_only_the_name_of_a_variable():
    secretive = {"key", "apikey", "token", "secret", "password", "passwd", "credential", "credentials"}
    for model in models_of_the_schema():
        for name in model.model_fields:
            if secretive & set(name.lower().split("_")):
                assert name.endswith("_env"), f"{model.__name__}.{name} would hold a secret in production.yaml"


def test_a_secret_never_shows_in_an_error_even_when_a_library_echoes_it(tmp_path, monkeypatch):
    secret = "sk-live-Zx81Qp0Lm3Rt7Yv2"
    monkeypatch.setenv("VIDEO_API_KEY", secret)
    assert str(BackendError(f"refused {secret}")) == "refused $VIDEO_API_KEY"

    folder = make_flaky_production(tmp_path / "film", anchoring="none")
    result = subprocess.run([sys.executable, "-m", "doit"], cwd=folder, capture_output=True, text=True,
                            env=env_with(VIDEO_API_KEY=secret, **{FAIL: "sh02=EchoesKey"}))
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["render:sh02: failed: PermissionError: 401 for Authorization: Bearer "
                                          "$VIDEO_API_KEY (the other finished artifacts are kept; `doit` retries "
                                          "what failed)"]
    assert secret not in result.stdout
    assert not [name for name, data in files_under(folder).items() if secret.encode() in data]
