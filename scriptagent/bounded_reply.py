"""A reply with bounds: an httpx response hook that refuses a body past a size, or still arriving past a deadline.

Both hosted clients, the OpenAI-compatible one (lm/openai_chat.py) and Veo's (director/veo_api.py), hand it to the
httpx client their SDK builds on, so a server that drips bytes or sends without end is stopped at the same check,
chunk by chunk. The httpx module is the response's own (an SDK may build on httpx or httpx2).
"""

from __future__ import annotations

import functools
import sys
import time


class ReplyTooSlow(Exception):
    """The whole reply did not arrive by its deadline."""


class ReplyTooLarge(Exception):
    """The reply passed its size limit."""


def bound_reply(response, deadline: float, limit: int) -> None:
    """For an httpx response hook (after the headers, before the body is read): refuse a Content-Length past
    `limit`, and read the body through a stream that raises past `limit` bytes or `deadline` (time.monotonic)."""
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise ReplyTooLarge()
    response.stream = _bounded_stream(type(response))(response.stream, deadline, limit)


@functools.cache
def _bounded_stream(response_class):
    httpx = sys.modules[response_class.__module__.split(".")[0]]

    class BoundedStream(httpx.SyncByteStream):
        """A response body that raises once past its deadline or its size limit, checked at every chunk."""

        def __init__(self, stream, deadline: float, limit: int):
            self.stream, self.deadline, self.limit = stream, deadline, limit

        def __iter__(self):
            received = 0
            for chunk in self.stream:
                received += len(chunk)
                if received > self.limit:
                    raise ReplyTooLarge()
                if time.monotonic() > self.deadline:
                    raise ReplyTooSlow()
                yield chunk

        def close(self) -> None:
            self.stream.close()

    return BoundedStream
