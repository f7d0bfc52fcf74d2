"""One Veo clip through the Gemini API (google-genai): the request, the waiting and the download, within one deadline.

Whatever the server does, a clip ends as an mp4 on disk or as one line saying what went wrong:

- the key comes from the environment variable `director.api_key_env` names (GEMINI_API_KEY by default, then
  GOOGLE_API_KEY, as the SDK reads them), never from a file; no message shows it, whatever a server echoed;
- `director.timeout` bounds the whole clip, fixed when it starts: the request, every wait and poll, the download.
  Each call of the SDK runs on a worker thread that the caller waits for until then (a single request at most
  CALL_SECONDS); a reply still arriving then is abandoned and its connection closed. Every reply is read through a
  wrapper that checks the deadline at every chunk and counts its bytes (at most MAX_REPLY_BYTES; bounded_reply.py,
  shared with the OpenAI-compatible client);
- the request is sent again after a 429, a 5xx or a refused connection (`director.retries` times, with backoff,
  or after the server's Retry-After); a poll that fails so is made again at the next poll, until the deadline;
- a clip the safety filters held back (raiMediaFilteredReasons) is one line naming the segment and the reasons.

The SDK is imported here only: google-genai 1.42 is the first to send a last frame and reference images with an
API key, and 3.0 left Veo to Vertex AI (its generate_videos refuses a Gemini API client).
"""

from __future__ import annotations

import functools
import math
import os
import random
import sys
import threading
import time
from pathlib import Path

from ..bounded_reply import ReplyTooLarge, ReplyTooSlow, bound_reply
from ..errors import BackendError, first_line, one_line

SDK_REQUIREMENT = "google-genai>=1.42,<3"
SERVER = "https://generativelanguage.googleapis.com/"
MAX_REPLY_BYTES = 256 * 2 ** 20  # a Veo clip is a few MiB (8 s at 1080p: about 20); the operation a few KiB
CALL_SECONDS = 120.0  # the longest one request may take; a poll that takes longer is made again
MAX_BACKOFF_SECONDS = 16.0
MAX_RETRY_AFTER_SECONDS = 120.0
SDK_FIRST = (1, 42)


def api_key(config: dict) -> tuple[str, str]:
    """(the variable's name, the key): from `api_key_env`; the default name also tries GOOGLE_API_KEY."""
    names = [config.get("api_key_env") or "GEMINI_API_KEY"]
    if names[0] == "GEMINI_API_KEY":
        names.append("GOOGLE_API_KEY")
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            return name, value
    where = " or $".join(names)
    raise BackendError(f"director.api_key_env: no Gemini API key in ${where} (hint: export {names[0]}=<your key>, "
                       "from https://aistudio.google.com/apikey; production.yaml names only the variable)")


def genai_sdk():
    """(google.genai, its types, its errors), or one line saying what to install."""
    try:
        from google import genai
        from google.genai import errors, types
    except ImportError as error:
        raise BackendError(f"director.backend: veo needs the google-genai package ({first_line(error)}) (hint: pip "
                           f"install '{SDK_REQUIREMENT}')") from None
    version = str(getattr(genai, "__version__", "0"))
    try:
        release = tuple(int(part) for part in version.split(".")[:2])
    except ValueError:
        release = SDK_FIRST
    if release < SDK_FIRST or release >= (3, 0):
        why = "sends Veo no last frame or reference images" if release < SDK_FIRST else \
            "offers Veo on Vertex AI only, not with a Gemini API key"
        raise BackendError(f"director.backend: google-genai {version} {why} (hint: pip install '{SDK_REQUIREMENT}')")
    return genai, types, errors


