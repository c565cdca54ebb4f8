"""Serve a fake OpenAI-compatible endpoint from the shell, to try a setup without a real model.

    python -m gem_env.testing --port 8000 --latency 0.2 --reply '{"ok": true}'

Prints the base URL on the first line of stdout, then serves until interrupted.
"""
from __future__ import annotations

import argparse
import contextlib
import threading

from gem_env.testing.replies import Text
from gem_env.testing.server import FakeOpenAIServer


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m gem_env.testing", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free port)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every reply")
    parser.add_argument("--reply", default="ok", help="the text of every reply")
    parser.add_argument("--model", default="fake-model", help="the model name /v1/models lists")
    args = parser.parse_args()
    with FakeOpenAIServer([Text(args.reply)], latency=args.latency, model=args.model, port=args.port) as server:
        print(server.base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
