"""Benchmark: requests/s and p50/p99 latency of the story page of a 20-article story.

Builds the story once (the two seeds + 18 FANG-COVID articles) in a temporary database, serves
it with uvicorn on loopback, and sends a bounded number of GET requests from a few client threads.
Prints one JSON line. Goal: p99 < 200 ms on 2 cores.

    .venv/bin/python bench/serve.py [--requests 500] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import gzip
import json
import socket
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
FANG = ROOT.parent / "shared" / "data" / "reliability" / "fang-covid-train.jsonl.gz"


def build_story(settings) -> str:  # type: ignore[no-untyped-def]
    from quellenlage.web import service

    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples").glob("*.txt"))]
    if FANG.exists():
        with gzip.open(FANG, "rt", encoding="utf-8") as fh:
            for line in fh:
                record = json.loads(line)
                if 1500 < len(record["text"]) < 6000:
                    texts.append(record["text"])
                if len(texts) == 20:
                    break
    while len(texts) < 20:  # without the corpus: variants of the seeds
        texts.append(texts[len(texts) % 2] + f"\n\nErgänzung {len(texts)}.")
    return service.analyse_inputs(settings, texts=texts).key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    import uvicorn

    from quellenlage.settings import load_settings
    from quellenlage.web.app import create_app

    settings = load_settings(db=str(Path(tempfile.mkdtemp()) / "bench.db"), api_token="bench")
    started = time.perf_counter()
    key = build_story(settings)
    build_seconds = time.perf_counter() - started

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="error"))
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{port}/stories/{key}"
    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)

    with httpx.Client(timeout=30) as warm:
        page_bytes = len(warm.get(url).content)

    def one(_: int) -> float:
        with httpx.Client(timeout=30) as client:
            t = time.perf_counter()
            response = client.get(url)
            response.raise_for_status()
            return time.perf_counter() - t

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        latencies = sorted(pool.map(one, range(args.requests)))
    wall = time.perf_counter() - t0
    server.should_exit = True

    def pct(p: float) -> float:
        return round(1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))], 1)

    print(json.dumps({
        "bench": "serve-story-page", "articles": 20, "requests": args.requests,
        "concurrency": args.concurrency, "requests_per_s": round(args.requests / wall, 1),
        "p50_ms": pct(0.50), "p99_ms": pct(0.99), "mean_ms": round(1000 * statistics.mean(latencies), 1),
        "page_kb": round(page_bytes / 1024, 1), "story_build_s": round(build_seconds, 1),
    }))


if __name__ == "__main__":
    sys.exit(main())