class VeoClip:
    """One clip: `render(request, out)` writes the generated mp4 to `out`. `label` names the segment in messages."""

    def __init__(self, config: dict, label: str):
        self.config, self.label = config, label
        self.key_name, self.key = api_key(config)
        self.genai, self.types, self.errors = genai_sdk()
        self.server = config.get("base_url") or SERVER
        self.model = config["model"]
        self.deadline = time.monotonic() + float(config["timeout"])

    # --- the calls --------------------------------------------------------------------------------------------

    def render(self, request: dict, out: Path) -> None:
        operation = self.wait(self.submit(request))
        video = self.video(operation)
        data = video.video_bytes or self.with_retries(lambda client: client.files.download(file=video), sent=True,
                                                      limit=float(self.config["timeout"]))
        if not data:
            raise BackendError(f"{self.label}: {self.server} sent an empty video for '{self.model}'")
        Path(out).write_bytes(data)

    def submit(self, request: dict):
        """The started operation (the request sent again after a 429, a 5xx or a refused connection)."""
        t = self.types
        image = functools.partial(t.Image, mime_type="image/jpeg")
        source = t.GenerateVideosSource(prompt=request["prompt"],
                                        image=image(image_bytes=request["image"]) if request.get("image") else None)
        config = t.GenerateVideosConfig(
            number_of_videos=1, duration_seconds=request["duration"], aspect_ratio=request["aspect_ratio"],
            resolution=request["resolution"], negative_prompt=request.get("negative_prompt") or None,
            person_generation=request.get("person_generation") or None,
            last_frame=image(image_bytes=request["last_frame"]) if request.get("last_frame") else None,
            reference_images=[t.VideoGenerationReferenceImage(image=image(image_bytes=data), reference_type="ASSET")
                              for data in request.get("reference_images") or []] or None)
        operation = self.with_retries(lambda client: client.models.generate_videos(
            model=self.model, source=source, config=config), sent=False)
        if not operation.done and not operation.name:
            raise BackendError(f"{self.label}: {self.server} started no operation for '{self.model}' (its reply "
                               "has no name to ask after) (hint: check director.base_url)")
        return operation

    def with_retries(self, function, sent: bool, limit: float = CALL_SECONDS):
        """`function(client)`, tried again after what may pass (`sent`: a request that may be made twice)."""
        retries = int(self.config.get("retries", 2))
        for retry in range(retries + 1):
            try:
                return self.call(function, limit)
            except Exception as error:  # noqa: BLE001 - whatever a try raised ends as one line
                wait = self.backoff(retry, error) if retry < retries and self.retryable(error, sent) else None
                if wait is None or time.monotonic() + wait >= self.deadline:
                    raise self.explain(error, retry) from None
                time.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def wait(self, operation):
        """The finished operation, asked after every `poll_seconds`, with its progress on stderr."""
        started, polls, failed = time.monotonic(), 0, None
        progress = Progress(self.label, self.model)
        try:
            while not operation.done:
                time.sleep(max(0.0, min(float(self.config["poll_seconds"]), self.deadline - time.monotonic())))
                if time.monotonic() >= self.deadline:
                    raise self.explain(ReplyTooSlow(), 0)
                try:
                    operation = self.call(lambda client, running=operation: client.operations.get(running))
                    failed = None
                except Exception as error:  # noqa: BLE001
                    if not self.retryable(error, sent=True):
                        raise self.explain(error, 0) from None
                    failed = error  # asked again at the next poll
                polls += 1
                progress.update(time.monotonic() - started, polls, failed)
        finally:
            progress.close()
        if operation.error:
            error = operation.error if isinstance(operation.error, dict) else {"message": str(operation.error)}
            raise BackendError(f"{self.label}: '{self.model}' failed ({error.get('code', '?')}): "
                               f"{self.redact(error.get('message') or error)}")
        return operation

    def video(self, operation):
        """The operation's video, or one line: refused by the safety filters, or no video at all."""
        response = operation.response or getattr(operation, "result", None)
        videos = [v.video for v in (response.generated_videos or []) if v.video] if response else []
        videos = [video for video in videos if video.uri or video.video_bytes]
        if videos:
            return videos[0]
        reasons = [self.redact(reason, 200) for reason in (response.rai_media_filtered_reasons or [])] \
            if response else []
        if reasons or (response and response.rai_media_filtered_count):
            why = "; ".join(reasons) or f"{response.rai_media_filtered_count} clip(s) filtered, no reason given"
            raise BackendError(f"{self.label}: '{self.model}' refused the clip (safety filter: {why}) (hint: reword "
                               "the shot's description or lines in script.yaml, or set director.negative_prompt; "
                               "finished clips are kept)")
        raise BackendError(f"{self.label}: '{self.model}' finished without a video (hint: try again; check "
                           "director.base_url)")

    # --- one request, bounded -----------------------------------------------------------------------------------

    def call(self, function, limit: float = CALL_SECONDS):
        """`function(client)` on a worker thread with a fresh client, answered by the deadline or abandoned."""
        deadline = min(self.deadline, time.monotonic() + limit)
        client = self.client(deadline)
        outcome: dict = {}

        def work() -> None:
            try:
                outcome["value"] = function(client)
            except BaseException as error:  # noqa: BLE001 - handed to the caller's thread
                outcome["error"] = error

        worker = threading.Thread(target=work, name="scriptagent-veo", daemon=True)
        worker.start()
        worker.join(max(0.0, deadline - time.monotonic()))
        if worker.is_alive():  # abandoned: closing the connection ends the worker's read soon
            threading.Thread(target=_close, args=(client,), name="scriptagent-veo-close", daemon=True).start()
            raise ReplyTooSlow()
        _close(client)
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    def client(self, deadline: float):
        """A Gemini API client (never Vertex AI, whatever GOOGLE_GENAI_USE_VERTEXAI says) whose every reply is
        bounded by `deadline` and MAX_REPLY_BYTES."""

        def bound(response) -> None:  # an httpx response hook: after the headers, before the body is read
            bound_reply(response, deadline, MAX_REPLY_BYTES)

        seconds = max(0.01, deadline - time.monotonic())
        options = self.types.HttpOptions(base_url=self.config.get("base_url") or None, timeout=int(seconds * 1000) + 1,
                                         headers={"Accept-Encoding": "identity"},
                                         client_args={"event_hooks": {"response": [bound]}, "verify": _tls()})
        return self.genai.Client(api_key=self.key, vertexai=False, http_options=options)

    # --- failures -----------------------------------------------------------------------------------------------

    def retryable(self, error: BaseException, sent: bool) -> bool:
        """Whether to try again: 408/429/5xx, a refused connection; and where the request may be made twice
        (`sent`: a poll or a download), a timeout or a broken reply too."""
        if isinstance(error, self.errors.APIError):
            return error.code in (408, 429) or (isinstance(error.code, int) and error.code >= 500)
        kinds = _kinds(error)
        return "ConnectError" in kinds or sent and bool(kinds & {"ReplyTooSlow", "TimeoutException", "NetworkError",
                                                                  "RemoteProtocolError"})

    def backoff(self, retry: int, error: BaseException) -> float | None:
        """The server's Retry-After, else 1 s doubling up to MAX_BACKOFF_SECONDS less up to a quarter at random;
        None when the server asks for too long a wait."""
        headers = getattr(getattr(error, "response", None), "headers", None) or {}
        try:
            asked = float(headers.get("retry-after"))
        except (TypeError, ValueError, AttributeError):
            asked = None
        if asked is not None and math.isfinite(asked):
            return None if asked > MAX_RETRY_AFTER_SECONDS else max(0.0, asked)
        return min(2.0 ** retry, MAX_BACKOFF_SECONDS) * (1 - 0.25 * random.random())

    def explain(self, error: BaseException, retries: int) -> BackendError:
        """One line a user can act on; never the key."""
        if isinstance(error, BackendError):
            return error
        where, after = f"{self.label}: {self.server}", f"after {retries} retr{'y' if retries == 1 else 'ies'}"
        kinds = _kinds(error)
        if isinstance(error, ReplyTooLarge) or "ReplyTooLarge" in kinds:
            return BackendError(f"{where} sent a reply larger than {MAX_REPLY_BYTES // 2 ** 20} MiB (hint: check "
                                "director.base_url)")
        if kinds & {"ReplyTooSlow", "TimeoutException"}:
            return BackendError(f"{where}: no video from '{self.model}' within {float(self.config['timeout']):g} s "
                                "(hint: raise director.timeout; Veo takes from seconds to minutes per clip)")
        if isinstance(error, self.errors.APIError):
            code, said = error.code, self.redact(error.message or error.status or error.details)
            if code in (401, 403):
                return BackendError(f"{where} refused the API key in ${self.key_name} ({code}): {said} (hint: check "
                                    "the key, and that the Gemini API is enabled for its project)")
            if code == 404:
                return BackendError(f"{where} answered 404 for model '{self.model}': {said} (hint: check "
                                    "director.model, e.g. veo-3.1-generate-preview)")
            if code == 429:
                return BackendError(f"{where} is still rate-limiting (429) {after}: {said} (hint: wait, check your "
                                    "quota, or raise director.retries)")
            return BackendError(f"{where} failed with {code}{' ' + after if retries else ''}: {said}")
        if "RemoteProtocolError" in kinds:
            return BackendError(f"{where} broke off its reply ({self.redact(error)}) (hint: check the server)")
        if kinds & {"ConnectError", "NetworkError"}:
            return BackendError(f"{where}: cannot reach the server {after} (hint: check the network and "
                                "director.base_url)")
        if kinds & {"ValueError", "ValidationError", "KeyError", "TypeError", "AttributeError"}:
            return BackendError(f"{where} sent a reply google-genai cannot read as a Veo operation "
                                f"({type(error).__name__}: {self.redact(first_line(error))}) (hint: check "
                                "director.base_url)")
        return BackendError(f"{where}: {type(error).__name__}: {self.redact(first_line(error))}")

    def redact(self, text, limit: int = 300) -> str:
        text = one_line(" ".join(str(text).replace(self.key, "***").split()))
        return text if len(text) <= limit else text[:limit - 3] + "..."


