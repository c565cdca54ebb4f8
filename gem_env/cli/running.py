"""What `gem filter`, `gem extract` and `gem synthesize` share: they run one pipeline
(`gem_env.pipeline`), stopped at a different stage, on an engine, over a corpus."""
from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
from typing import Any, Callable, Iterator

from ..errors import GemError
from .options import add_corpus_options, add_llm_options, add_stage_backend_options, corpus_kwargs, llm_model_config


def add_run_options(p: argparse.ArgumentParser, *, concurrency: int) -> None:
    """Options of every pipeline command: backend, limit, seed, concurrency, engine, corpus, LLM."""
    p.add_argument("--backend", choices=["offline", "llm"], default="offline",
                   help="rules over the text (default) or a chat model")
    p.add_argument("--limit", type=int, default=None, help="at most this many documents")
    p.add_argument("--seed", type=int, default=0, help="seed of the extracted domains' data and of the tasks")
    p.add_argument("--concurrency", type=int, default=concurrency,
                   help=f"documents in flight (default: {concurrency})")
    p.add_argument("--check-workers", type=int, default=1,
                   help="llm backend: processes that compile the model's domains off the event loop "
                        "(0: in the event loop; default: 1)")
    p.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="local: this process (default); ray: a Ray cluster (pip install 'gem-env[ray]')")
    p.add_argument("--ray-address", default=None,
                   help="with --engine ray: the cluster to join, e.g. ray://head:10001 or auto "
                        "(default: start a local Ray)")
    add_stage_backend_options(p)
    add_corpus_options(p)
    add_llm_options(p)


def check_run_options(args: argparse.Namespace) -> None:
    if args.limit is not None and args.limit < 1:
        raise GemError(f"--limit must be at least 1 (got {args.limit})")
    if args.concurrency < 1:
        raise GemError("--concurrency must be at least 1")
    if args.check_workers < 0:
        raise GemError("--check-workers must be 0 or more")
    if args.ray_address and args.engine != "ray":
        raise GemError("--ray-address goes with --engine ray")


def model_configs(args: argparse.Namespace, roles: list[tuple[str, str | None]]) -> dict[str, dict[str, Any]]:
    """The endpoint settings of each role that uses a model, as recorded in config.json."""
    return {role: llm_model_config(args, model, role).model_dump(mode="json", exclude={"cache_dir"})
            for role, model in roles}


def runtime(args: argparse.Namespace) -> Any:
    from ..pipeline import Runtime
    return Runtime(cache_dir=args.cache_dir or None, check_workers=args.check_workers)


def corpus_items(args: argparse.Namespace) -> Iterator[Any]:
    """The corpus as a stream of documents and unreadable lines; `GemError` for a bad path or an
    empty corpus, before anything is written."""
    from ..io.corpus import corpus_files, with_read_errors
    corpus_files(args.corpus)  # a bad path fails here, before the output is made
    items = with_read_errors(args.corpus, limit=args.limit, **corpus_kwargs(args))
    first = next(items, None)
    if first is None:
        raise GemError(f"{' '.join(args.corpus)}: no documents (empty corpus)")
    return itertools.chain([first], items)


def execute(args: argparse.Namespace, cfg: Any, work: Callable[[Any], Any]) -> Any:
    """Build the engine `args` name for `cfg`, run the coroutine `work(engine)`, close the engine."""
    from ..engines import make_engine

    async def main() -> Any:
        try:
            engine = make_engine(args.engine, cfg, runtime(args), concurrency=args.concurrency,
                                 ray_address=args.ray_address)
        except ValueError as err:
            raise GemError(str(err)) from None
        try:
            return await work(engine)
        finally:
            await engine.aclose()

    return asyncio.run(main())


def progress_bar(desc: str) -> Any:
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm
    return tqdm(desc=desc, unit="doc", file=sys.stderr, dynamic_ncols=True)
