"""The `openai` scripter against an OpenAI-compatible server on loopback (a thread in the test), driven as a user
drives it: doit and the scriptagent command in a production folder. No network, no model."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from chat_server import ChatServer
from conftest import SMALL_PRODUCTION, cli, doit, make_production

from scriptagent.errors import BackendError, InputError
from scriptagent.lm.openai_chat import chat
from scriptagent.schema import OpenAIScripterConfig, Production, Script, load_production
from scriptagent.scripter import script_header, script_inputs_digest, script_state
from scriptagent.scripter.rule_based import RuleBasedScripter
from scriptagent.yamlio import load_yaml_text

KEY = "sk-test-7Hq2ZpLw9NvXc4RtYb"
KEY_ENV = "SCRIPTAGENT_TEST_KEY"


@pytest.fixture
def servers():
    started = []

    def start(plan, **options):
        started.append(ChatServer(plan, **options))
        return started[-1]

    yield start
    for server in started:
        server.close()


def production_text(url: str, **settings) -> str:
    options = {"model": "tiny-test", "base_url": url, "api_key_env": KEY_ENV, "timeout": 1, "retries": 2, **settings}
    flow = ", ".join(f"{key}: {value}" for key, value in options.items())
    return SMALL_PRODUCTION.replace("scripter: {backend: rule-based}", f"scripter: {{backend: openai, {flow}}}")


def valid_script_json(production_yaml: str) -> str:
    """A script that passes the validators: the rule-based scripter's, for the same production."""
    production = Production.model_validate(load_yaml_text(production_yaml.replace("ANCHORING", "chain"), "p"))
    return json.dumps(RuleBasedScripter(production.scripter).write(production).model_dump(mode="json"), indent=1)


def without_line(script_json: str, text: str) -> str:
    data = json.loads(script_json)
    for scene in data["scenes"]:
        for shot in scene["shots"]:
            shot["dialogue"] = [line for line in shot["dialogue"] if line["line"] != text]
    return json.dumps(data)


def last_user_message(request: dict) -> str:
    return [m for m in request["messages"] if m["role"] == "user"][-1]["content"]


def files_containing(folder: Path, secret: str) -> list[str]:
    return [str(path) for path in folder.rglob("*") if path.is_file() and secret.encode() in path.read_bytes()]


def test_build_repairs_the_script_twice_and_retries_the_server(tmp_path, servers, monkeypatch):
    good = valid_script_json(SMALL_PRODUCTION)
    missing = without_line(good, "Are you nervous?")
    server = servers([("status", 500), ("hang", 3), ("reply", '{"title": "Small Test", "scenes": [{"id": '),
                      ("reply", f"Here is the script:\n```json\n{missing}\n```"), ("reply", good)],
                     refuse_json_schema=True)
    folder = make_production(tmp_path / "p", text=production_text(server.url))
    monkeypatch.setenv(KEY_ENV, KEY)

    result = doit(folder, "script")

    script_text = (folder / "script.yaml").read_text()
    assert Script.model_validate(load_yaml_text(script_text, "script.yaml")).model_dump(mode="json") == json.loads(good)
    header = script_header(script_text)
    assert {key: header[key] for key in ("backend", "model", "seed", "repairs")} == {
        "backend": "openai", "model": "tiny-test", "seed": "3", "repairs": "2"}
    assert re.fullmatch(r"[0-9a-f]{16}", header["templates"])
    assert script_state(script_text) == ("pristine", script_inputs_digest(load_production(folder)))

    # json_schema refused once (400), then json_object; a 500 and a timeout retried; three replies, two repairs
    formats = [(r.get("response_format") or {}).get("type") for r in server.requests]
    assert formats == ["json_schema"] + ["json_object"] * 5
    assert len(server.requests) == 6 and not server.plan
    assert set(server.paths) == {"/v1/chat/completions"} and set(server.auth) == {f"Bearer {KEY}"}
    first_repair, second_repair = last_user_message(server.requests[4]), last_user_message(server.requests[5])
    assert "invalid JSON" in first_repair
    assert re.search(r'dialogue line 3 \(ana: "Are you nervous\?"\) is missing', second_repair)
    assert "invalid JSON" not in second_repair
    # the model sees its own last attempt before the repair request, and nothing older
    assert [m["role"] for m in server.requests[5]["messages"]] == ["system", "user", "assistant", "user"]
    assert server.requests[5]["messages"][2]["content"] == f"Here is the script:\n```json\n{missing}\n```"
    assert [r["seed"] for r in server.requests[3:]] == [3, 4, 5]

    assert "repair it (round 2 of 3)" in result.stderr
    assert KEY not in result.stdout + result.stderr
    assert files_containing(folder, KEY) == []


