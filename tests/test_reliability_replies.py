"""Hostile language-model servers and replies (issue #17): whatever a server sends, `doit script` and `scriptagent
script` end within the timeout with exit 2 and one line (no traceback, nothing outside build/ changed, the script
already there kept), the judge reports a skipped rubric and the build goes on, and the GRPO reward scores 0.

The servers are raw sockets on loopback (HostileServer): every byte is the test's. The classes, and their cases:

1. Replies that never end or come too slowly: `timeout` bounds the whole reply, and a reply has a size limit.
   6 cases: headers dripped a byte every 0.5 s, body dripped, a body that never ends (chunked), a Content-Length
   over the limit (all through `doit script`); every try dripped with retries and backoff inside the total, and a
   Retry-After longer than the total (through the client).
2. Malformed 200 replies: each one line, "scripter: <server> sent a reply that is not ... (hint: ...)".
   11 cases: text/plain, truncated JSON, invalid UTF-8, `[` x 100,000, `{` x 100,000, choices empty, choices
   missing, an error object, content a number, gzip-compressed (a bomb), a body broken off mid-way.
3. Odd but legitimate replies, read: 2 cases: content as a list of parts, a lone surrogate in the content.
4. Error statuses with hostile bodies: 2 cases: a 500 of `[` x 100,000, a 401 of invalid UTF-8.
5. Hostile content (the model's own text), through the repair loop to the documented three lines: 4 cases:
   100,000 backticks, `[` x 100,000, `{` x 100,000, <think> x 100,000 unclosed.
6. The same through `scriptagent script`: 3 cases (drip, text/plain, content `[` x 100,000).
7. The judge: 8 cases through run_rubric (1 drip, 5 malformed, 1 error status, 1 hostile content), each a skipped
   rubric with a one-line reason; one build whose two rubrics get hostile replies, which still finishes.
8. The GRPO reward: 21 cases score 0 and raise nothing: 12 unreadable completions (deep nesting, megabytes, YAML
   aliases, an unknown tag) and 9 that are not text or are odd conversations.
9. parse_reply in linear time: 9 pathological inputs under 0.5 s each (before: 100k backticks took 9 s).
"""

from __future__ import annotations

import gzip
import json
import re
import socket
import threading
import time
from pathlib import Path

import pytest
from conftest import SMALL_PRODUCTION, cli, doit, make_production
from reliability_support import artifacts, copy_production, files_under

from scriptagent.errors import BackendError
from scriptagent.lm.openai_chat import MAX_REPLY_BYTES, chat
from scriptagent.lm.reply import ReplyParseError, parse_reply
from scriptagent.schema import OpenAIScripterConfig, Script
from scriptagent.yamlio import load_yaml_text

KEY = "sk-test-Rq81Zp0Lw3Nv7Xc2Tb"
KEY_ENV = "SCRIPTAGENT_TEST_KEY"
PROGRESS = ("scripter: asking ", "scripter: the reply has ")  # the scripter's progress lines, before the error


# --- a server that sends whatever bytes a test wants -----------------------------------------------------------

class HostileServer:
    """POST /v1/chat/completions on 127.0.0.1: each request is answered by `answer(connection, body, server)`,
    which writes raw bytes; the connection is closed after it. `requests` keeps the JSON bodies."""

    def __init__(self, answer):
        self.answer = answer
        self.requests: list[dict] = []
        self.closed = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/v1"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.closed.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(30)
            try:
                head = b""
                while b"\r\n\r\n" not in head:
                    head += connection.recv(65536) or b"\r\n\r\n"
                head, body = head.split(b"\r\n\r\n", 1)
                length = int(re.search(rb"content-length:\s*(\d+)", head, re.IGNORECASE).group(1))
                while len(body) < length:
                    body += connection.recv(65536)
                self.requests.append(json.loads(body))
                self.answer(connection, self.requests[-1], self)
            except OSError:
                pass  # the client gave up: what these servers are for

    def close(self) -> None:
        self.closed.set()
        self.listener.close()


@pytest.fixture
def serve():
    started = []

    def start(answer) -> HostileServer:
        started.append(HostileServer(answer))
        return started[-1]

    yield start
    for server in started:
        server.close()