class Progress:
    """How long a clip has been waited for: a bar on a terminal, else one line per poll."""

    def __init__(self, label: str, model: str):
        self.label, self.model, self.bar = label, model, None
        if sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(desc=f"{model} {label}", unit="poll", leave=False, file=sys.stderr,
                            bar_format="{desc}: waiting {elapsed} ({n_fmt} polls)")

    def update(self, seconds: float, polls: int, failed: BaseException | None) -> None:
        if self.bar is not None:
            self.bar.update(1)
        else:
            note = f" (that poll failed: {type(failed).__name__}; asking again)" if failed else ""
            print(f"{self.model}: {self.label}: waiting for the clip, {seconds:.0f} s, {polls} polls{note}",
                  file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _kinds(error: BaseException) -> set[str]:
    """The names of an error's classes (httpx and httpx2 raise classes of the same names)."""
    kinds = {cls.__name__ for cls in type(error).__mro__}
    cause = error.__cause__ or error.__context__
    return kinds | ({cls.__name__ for cls in type(cause).__mro__} if cause is not None else set())


@functools.cache
def _tls():
    """The TLS context of every client, made once (as the SDK makes it: certifi's roots, or $SSL_CERT_FILE)."""
    import ssl

    import certifi

    return ssl.create_default_context(cafile=os.environ.get("SSL_CERT_FILE", certifi.where()),
                                      capath=os.environ.get("SSL_CERT_DIR"))


def _close(client) -> None:
    try:
        client.close()
    except Exception:  # noqa: BLE001 - an abandoned client's close is best effort
        pass