def test_build_fails_after_the_repair_rounds_and_writes_nothing(tmp_path, servers, monkeypatch):
    missing = without_line(valid_script_json(SMALL_PRODUCTION), "Terrified.")
    server = servers([("reply", missing)] * 2)
    folder = make_production(tmp_path / "p", text=production_text(server.url, repair_rounds=1))
    monkeypatch.setenv(KEY_ENV, KEY)

    result = doit(folder, "script", check=False)

    assert result.returncode == 2
    output = result.stdout + result.stderr
    assert "still has 1 problem after 1 repair round" in output
    assert re.search(r'^  - \[dialogue\] shot sh\d+: dialogue line 4 \(ben: "Terrified\."\) is missing', output, re.M)
    assert not (folder / "script.yaml").exists() and len(server.requests) == 2
    assert "Traceback" not in output


@pytest.mark.parametrize("key", [KEY, None])
def test_401_is_one_clear_line_without_the_key(tmp_path, servers, monkeypatch, key):
    server = servers([("status", 401)] * 3)
    folder = make_production(tmp_path / "p", text=production_text(server.url))
    if key:
        monkeypatch.setenv(KEY_ENV, key)
    else:
        monkeypatch.delenv(KEY_ENV, raising=False)

    result = cli("script", str(folder), cwd=tmp_path)

    assert result.returncode == 2
    error = [line for line in result.stderr.splitlines() if not line.startswith("scripter: asking")]
    assert len(error) == 1 and "(401)" in error[0], result.stderr
    if key:
        assert f"refused the API key in ${KEY_ENV}" in error[0]
    else:
        assert f"export {KEY_ENV}=" in error[0]
    assert KEY not in result.stdout + result.stderr
    assert len(server.requests) == 1, "a 401 is not retried"
    assert not (folder / "script.yaml").exists()


def test_timeouts_and_500s_are_retried_then_reported(servers):
    hanging = servers([("hang", 2)] * 3)
    config = OpenAIScripterConfig(model="m", base_url=hanging.url, api_key_env=KEY_ENV, timeout=0.3, retries=1,
                                  response_format="text")
    with pytest.raises(BackendError, match=r"no reply from .* within 0.3 s, after 1 retry \(hint: raise"):
        chat([{"role": "user", "content": "hi"}], config)
    assert len(hanging.requests) == 2

    failing = servers([("status", 503)] * 4)
    config = config.model_copy(update={"base_url": failing.url, "retries": 3})
    with pytest.raises(BackendError, match=r"failed with 503 after 3 retries") as raised:
        chat([{"role": "user", "content": "hi"}], config)
    assert len(failing.requests) == 4 and KEY not in str(raised.value)

    recovering = servers([("status", 429), ("status", 500), ("reply", "ok")])
    config = config.model_copy(update={"base_url": recovering.url, "retries": 2})
    assert chat([{"role": "user", "content": "hi"}], config) == "ok"
    assert len(recovering.requests) == 3


