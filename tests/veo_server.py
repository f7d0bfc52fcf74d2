"""The Gemini API's Veo calls on loopback, as google-genai makes them, for the veo director's tests: real HTTP
through the real SDK, no network.

    POST /v1beta/models/<model>:predictLongRunning   starts an operation: {"name": "models/<model>/operations/<id>"}
    GET  /v1beta/models/<model>/operations/<id>      the operation: running for `polls` polls, then done, with
                                                     generateVideoResponse.generatedSamples[0].video.uri
    GET  /v1beta/files/<id>:download?alt=media       the clip: an mp4 made by FrameWriter, with a sine sound track

Clips are small (96x54, or 54x96 for 9:16), 24 fps, `durationSeconds` long; frame i is grey level 16 + i, so a test
can tell which clip frame a render shows.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import numpy as np

from chat_server import LoopbackServer
from scriptagent.media import FrameWriter, ffmpeg_exe

CLIP_SIZES = {"16:9": (96, 54), "9:16": (54, 96)}
FILE_URI = "https://generativelanguage.googleapis.com/v1beta/files/{}:download?alt=media"


def grey(index: int) -> int:
    return 16 + index


def make_clip(seconds: int, aspect: str, sound: bool = True) -> bytes:
    """A clip as Veo sends one: 24 fps, frame i all grey(i), with a 440 Hz tone as its sound."""
    width, height = CLIP_SIZES[aspect]
    with tempfile.TemporaryDirectory() as folder:
        silent, clip = Path(folder) / "silent.mp4", Path(folder) / "clip.mp4"
        with FrameWriter(silent, (width, height), 24, crf=0) as writer:
            for index in range(seconds * 24):
                writer.write(np.full((height, width, 3), grey(index), np.uint8))
        if not sound:
            return silent.read_bytes()
        subprocess.run([ffmpeg_exe(), "-loglevel", "error", "-y", "-i", str(silent), "-f", "lavfi", "-i",
                        f"sine=frequency=440:sample_rate=48000:duration={seconds}", "-map", "0:v", "-map", "1:a",
                        "-c:v", "copy", "-c:a", "aac", "-shortest", str(clip)], check=True, capture_output=True)
        return clip.read_bytes()


class VeoServer(LoopbackServer):
    """Answers each started operation by `answer(body, index)` (index: 0 for the first request), a dict:

        {}                          done after `polls` polls (default 2), with a clip
        {"polls": n}                done after n polls
        {"refuse": [reasons]}       done, no video: the safety filter's reasons (raiMediaFilteredReasons)
        {"status": code}            the request itself answered with that error status
        {"hang": seconds}           the request answered only after that long
        {"sound": False}            a clip without a sound track
        {"reply": bytes}            the request answered 200 with these bytes
        {"clip": bytes}             these bytes downloaded instead of the clip

    Kept, in order: `requests` (the JSON bodies started), `keys` (their x-goog-api-key headers), `polls` (operation
    names asked after), `downloads` (file ids). Started at once; closed by `close()` or a `with` block.
    """

    def __init__(self, answer: Callable[[dict, int], dict] | None = None, polls: int = 2):
        self.answer = answer or (lambda body, index: {})
        self.default_polls = polls
        self.requests: list[dict] = []
        self.keys: list[str | None] = []
        self.polls: list[str] = []
        self.downloads: list[str] = []
        self.operations: dict[str, dict] = {}  # id -> {"plan", "body", "polled"}
        self.clips: dict[tuple, bytes] = {}
        self.lock = threading.Lock()
        self.start(self._handler(), "/")

    def clip(self, seconds: int, aspect: str, sound: bool) -> bytes:
        with self.lock:
            if (seconds, aspect, sound) not in self.clips:
                self.clips[seconds, aspect, sound] = make_clip(seconds, aspect, sound)
            return self.clips[seconds, aspect, sound]

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802 - the http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                match = re.fullmatch(r"/v1beta/models/([\w.-]+):predictLongRunning", self.path)
                if not match:
                    return self.reply(404, {"error": {"code": 404, "message": f"no {self.path}", "status": "NOT_FOUND"}})
                with server.lock:
                    index = len(server.requests)
                    server.requests.append(body)
                    server.keys.append(self.headers.get("x-goog-api-key"))
                plan = server.answer(body, index)
                if "hang" in plan:
                    time.sleep(plan["hang"])
                if "reply" in plan:
                    return self.reply(200, plan["reply"])
                if "status" in plan:
                    return self.reply(plan["status"], {"error": {"code": plan["status"], "message": "refused for "
                                      f"{self.headers.get('x-goog-api-key')}", "status": "UNAVAILABLE"}})
                name = f"models/{match.group(1)}/operations/op{index}"
                server.operations[f"op{index}"] = {"plan": plan, "body": body, "polled": 0, "name": name}
                self.reply(200, {"name": name})

            def do_GET(self):  # noqa: N802
                operation = re.fullmatch(r"/v1beta/models/[\w.-]+/operations/(\w+)", self.path)
                download = re.fullmatch(r"/v1beta/files/(\w+):download\?alt=media", self.path)
                if operation and operation.group(1) in server.operations:
                    return self.operation(operation.group(1))
                if download:
                    server.downloads.append(download.group(1))
                    operation_id, seconds, aspect, sound = download.group(1).split("x")
                    data = server.operations[operation_id[1:]]["plan"].get("clip") or \
                        server.clip(int(seconds), "9:16" if aspect == "p" else "16:9", sound == "1")
                    return self.reply(200, data, "video/mp4")
                self.reply(404, {"error": {"code": 404, "message": f"no {self.path}", "status": "NOT_FOUND"}})

            def operation(self, operation_id: str):
                state = server.operations[operation_id]
                name = state["name"]
                server.polls.append(name)
                state["polled"] += 1
                plan, parameters = state["plan"], state["body"].get("parameters", {})
                if state["polled"] <= plan.get("polls", server.default_polls):
                    return self.reply(200, {"name": name, "metadata": {}})
                done = {"name": name, "done": True}
                if "refuse" in plan:
                    done["response"] = {"generateVideoResponse": {"raiMediaFilteredCount": 1,
                                                                  "raiMediaFilteredReasons": plan["refuse"]}}
                elif "error" in plan:
                    done["error"] = {"code": 13, "message": plan["error"]}
                else:
                    # lower-case letters and digits only: the SDK reads the id out of the uri so
                    file_id = "x".join(["f" + operation_id, str(parameters.get("durationSeconds", 8)),
                                        "p" if parameters.get("aspectRatio") == "9:16" else "l",
                                        "1" if plan.get("sound", True) else "0"])
                    done["response"] = {"generateVideoResponse": {"generatedSamples": [
                        {"video": {"uri": FILE_URI.format(file_id)}}]}}
                self.reply(200, done)

            def reply(self, status: int, payload, kind: str = "application/json"):
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(data)))
                    if status == 429 or status >= 500:
                        self.send_header("Retry-After", "0")  # keeps the client's retries fast
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up

        return Handler