def head(status: int = 200, content_type: str = "application/json", **headers) -> bytes:
    lines = [f"HTTP/1.1 {status} Whatever", f"Content-Type: {content_type}", "Connection: close"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def sends(body: bytes, status: int = 200, content_type: str = "application/json", **headers):
    def answer(connection, request, server):
        connection.sendall(head(status, content_type, content_length=len(body), **headers) + body)
    return answer


def completion(content) -> bytes:
    return json.dumps({"id": "c", "object": "chat.completion", "created": 0, "model": "m",
                       "choices": [{"index": 0, "finish_reason": "stop",
                                    "message": {"role": "assistant", "content": content}}]}).encode()


def drip(connection, server, start: bytes) -> None:
    connection.sendall(start)
    while not server.closed.is_set():
        connection.sendall(b"a")
        time.sleep(0.5)


def drip_headers(connection, request, server):
    drip(connection, server, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Drip: ")


def drip_body(connection, request, server):
    drip(connection, server, head(content_length=100_000) + b'{"choices": [{"message": {"content": "')


def endless_body(connection, request, server):
    connection.sendall(head(transfer_encoding="chunked"))
    chunk = b"10000\r\n" + b" " * 0x10000 + b"\r\n"
    while not server.closed.is_set():
        connection.sendall(chunk)


def declared_too_long(connection, request, server):
    connection.sendall(head(content_length=10**10) + b"{" * 1000)


def broken_off(connection, request, server):
    connection.sendall(head(content_length=5000) + completion("x")[:100])


GZIP_BOMB = gzip.compress(b" " * (64 << 20), compresslevel=9)  # 64 MiB of spaces in about 64 KiB


# --- running a production against one --------------------------------------------------------------------------

def production_text(url: str, **settings) -> str:
    options = {"backend": "openai", "model": "m", "base_url": url, "api_key_env": KEY_ENV, "timeout": 2,
               "retries": 0, **settings}
    flow = ", ".join(f"{key}: {value}" for key, value in options.items())
    return SMALL_PRODUCTION.replace("scripter: {backend: rule-based}", f"scripter: {{{flow}}}")


def outside_build(folder: Path) -> dict[str, bytes]:
    return {name: data for name, data in files_under(folder).items() if Path(name).parts[0] != "build"}


@pytest.fixture(scope="module")
def scripted(tmp_path_factory) -> Path:
    """A production with a finished (rule-based) script: every failure below must leave it as it is."""
    folder = make_production(tmp_path_factory.mktemp("scripted") / "p")
    doit(folder, "script")
    return folder


def fails_cleanly(scripted: Path, tmp_path: Path, url: str, command: str = "doit", **settings):
    """Run the script step of a copy of `scripted` (the fixture) against the server at `url`; check that it fails
    cleanly and changes nothing. Its stderr less the progress lines, and the seconds it took."""
    folder = copy_production(scripted, tmp_path / "p")
    (folder / "production.yaml").write_text(production_text(url, **settings).replace("ANCHORING", "chain"))
    before, built = outside_build(folder), artifacts(folder)
    started = time.monotonic()
    result = doit(folder, "script", check=False) if command == "doit" else cli("script", str(folder), cwd=tmp_path)
    seconds = time.monotonic() - started
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output and KEY not in output
    assert outside_build(folder) == before, "a failed build changed a file outside build/"
    assert artifacts(folder) == built and (folder / "script.yaml").exists()
    return [line for line in result.stderr.splitlines() if not line.startswith(PROGRESS)], seconds


@pytest.fixture(autouse=True)
def key(monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)


NOT_A_REPLY = r"^scripter: http://127\.0\.0\.1:\d+/v1 sent a reply that is not {} \(hint: check that scripter\.base_url"


# --- 1. replies that never end or come too slowly ----------------------------------------------------------------

def test_a_dripping_server_is_cut_off_at_the_timeout(scripted, tmp_path, serve):
    plain = serve(sends(b"hello", content_type="text/plain"))
    _, overhead = fails_cleanly(scripted, tmp_path / "fast", plain.url)  # the same command, answered at once
    for answer in (drip_headers, drip_body):
        errors, seconds = fails_cleanly(scripted, tmp_path / answer.__name__, serve(answer).url, timeout=2)
        assert len(errors) == 1 and re.match(r"^scripter: no reply from http://127\.0\.0\.1:\d+/v1 within 2 s, "
                                             r"after 0 retries \(hint: raise scripter\.timeout", errors[0]), errors
        assert 2 <= seconds < overhead + 2 + 1.5, (answer.__name__, seconds, overhead)


@pytest.mark.parametrize("answer", [endless_body, declared_too_long])
def test_a_reply_over_the_size_limit_is_one_line(scripted, tmp_path, serve, answer):
    errors, seconds = fails_cleanly(scripted, tmp_path, serve(answer).url, timeout=20)
    expected = (f"scripter: {errors[0].split()[1]} sent a reply larger than {MAX_REPLY_BYTES >> 20} MiB (hint: lower "
                "scripter.max_new_tokens, or check scripter.base_url)")
    assert errors == [expected]
    assert seconds < 15  # a never-ending reply would hang


def config_for(url: str, **settings) -> OpenAIScripterConfig:
    return OpenAIScripterConfig(**{"model": "m", "base_url": url, "api_key_env": KEY_ENV, "response_format": "text",
                                   **settings})


def test_retries_and_their_waits_stay_inside_the_total(serve):
    server = serve(drip_body)
    started = time.monotonic()
    with pytest.raises(BackendError, match=r"no reply from .* within 1 s, after 2 retries"):
        chat([{"role": "user", "content": "hi"}], config_for(server.url, timeout=1, retries=2))
    seconds = time.monotonic() - started
    # three tries of 1 s, and backoffs of at most 0.5 s and 1 s between them
    assert len(server.requests) == 3 and 3 <= seconds < 3 + 1.5 + 1

    # a Retry-After that would end past the total ((retries + 1) x timeout + retries x 8 s) is not waited for
    limited = serve(sends(b'{"error": {"message": "slow down"}}', status=429, retry_after="30"))
    started = time.monotonic()
    with pytest.raises(BackendError, match=r"still rate-limiting \(429\) after 0 retries"):
        chat([{"role": "user", "content": "hi"}], config_for(limited.url, timeout=1, retries=1))
    assert len(limited.requests) == 1 and time.monotonic() - started < 1


# --- 2-4. malformed replies, odd but legitimate ones, error statuses with hostile bodies --------------------------

MALFORMED = {
    "text/plain": (sends(b"Hello! I am a web page.", content_type="text/plain"),
                   r"JSON \(Expecting value at line 1, column 1; text/plain; it begins 'Hello! I am a web page\.'\)"),
    "truncated JSON": (sends(completion("x")[:60]),
                       r"JSON \(Unterminated string starting at line 1, column \d+; application/json; it begins .*\)"),
    "invalid UTF-8": (sends(completion("caf\u00e9").replace(b"\\u00e9", b"\xe9\xff")),
                      r"UTF-8 text \(application/json; byte 0xe9 at \d+\)"),
    "[ x 100000": (sends(b"[" * 100_000), r"JSON that can be read \(nested too deeply; application/json\)"),
    "{ x 100000": (sends(b"{" * 100_000), r"JSON \(Expecting property name enclosed in double quotes .*\)"),
    "choices empty": (sends(b'{"id": "c", "choices": []}'), r"a chat completion \(no choices\)"),
    "choices missing": (sends(b'{"id": "c", "object": "chat.completion"}'), r"a chat completion \(no choices\)"),
    "an error with a 200": (sends(b'{"error": {"message": "model overloaded"}}'),
                            r"a chat completion but an error: model overloaded"),
    "content a number": (sends(completion(42)), r"a chat completion \(its message's content is a JSON int\)"),
    "gzip bomb": (sends(GZIP_BOMB, content_encoding="gzip"),
                  r"plain \(Content-Encoding: gzip, although none was asked for\)"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_reply_is_one_line(scripted, tmp_path, serve, case):
    answer, expected = MALFORMED[case]
    errors, _ = fails_cleanly(scripted, tmp_path, serve(answer).url)
    assert len(errors) == 1 and re.match(NOT_A_REPLY.format(expected), errors[0]), errors


def test_a_body_broken_off_is_one_line(scripted, tmp_path, serve):
    errors, _ = fails_cleanly(scripted, tmp_path, serve(broken_off).url)
    assert len(errors) == 1 and re.match(r"^scripter: http://127\.0\.0\.1:\d+/v1 broke off its reply \(.*\) after 0 "
                                         r"retries \(hint: check the server's log\)$", errors[0]), errors


@pytest.mark.parametrize("status, body, expected", [
    (500, b"[" * 100_000, r"failed with 500 after 0 retries: Error code: 500"),
    (401, b"\xff\xfe not UTF-8 \xc3", r"refused the API key in \$SCRIPTAGENT_TEST_KEY \(401\)")])
def test_an_error_status_with_a_hostile_body_is_one_line(scripted, tmp_path, serve, status, body, expected):
    errors, _ = fails_cleanly(scripted, tmp_path, serve(sends(body, status=status)).url)
    assert len(errors) == 1 and re.search(expected, errors[0]) and len(errors[0]) < 500, errors


def valid_script(production_yaml: str) -> dict:
    from scriptagent.schema import Production
    from scriptagent.scripter.rule_based import RuleBasedScripter

    production = Production.model_validate(load_yaml_text(production_yaml.replace("ANCHORING", "chain"), "p"))
    return RuleBasedScripter(production.scripter).write(production).model_dump(mode="json")


def test_content_as_parts_and_a_lone_surrogate_are_read(tmp_path, serve):
    script = valid_script(SMALL_PRODUCTION)
    text = json.dumps(script)
    parts = [{"type": "text", "text": text[:100]}, {"type": "image_url", "image_url": {"url": "x"}},
             {"type": "text", "text": text[100:]}]
    surrogate = json.loads(text)
    surrogate["scenes"][0]["shots"][0]["description"] += " \ud800"  # in the reply's JSON; readable only replaced
    written = {}
    for name, content in [("parts", parts), ("surrogate", json.dumps(surrogate, ensure_ascii=False))]:
        server = serve(sends(completion(content)))
        folder = make_production(tmp_path / name, text=production_text(server.url))
        result = doit(folder, "script")
        assert "Traceback" not in result.stderr
        written[name] = Script.model_validate(load_yaml_text((folder / "script.yaml").read_text(), "script.yaml"))
    assert written["parts"] == Script.model_validate(script)
    surrogate["scenes"][0]["shots"][0]["description"] = surrogate["scenes"][0]["shots"][0]["description"][:-1] + "?"
    assert written["surrogate"] == Script.model_validate(surrogate)


# --- 5-6. hostile content through the repair loop, and through `scriptagent script` ------------------------------

@pytest.mark.parametrize("content, why", [
    ("```" * 33_334, r"invalid YAML: found character '`' that cannot start any token"),
    ("[" * 100_000, r"nested more than 64 levels deep"),
    ("{" * 100_000, r"nested more than 64 levels deep"),
    ("<think>" * 100_000, r"it holds no JSON object")], ids=["backticks", "brackets", "braces", "think"])
def test_hostile_content_ends_in_the_documented_three_lines(scripted, tmp_path, serve, content, why):
    errors, seconds = fails_cleanly(scripted, tmp_path, serve(sends(completion(content))).url, repair_rounds=0)
    assert len(errors) == 3, errors  # what failed, the problem, the hint
    assert re.match(r"script\.yaml: not written: the script from m at 127\.0\.0\.1:\d+ still has 1 problem after 0 "
                    r"repair rounds:$",
                    errors[0])
    assert re.match(rf"  - the reply is not a script \({why}", errors[1]) and errors[2].startswith("(hint:")
    assert seconds < 15  # the reply is read in well under a second; the rest is starting doit


@pytest.mark.parametrize("case", ["drip", "text/plain", "content ["])
def test_the_script_command_fails_the_same_way(scripted, tmp_path, serve, case):
    answer = {"drip": drip_headers, "text/plain": MALFORMED["text/plain"][0],
              "content [": sends(completion("[" * 100_000))}[case]
    errors, seconds = fails_cleanly(scripted, tmp_path, serve(answer).url, command="cli", repair_rounds=0)
    assert len(errors) == (3 if case == "content [" else 1), errors
    assert seconds < 15  # the drip would go on forever


# --- 7. the judge --------------------------------------------------------------------------------------------------

def judge_config(url: str):
    from scriptagent.schema import OpenAIJudgeConfig

    return OpenAIJudgeConfig(model="judge", base_url=url, api_key_env=KEY_ENV, timeout=1, retries=0,
                             reply_retries=0)


@pytest.mark.parametrize("case", ["drip", "text/plain", "invalid UTF-8", "[ x 100000", "choices empty",
                                  "gzip bomb", "500", "content ["])
def test_a_hostile_judge_reply_is_a_skipped_rubric(serve, case):
    from scriptagent.critic.judge import run_rubric

    answer = {"drip": drip_body, "500": sends(b"[" * 100_000, status=500),
              "content [": sends(completion("[" * 100_000))}.get(case) or MALFORMED[case][0]
    started = time.monotonic()
    result = run_rubric("script", "Score this script.", [], judge_config(serve(answer).url), seed=1)
    assert time.monotonic() - started < 4  # timeout: 1
    reason = result["skipped"]["reason"]
    assert "\n" not in reason and len(reason) < 600 and result["skipped"]["fix"]
    if case == "content [":
        assert reason.startswith("no valid script rubric in 1 reply from judge; the last: no JSON object in it "
                                 "(nested more than 64 levels deep)")
    else:
        assert reason.startswith("the judge failed: critic.judge: "), reason


def test_a_build_with_a_hostile_judge_still_finishes(tmp_path, serve):
    answers = iter([sends(b"not json", content_type="text/html"), sends(b"{" * 100_000)])
    server = serve(lambda connection, request, server: next(answers, sends(b"[]"))(connection, request, server))
    text = SMALL_PRODUCTION.replace("ANCHORING", "none") + (
        f"critic: {{metrics: [continuity], judge: {{backend: openai, model: judge, base_url: '{server.url}', "
        f"api_key_env: {KEY_ENV}, timeout: 2, retries: 0, reply_retries: 0}}}}\n")
    folder = make_production(tmp_path / "p", text=text)
    result = doit(folder)
    assert "Traceback" not in result.stdout + result.stderr and (folder / "build" / "report.html").exists()
    rubrics = [json.loads((folder / "build" / "scores" / name).read_text())["rubric"]
               for name in ("_script.json", "_film.json")]
    reasons = sorted(rubric["skipped"]["reason"] for rubric in rubrics)
    assert all(reason.startswith("the judge failed: critic.judge: ") and "sent a reply that is not JSON" in reason
               for reason in reasons), reasons


# --- 8. the GRPO reward ---------------------------------------------------------------------------------------------

UNREADABLE = {
    "[ x 100000": "[" * 100_000, "{ x 100000": "{" * 100_000, "{ then }": "{" * 50_000 + "}" * 50_000,
    "backticks": "`" * 100_000, "4 MiB": "a: " + "b" * (4 << 20), "a YAML alias bomb":
        "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nscenes: [*c]\n", "a recursive alias": "scenes: &x [*x]\n",
    "block nesting": "".join("  " * i + "a:\n" for i in range(300)), "a huge integer": '{"scenes": ' + "1" * 5000 + "}",
    "an unknown tag": "scenes: !!python/object/apply:os.system [ls]\n", "NULs": "\x00" * 1000, "null": "null",
}


def test_the_reward_scores_what_it_cannot_read_zero_and_never_raises():
    from scriptagent.scripter.reward import structure_reward_func
    from scriptagent.training.grpo import reward_model_text

    production = SMALL_PRODUCTION.replace("ANCHORING", "chain")
    started = time.monotonic()
    rewards = structure_reward_func(list(UNREADABLE.values()), production=[production] * len(UNREADABLE))
    assert dict(zip(UNREADABLE, rewards)) == dict.fromkeys(UNREADABLE, 0.0)
    assert time.monotonic() - started < 2
    assert all(reward_model_text(text) == text for text in UNREADABLE.values())
    # completions that are not text, or conversations with odd messages
    odd = [None, 5, {"content": 3}, [{"content": None}], [], [{"role": "assistant"}], [[1]],
           {"content": [{"text": 4}, "x"]},
           [{"role": "assistant", "content": [{"type": "text", "text": "[" * 99_999}]}]]
    assert structure_reward_func(odd, production=[production] * len(odd)) == [0.0] * len(odd)


# --- 9. parse_reply in linear time --------------------------------------------------------------------------------

PATHOLOGICAL = {
    "100k backticks": "`" * 100_000, "1M backticks": "`" * 1_000_000, "fences, no closing": "```\n" * 25_000,
    "100k <think> unclosed": "<think>" * 100_000, "100k {": "{" * 100_000, "100k [": "[" * 100_000,
    "{ x 50k, } x 50k": "{" * 50_000 + "}" * 50_000, "- x 100k": "- " * 100_000 + "x", "4 MiB YAML": "a: b\n" * 838_861,
}


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_parse_reply_is_fast_on_pathological_replies(name):
    started = time.perf_counter()
    with pytest.raises(ReplyParseError):
        parse_reply(PATHOLOGICAL[name], ("scenes",))
    assert time.perf_counter() - started < 0.5


def test_fences_thinking_and_braces_are_still_read():
    data = {"scenes": [{"id": "s1"}]}
    text = json.dumps(data)
    for reply in [f"```json\n{text}\n```", f"```\n{text}", "<think>{ ``` </think>```yaml\nscenes: [{id: s1}]\n```",
                  f"<think>never closed {text}", f"``` no newline {text}", f"a {text} b", f"```\n[1]\n```\n{text}"]:
        if reply.startswith("<think>never"):
            with pytest.raises(ReplyParseError):
                parse_reply(reply)
        else:
            assert parse_reply(reply) == data, reply