def test_script_command_with_a_backend_regenerates_and_keeps_the_edit(tmp_path, servers, monkeypatch):
    folder = make_production(tmp_path / "p")
    doit(folder, "script")
    edited = (folder / "script.yaml").read_text().replace("You're up early.", "You are up early.")
    (folder / "script.yaml").write_text(edited)
    server = servers([("reply", valid_script_json(SMALL_PRODUCTION))])
    monkeypatch.setenv(KEY_ENV, KEY)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)  # the default api_key_env

    result = cli("script", str(folder), "--backend", "openai", "--model", "served-model", "--base-url", server.url,
                 cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert (folder / "script.yaml.bak").read_text() == edited
    written = (folder / "script.yaml").read_text()
    assert script_header(written)["backend"] == "openai" and script_header(written)["model"] == "served-model"
    assert server.requests[0]["model"] == "served-model"
    # the next build keeps it: it was made from production.yaml as it is
    assert doit(folder, "script").returncode == 0
    assert (folder / "script.yaml").read_text() == written


def test_script_command_on_a_dialogue_file_prints_yaml(tmp_path, servers, monkeypatch):
    (tmp_path / "scene.txt").write_text("ANA: You're up early.\nBEN: Couldn't sleep.\nANA: Are you nervous?\n")
    plain = cli("script", "--dialogue", "scene.txt", cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    script = Script.model_validate(load_yaml_text(plain.stdout, "stdout"))
    assert [line.line for _, shot in script.shots() for line in shot.dialogue] == [
        "You're up early.", "Couldn't sleep.", "Are you nervous?"]
    assert script_header(plain.stdout)["backend"] == "rule-based"

    server = servers([("reply", json.dumps(script.model_dump(mode="json")))])
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    served = cli("script", "--dialogue", "scene.txt", "--backend", "openai", "--model", "m", "--base-url",
                 server.url, cwd=tmp_path)
    assert served.returncode == 0, served.stderr
    assert Script.model_validate(load_yaml_text(served.stdout, "stdout")) == script
    assert script_header(served.stdout)["model"] == "m"
    assert '"Are you nervous?"' in last_user_message(server.requests[0])
    assert not list(tmp_path.glob("*.yaml")) and KEY not in served.stdout + served.stderr


def test_the_key_stays_out_of_production_yaml(tmp_path):
    for line, expected in [("api_key: sk-abcdef123456", "never write the key in production.yaml"),
                           ("api_key_env: sk-abcdef123456", "name of an environment variable")]:
        text = SMALL_PRODUCTION.replace("scripter: {backend: rule-based}",
                                        f"scripter: {{backend: openai, model: m, {line}}}")
        folder = make_production(tmp_path / line[:7], text=text)
        with pytest.raises(InputError) as raised:
            load_production(folder)
        assert expected in str(raised.value) and "abcdef123456" not in str(raised.value)


def test_a_prompt_template_edit_regenerates_a_pristine_script_and_keeps_an_edited_one(tmp_path, servers,
                                                                                       monkeypatch):
    from conftest import REPO, executed

    from scriptagent.scripter.prompts import Prompts

    server = servers([("reply", valid_script_json(SMALL_PRODUCTION))] * 2)
    folder = make_production(tmp_path / "p", text=production_text(server.url))
    monkeypatch.setenv(KEY_ENV, KEY)
    assert executed(doit(folder, "script").stdout) == ["script"]
    assert executed(doit(folder, "script").stdout) == [] and len(server.requests) == 1

    override = folder / "templates" / "scripter"
    override.mkdir(parents=True)
    user = (REPO / "templates" / "scripter" / "user.j2").read_text()
    (override / "user.j2").write_text(user + "\nKeep every shot under six seconds.\n")
    assert executed(doit(folder, "script").stdout) == ["script"] and len(server.requests) == 2
    assert "Keep every shot under six seconds." in last_user_message(server.requests[1])
    assert script_header((folder / "script.yaml").read_text())["templates"] == Prompts(folder).digest()
    assert executed(doit(folder, "script").stdout) == []

    # an edited script is never overwritten; the build says what it was not regenerated for
    edited = (folder / "script.yaml").read_text().replace("You're up early.", "You are up early.")
    (folder / "script.yaml").write_text(edited)
    (override / "user.j2").write_text(user + "\nKeep every shot under five seconds.\n")
    result = doit(folder, "script")
    assert (folder / "script.yaml").read_text() == edited and len(server.requests) == 2
    assert "kept your edited script although the prompt templates changed" in result.stderr


def test_a_key_echoed_in_a_reply_never_reaches_the_script(tmp_path, servers, monkeypatch):
    good = json.loads(valid_script_json(SMALL_PRODUCTION))
    good["scenes"][0]["shots"][0]["description"] += f" (request signed {KEY})"  # a server that echoes what it was sent
    server = servers([("reply", json.dumps(good))])
    folder = make_production(tmp_path / "p", text=production_text(server.url))
    monkeypatch.setenv(KEY_ENV, KEY)

    result = doit(folder, "script")

    assert files_containing(folder, KEY) == [] and KEY not in result.stdout + result.stderr
    assert f"(request signed ${KEY_ENV})" in (folder / "script.yaml").read_text()
