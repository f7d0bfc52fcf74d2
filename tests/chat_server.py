"""An OpenAI-compatible chat server on loopback, for the tests of everything that talks to one (scripter, judge,
ScriptBench construction): real HTTP through the real `openai` client, no network."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Union

# An answer: the assistant's reply text, ("reply", text), ("cut", text) (stopped at the token limit),
# ("status", code), ("error", code, message) or ("hang", seconds).
Answer = Union[str, tuple]


class LoopbackServer:
    """An HTTP server on 127.0.0.1, serving in a daemon thread from `start` until `close()` or the end of a `with`
    block. Subclasses give the request handler and the path their `url` ends with."""

    def start(self, handler, path: str) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}{path}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class ChatServer(LoopbackServer):
    """POST /v1/chat/completions on 127.0.0.1, answering each request from `answers`.

    `answers` is either a list, answered in order (and then 500s), or `respond(body) -> Answer`. A ("status", code)
    answer's error message echoes the request's Authorization header, as a careless server might: the key must
    still never reach the user's screen. ("hang", seconds) answers nothing for that long (longer than the client's
    timeout: it gives up and retries). With `refuse_json_schema`, a request asking for a json_schema response
    format gets a 400 without using up an answer, as servers without structured output answer.

    Every request is kept: `requests` (JSON bodies), `paths` and `auth` (Authorization headers), in order.
    Started at once; closed by `close()` or at the end of a `with` block.
    """

    def __init__(self, answers: list[Answer] | Callable[[dict], Answer], refuse_json_schema: bool = False):
        self.plan = list(answers) if isinstance(answers, list) else None
        self.respond = answers if callable(answers) else lambda body: self.plan.pop(0) if self.plan else ("status", 500)
        self.refuse_json_schema = refuse_json_schema
        self.requests: list[dict] = []
        self.paths: list[str] = []
        self.auth: list[str | None] = []
        self.start(self._handler(), "/v1")

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802 - the http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(body)
                server.paths.append(self.path)
                server.auth.append(self.headers.get("Authorization"))
                if server.refuse_json_schema and (body.get("response_format") or {}).get("type") == "json_schema":
                    return self.answer(400, {"error": {"message": "response_format json_schema is not supported"}})
                answer = server.respond(body)
                kind, value, *more = ("reply", answer) if isinstance(answer, str) else answer
                if kind == "error":
                    return self.answer(value, {"error": {"message": more[0]}})
                if kind == "hang":
                    time.sleep(value)
                    return
                if kind == "status":
                    return self.answer(value, {"error": {"message": f"failed for {self.headers.get('Authorization')}"}})
                self.answer(200, {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": body["model"],
                                  "choices": [{"index": 0, "finish_reason": "length" if kind == "cut" else "stop",
                                               "message": {"role": "assistant", "content": value}}],
                                  "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

            def answer(self, status: int, payload: dict):
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    if status >= 500 or status == 429:
                        self.send_header("retry-after-ms", "10")  # keeps the client's retries fast
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout)

        return Handler
