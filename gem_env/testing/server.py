"""A small OpenAI-compatible chat server on 127.0.0.1 with scripted replies, latency and faults.

Standard library and orjson only, so tests and users can check an LLM setup without a real endpoint::

    with FakeOpenAIServer([Text("hello")], latency=0.2) as server:
        cfg = LLMConfig(model="fake", base_url=server.base_url)

It serves from one asyncio event loop in a background thread: a request waiting out its latency is
a sleeping coroutine, not a thread with its own stack, so hundreds in flight cost little memory
and CPU (the threaded server it replaced took ~1 GB and most of a core at 256 in flight, and was
what bounded the rollout benchmark).
"""
from __future__ import annotations

import asyncio
import inspect
import json
import threading
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, get_args

import orjson

from gem_env.testing.bodies import StructuredSupport, chunk_bodies, completion_body, refusal_of, sse_event
from gem_env.testing.replies import Fault, Reply, Slow

ReplyFn = Callable[[dict[str, Any]], Reply] | Callable[[dict[str, Any]], Awaitable[Reply]]
IDLE_TIMEOUT = 30.0
"""Seconds an idle keep-alive connection is kept open."""
REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error"}

__all__ = ["FakeOpenAIServer", "ReplyFn", "StructuredSupport"]


class FakeOpenAIServer:
    """Serves ``POST /v1/chat/completions`` (plain or SSE stream) and ``GET /v1/models``.

    ``replies`` is either a list consumed one per chat request in arrival order, whose last
    entry repeats once the list is exhausted, or a function from the request body to a reply:
    a plain function is called in a worker thread (it may block), a coroutine function is awaited
    on the server's event loop (no thread hop per request). Every chat request body is
    recorded in :attr:`requests`, faults included, unless ``record`` is off (a long benchmark:
    the kept bodies would grow the server's memory and its garbage collections). From a shell:
    ``python -m gem_env.testing --latency 0.2 --reply "ok"`` serves until interrupted.
    ``structured`` says which ``response_format`` requests are refused (see `StructuredSupport`);
    ``context`` is the context length ``/v1/models`` reports (``None``: not reported);
    ``usage=False`` leaves token counts out of every reply, as llama.cpp's server does in a stream.
    """

    def __init__(
        self,
        replies: Sequence[Reply] | ReplyFn,
        *,
        latency: float = 0.0,
        model: str = "fake-model",
        port: int = 0,
        structured: StructuredSupport = "accept",
        context: int | None = None,
        record: bool = True,
        usage: bool = True,
    ) -> None:
        if not callable(replies) and not replies:
            raise ValueError("FakeOpenAIServer needs at least one reply")
        if structured not in get_args(StructuredSupport):
            raise ValueError(f"structured must be one of {get_args(StructuredSupport)}, not {structured!r}")
        self.structured = structured
        self.context = context
        self.usage = usage
        self.latency = latency
        self.model = model
        self.port = port  # 0: any free port
        self._replies = replies if callable(replies) else list(replies)
        self._awaits_replies = inspect.iscoroutinefunction(replies)
        self._lock = threading.Lock()
        self._requests: list[dict[str, Any]] = []
        self._record = record
        self._count = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._bound_port: int | None = None
        self._stop: asyncio.Event | None = None

    # lifecycle -----------------------------------------------------------------------------

    def start(self) -> FakeOpenAIServer:
        if self._thread is not None:
            return self
        ready: dict[str, Any] = {}
        started = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready, started), daemon=True)
        self._thread.start()
        started.wait()
        if "error" in ready:
            self._thread.join()
            self._thread = None
            raise ready["error"]
        return self

    def stop(self) -> None:
        if self._thread is None:
            return
        assert self._loop is not None and self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)  # cancels the connections, sleeps included
        self._thread.join()
        self._thread = self._loop = self._stop = self._bound_port = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._bound_port is None:
            raise RuntimeError("FakeOpenAIServer is not running; call start() or use it in a with block")
        return f"http://127.0.0.1:{self._bound_port}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The JSON bodies of all chat completion requests so far, in arrival order (none when
        ``record`` is off)."""
        with self._lock:
            return list(self._requests)

    # the event loop's thread -----------------------------------------------------------------

    def _run(self, ready: dict[str, Any], started: threading.Event) -> None:
        asyncio.run(self._serve(ready, started))

    async def _serve(self, ready: dict[str, Any], started: threading.Event) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        connections: set[asyncio.Task[None]] = set()

        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            connections.add(task)
            try:
                await _Connection(self, reader, writer).serve()
            except asyncio.CancelledError:
                pass  # the server is stopping; the connection is closed
            finally:
                connections.discard(task)

        try:
            server = await asyncio.start_server(on_connect, "127.0.0.1", self.port, backlog=1024)
        except OSError as err:
            ready["error"] = err
            started.set()
            return
        self._bound_port = server.sockets[0].getsockname()[1]
        started.set()
        await self._stop.wait()
        server.close()
        for task in list(connections):
            task.cancel()
        await asyncio.gather(*connections, return_exceptions=True)

    async def _next_reply(self, body: dict[str, Any]) -> tuple[int, Reply]:
        """The request's index and reply. A plain reply function runs in a worker thread, as it did
        in the threaded server: it may block or run an event loop of its own (``asyncio.run``)."""
        with self._lock:
            index = self._count
            self._count += 1
            if self._record:
                self._requests.append(body)
            if not callable(self._replies):
                return index, self._replies[min(index, len(self._replies) - 1)]
        if self._awaits_replies:
            return index, await self._replies(body)
        return index, await asyncio.to_thread(self._replies, body)


class _Connection:
    """One client connection: HTTP/1.1 requests read and answered in turn, kept alive between."""

    def __init__(self, owner: FakeOpenAIServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.owner, self.reader, self.writer = owner, reader, writer
        self.keep_alive = True

    async def serve(self) -> None:
        try:
            while self.keep_alive:
                request = await self._read_request()
                if request is None:
                    break
                method, path, raw = request
                await self._answer(method, path.rstrip("/"), raw)
                await self.writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            pass  # the client hung up or sent something that is not HTTP: drop the connection
        finally:
            self.writer.close()

    async def _read_request(self) -> tuple[str, str, bytes] | None:
        try:
            async with asyncio.timeout(IDLE_TIMEOUT):  # no task per request, unlike wait_for
                head = await self.reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, TimeoutError):
            return None
        lines = head.decode("latin-1").split("\r\n")
        method, path, version = (lines[0].split(" ", 2) + ["", ""])[:3]
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        closes = headers.get("connection", "").lower() == "close"
        self.keep_alive = version == "HTTP/1.1" and not closes
        raw = await self.reader.readexactly(int(headers.get("content-length") or 0))
        return method, path, raw

    async def _answer(self, method: str, path: str, raw: bytes) -> None:
        if method == "GET" and path == "/v1/models":
            self._models()
        elif method == "POST" and path == "/v1/chat/completions":
            await self._chat(raw)
        else:
            self._error(404, f"no route {method} {path}")

    def _models(self) -> None:
        owner = self.owner
        model: dict[str, Any] = {"id": owner.model, "object": "model", "created": 0, "owned_by": "gem-env"}
        if owner.context is not None:
            model["max_model_len"] = owner.context  # vLLM's field; llama.cpp says meta.n_ctx_train
        self._json(200, {"object": "list", "data": [model]})

    async def _chat(self, raw: bytes) -> None:
        try:
            body = _loads(raw)
        except ValueError:
            self._error(400, "request body is not JSON")
            return
        owner = self.owner
        try:
            index, reply = await owner._next_reply(body)
        except Exception as exc:  # a broken reply function must show up in the test, not hang it
            self._error(500, f"reply function failed: {exc!r}")
            return
        await self._sleep(owner.latency)
        refused = refusal_of(owner.structured, body.get("response_format"))
        streamed = bool(body.get("stream"))
        if refused:
            self._error(500 if owner.structured == "reject_schema_500" else 400, refused)
        elif isinstance(reply, Fault):
            await self._fault(reply, streamed)
        elif isinstance(reply, Slow) and streamed:
            await self._stream(chunk_bodies(body, reply.reply, index, owner.model, pieces=reply.chunks, usage=owner.usage), reply.delay)
        elif isinstance(reply, Slow):
            await self._sleep(reply.chunks * reply.delay)
            self._json(200, completion_body(body, reply.reply, index, owner.model, usage=owner.usage))
        elif streamed:
            await self._stream(chunk_bodies(body, reply, index, owner.model, usage=owner.usage), 0.0)
        else:
            self._json(200, completion_body(body, reply, index, owner.model, usage=owner.usage))

    async def _fault(self, fault: Fault, streamed: bool) -> None:
        if fault.kind == "stall" and streamed:
            self._start_stream()
            self._chunk(sse_event({"id": "chatcmpl-stall", "object": "chat.completion.chunk", "created": 0,
                                   "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                                "finish_reason": None}]}))
            await self.writer.drain()
            await self._sleep(fault.seconds)
            self.keep_alive = False  # hang up mid-stream
        elif fault.kind == "context_length_in_stream" and streamed:
            await self._stream([], 0.0)
        elif fault.kind in ("context_length", "context_length_in_stream"):
            self._error(400, f"This model's maximum context length is {fault.context} tokens. However, you "
                             f"requested {fault.context + 1000} tokens. Please reduce the length of the messages.")
        elif fault.kind == "http_500":
            self._error(500, "injected fault: internal server error", "server_error")
        elif fault.kind == "http_429":
            self._error(429, "injected fault: rate limited", "rate_limit_error",
                        {"Retry-After": f"{fault.retry_after:g}"})
        elif fault.kind in ("timeout", "stall"):
            await self._sleep(fault.seconds)
            self.keep_alive = False  # hang up without answering
        elif fault.kind == "malformed_json":
            self._send(200, b'{"id": "chatcmpl-broken", "choices": [{"message": ', "application/json")
        else:  # wrong_schema
            self._json(200, {"object": "list", "data": [], "note": "injected fault: not a chat completion"})

    async def _stream(self, chunks: list[dict[str, Any]], delay: float) -> None:
        """Server-sent events in HTTP chunks, ``delay`` seconds before each content chunk."""
        self._start_stream()
        for chunk in chunks:
            if delay and any(c.get("delta", {}).keys() - {"role"} for c in chunk.get("choices", [])):
                await self.writer.drain()
                await self._sleep(delay)
            self._chunk(sse_event(chunk))
        self._chunk(b"data: [DONE]\n\n")
        self._chunk(b"")

    @staticmethod
    async def _sleep(seconds: float) -> None:
        """Wait ``seconds``; a stopping server cancels the connection's task, so no wait outlasts it.
        (Waiting on the stop event with ``wait_for`` made a task and a cancellation per request.)"""
        if seconds > 0:
            await asyncio.sleep(seconds)

    # writing ---------------------------------------------------------------------------------

    def _start_stream(self) -> None:
        self._head(200, [("Content-Type", "text/event-stream"), ("Transfer-Encoding", "chunked")])

    def _chunk(self, data: bytes) -> None:
        self.writer.write(b"%x\r\n%s\r\n" % (len(data), data))

    def _error(self, status: int, message: str, kind: str = "invalid_request_error",
               headers: dict[str, str] | None = None) -> None:
        body = {"error": {"message": message, "type": kind, "code": status}}
        self._send(status, orjson.dumps(body), "application/json", headers)

    def _json(self, status: int, obj: Any) -> None:
        self._send(status, orjson.dumps(obj), "application/json")

    def _send(self, status: int, payload: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        """Head and body in one write: two made two segments, and often two wake-ups of the client
        (its read of the head, then of the body) per response."""
        fields = [("Content-Type", content_type), ("Content-Length", str(len(payload))), *(headers or {}).items()]
        self.writer.write(self._head_bytes(status, fields) + payload)

    def _head(self, status: int, fields: list[tuple[str, str]]) -> None:
        self.writer.write(self._head_bytes(status, fields))

    def _head_bytes(self, status: int, fields: list[tuple[str, str]]) -> bytes:
        if not self.keep_alive:
            fields = [*fields, ("Connection", "close")]
        lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}", *(f"{k}: {v}" for k, v in fields)]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _loads(raw: bytes) -> Any:
    """A request body parsed: orjson (a third of the server's CPU went to ``json.loads`` of
    bodies that carry a dozen tool schemas), or ``json`` for what only it takes (``NaN``)."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)
