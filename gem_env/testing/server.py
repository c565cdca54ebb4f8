"""A small OpenAI-compatible chat server on 127.0.0.1 with scripted replies, latency and faults.

Standard library only, so tests and users can check an LLM setup without a real endpoint::

    with FakeOpenAIServer([Text("hello")], latency=0.2) as server:
        cfg = LLMConfig(model="fake", base_url=server.base_url)
"""
from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, get_args

from gem_env.testing.replies import Fault, Reply, Slow, Text, ToolCalls

ReplyFn = Callable[[dict[str, Any]], Reply]
StructuredSupport = Literal["accept", "reject_schema", "reject", "reject_schema_500"]
"""How the server treats ``response_format``: accept any; refuse ``json_schema`` (but take
``json_object``); refuse any ``response_format``. Refusals are HTTP 400s, as llama.cpp and older
vLLM builds answer, except ``reject_schema_500``: a 500 naming the field, as llama-cpp-python's
server answers ``json_schema``."""


class FakeOpenAIServer:
    """Serves ``POST /v1/chat/completions`` (plain or SSE stream) and ``GET /v1/models``.

    ``replies`` is either a list consumed one per chat request in arrival order, whose last
    entry repeats once the list is exhausted, or a function from the request body to a reply.
    Every chat request body is recorded in :attr:`requests`, faults included. From a shell:
    ``python -m gem_env.testing --latency 0.2 --reply "ok"`` serves until interrupted.
    ``structured`` says which ``response_format`` requests are refused (see `StructuredSupport`);
    ``context`` is the context length ``/v1/models`` reports (``None``: not reported).
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
    ) -> None:
        if not callable(replies) and not replies:
            raise ValueError("FakeOpenAIServer needs at least one reply")
        if structured not in get_args(StructuredSupport):
            raise ValueError(f"structured must be one of {get_args(StructuredSupport)}, not {structured!r}")
        self.structured = structured
        self.context = context
        self.latency = latency
        self.model = model
        self.port = port  # 0: any free port
        self._replies = replies if callable(replies) else list(replies)
        self._lock = threading.Lock()
        self._requests: list[dict[str, Any]] = []
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -----------------------------------------------------------------------------

    def start(self) -> FakeOpenAIServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        self._httpd = _HTTPServer(("127.0.0.1", self.port), _Handler, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._stopping.set()  # wakes handlers sleeping on latency or a timeout fault
        self._httpd.shutdown()
        self._httpd.server_close()
        assert self._thread is not None
        self._thread.join()
        self._httpd = self._thread = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("FakeOpenAIServer is not running; call start() or use it in a with block")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The JSON bodies of all chat completion requests so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    # request handling (runs in the handler threads) ----------------------------------------

    def _next_reply(self, body: dict[str, Any]) -> tuple[int, Reply]:
        with self._lock:
            index = len(self._requests)
            self._requests.append(body)
            if not callable(self._replies):
                return index, self._replies[min(index, len(self._replies) - 1)]
        return index, self._replies(body)

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], handler: type[_Handler], owner: FakeOpenAIServer):
        self.owner = owner
        super().__init__(address, handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real endpoints do
    disable_nagle_algorithm = True  # else small header/body writes stall on delayed ACKs
    timeout = 30  # idle keep-alive connections are dropped after this
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default per-request stderr log."""

    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/v1/models":
            owner = self.server.owner
            model: dict[str, Any] = {"id": owner.model, "object": "model", "created": 0, "owned_by": "gem-env"}
            if owner.context is not None:
                model["max_model_len"] = owner.context  # vLLM's field; llama.cpp says meta.n_ctx_train
            self._send_json(200, {"object": "list", "data": [model]})
        else:
            self._send_error(404, f"no route GET {self.path}")

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send_error(404, f"no route POST {self.path}")
            return
        try:
            body = json.loads(raw)
        except ValueError:
            self._send_error(400, "request body is not JSON")
            return
        owner = self.server.owner
        try:
            index, reply = owner._next_reply(body)
        except Exception as exc:  # a broken reply function must show up in the test, not hang it
            self._send_error(500, f"reply function failed: {exc!r}")
            return
        owner._sleep(owner.latency)
        refusal = _refusal(owner.structured, body.get("response_format"))
        if refusal:
            self._send_error(500 if owner.structured == "reject_schema_500" else 400, refusal)
        elif isinstance(reply, Fault):
            self._send_fault(reply, streamed=bool(body.get("stream")))
        elif isinstance(reply, Slow) and body.get("stream"):
            self._send_stream(_chunks(body, reply.reply, index, owner.model, pieces=reply.chunks), reply.delay)
        elif isinstance(reply, Slow):
            owner._sleep(reply.chunks * reply.delay)
            self._send_json(200, _completion(body, reply.reply, index, owner.model))
        elif body.get("stream"):
            self._send_stream(_chunks(body, reply, index, owner.model), 0.0)
        else:
            self._send_json(200, _completion(body, reply, index, owner.model))

    def _send_fault(self, fault: Fault, streamed: bool) -> None:
        if fault.kind == "stall" and streamed:
            self._start_stream()
            self._write_chunk(_sse_event({"id": "chatcmpl-stall", "object": "chat.completion.chunk", "created": 0,
                                          "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                                       "finish_reason": None}]}))
            self.server.owner._sleep(fault.seconds)
            self.close_connection = True  # hang up mid-stream
        elif fault.kind == "context_length":
            self._send_error(400, f"This model's maximum context length is {fault.context} tokens. However, you "
                                  f"requested {fault.context + 1000} tokens. Please reduce the length of the messages.",
                             "invalid_request_error")
        elif fault.kind == "http_500":
            self._send_error(500, "injected fault: internal server error", "server_error")
        elif fault.kind == "http_429":
            headers = {"Retry-After": f"{fault.retry_after:g}"}
            self._send_error(429, "injected fault: rate limited", "rate_limit_error", headers)
        elif fault.kind in ("timeout", "stall"):
            self.server.owner._sleep(fault.seconds)
            self.close_connection = True  # hang up without answering
        elif fault.kind == "malformed_json":
            self._send(200, b'{"id": "chatcmpl-broken", "choices": [{"message": ', "application/json")
        else:  # wrong_schema
            self._send_json(200, {"object": "list", "data": [], "note": "injected fault: not a chat completion"})

    def _start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _send_stream(self, chunks: list[dict[str, Any]], delay: float) -> None:
        """Server-sent events in HTTP chunks, ``delay`` seconds before each content chunk."""
        self._start_stream()
        try:
            for chunk in chunks:
                if delay and any(c.get("delta", {}).keys() - {"role"} for c in chunk.get("choices", [])):
                    self.server.owner._sleep(delay)
                self._write_chunk(_sse_event(chunk))
            self._write_chunk(b"data: [DONE]\n\n")
            self._write_chunk(b"")
        except (BrokenPipeError, ConnectionResetError):  # the client closed the stream: stop generating
            self.close_connection = True

    def _send_error(self, status: int, message: str, kind: str = "invalid_request_error",
                    headers: dict[str, str] | None = None) -> None:
        body = {"error": {"message": message, "type": kind, "code": status}}
        self._send(status, json.dumps(body).encode(), "application/json", headers)

    def _send_json(self, status: int, obj: Any) -> None:
        self._send(status, json.dumps(obj).encode(), "application/json")

    def _send(self, status: int, payload: bytes, content_type: str,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


# response bodies ------------------------------------------------------------------------------


def _tokens(text: str) -> int:
    """Rough token count: four characters a token."""
    return max(1, len(text) // 4)


def _usage(body: dict[str, Any], reply: Text | ToolCalls) -> dict[str, int]:
    prompt = "".join(
        m["content"] if isinstance(m.get("content"), str) else json.dumps(m.get("content"))
        for m in body.get("messages", [])
    )
    message = _message(reply, 0)
    completion = (message["content"] or "") + (json.dumps(message["tool_calls"]) if "tool_calls" in message else "")
    prompt_tokens, completion_tokens = _tokens(prompt), _tokens(completion)
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def _message(reply: Text | ToolCalls, index: int) -> dict[str, Any]:
    if isinstance(reply, Text):
        return {"role": "assistant", "content": reply.content}
    calls = [
        {
            "id": f"call_{index}_{i}",
            "type": "function",
            "function": {
                "name": call.name,
                "arguments": call.arguments if isinstance(call.arguments, str) else json.dumps(call.arguments),
            },
        }
        for i, call in enumerate(reply.calls)
    ]
    return {"role": "assistant", "content": reply.content, "tool_calls": calls}


def _finish_reason(reply: Text | ToolCalls) -> str:
    return "tool_calls" if isinstance(reply, ToolCalls) else "stop"


def _completion(body: dict[str, Any], reply: Text | ToolCalls, index: int, model: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{index}",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model", model),
        "choices": [
            {"index": 0, "message": _message(reply, index), "finish_reason": _finish_reason(reply), "logprobs": None}
        ],
        "usage": _usage(body, reply),
    }


def _refusal(support: StructuredSupport, response_format: Any) -> str | None:
    """The 400 message for a ``response_format`` this server refuses, or None."""
    if not isinstance(response_format, dict) or support == "accept":
        return None
    kind = response_format.get("type")
    if support == "reject" or kind == "json_schema":
        return f"response_format type {kind!r} is not supported by this server"
    return None


def _pieces(text: str, n: int) -> list[str]:
    size = max(1, -(-len(text) // max(n, 1)))
    return [text[i:i + size] for i in range(0, len(text), size)]


def _chunks(body: dict[str, Any], reply: Text | ToolCalls, index: int, model: str,
            pieces: int = 1) -> list[dict[str, Any]]:
    """The same reply as a chat.completion.chunk sequence (role, content in ``pieces`` parts, tool
    calls, finish, usage)."""
    message = _message(reply, index)
    deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
    if message["content"]:
        deltas += [{"content": piece} for piece in _pieces(message["content"], pieces)]
    deltas += [{"tool_calls": [{"index": i, **call}]} for i, call in enumerate(message.get("tool_calls", []))]
    head = {"id": f"chatcmpl-{index}", "object": "chat.completion.chunk", "created": 0,
            "model": body.get("model", model)}
    chunks = [{**head, "choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in deltas]
    chunks.append({**head, "choices": [{"index": 0, "delta": {}, "finish_reason": _finish_reason(reply)}]})
    if (body.get("stream_options") or {}).get("include_usage"):
        chunks.append({**head, "choices": [], "usage": _usage(body, reply)})
    return chunks


def _sse_event(chunk: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(chunk)}\n\n".encode()
