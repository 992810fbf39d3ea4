"""Ingest throughput: JSONL ingest+store and HTML extraction. Prints one JSON line.

    python bench/ingest.py                 # the whole FANG-COVID file and 300 generated pages
    python bench/ingest.py --limit 5000    # the first 5,000 JSONL lines only
    python bench/ingest.py --tracemalloc   # also Python's peak allocation (slows everything down)

Figures:
- ``jsonl_articles_per_s``: JSONL lines read, turned into articles and stored per wall second,
  exactly as ``quellenlage ingest FILE`` does it (batches, writer thread, outcomes recorded).
- ``store_articles_per_s``: the same articles written again into an empty database by
  ``Store.put_articles`` alone, to tell the store's share from the reader's.
- ``html_pages_per_s``: generated news pages (nav, cookie banner, teasers, footer around real
  German article text) through ``iter_ingest``; ``html_body_recovered`` is the share of pages whose
  extracted text contains the article's first paragraph and none of the boilerplate.
- ``cpu_s`` figures are CPU seconds (user+sys, all threads, and the reader's worker process):
  on a shared machine wall time depends on the neighbours, CPU time does not.
  ``jsonl_reader_cpu_s`` is the reading thread's share (``time.thread_time``) plus the worker
  process that converts lines of a large file (``ingest/bulk.py``; ``jsonl_worker_cpu_s``); the
  rest of this process is the writer thread and the worker pool's result thread, which unpickles
  the converted lines (``jsonl_writer_cpu_s``). With two idle cores the busier of worker and this
  process sets the pace, which ``jsonl_articles_per_s_two_idle_cores_est`` estimates.
- ``jsonl_peak_rss_mb`` is the peak resident memory after the JSONL phase (ingest + store) of this
  process, ``jsonl_worker_peak_rss_mb`` that of the worker process;
  ``peak_rss_mb_all_phases`` includes the HTML phase.
Goals: >= 1,000 articles/s and >= 100 pages/s.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import itertools
import json
import os
import random
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Self

from quellenlage.ingest import iter_ingest
from quellenlage.models import OutcomeStatus
from quellenlage.settings import load_settings
from quellenlage.store import Store
from quellenlage.storing import store_items

ROOT = Path(__file__).resolve().parent.parent
FANG = ROOT.parent / "shared" / "data" / "reliability" / "fang-covid-train.jsonl.gz"
BOILERPLATE = "Cookie-Einstellungen"  # appears only in the generated chrome, never in article text


def children_cpu() -> float:
    """CPU seconds of finished child processes (the bulk reader's worker once it was shut down)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Clock:
    """Wall and CPU seconds of a block; ``cpu`` includes child processes that ended in it."""

    def __enter__(self) -> Self:
        self.wall, self.cpu, self.children = time.perf_counter(), time.process_time(), children_cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.children = children_cpu() - self.children
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu + self.children


def bench_jsonl(path: Path, limit: int | None, workdir: Path) -> dict[str, object]:
    settings = load_settings(db=str(workdir / "jsonl.db"))
    with Store.open(settings) as store, Clock() as clock:
        reader_cpu = time.thread_time()  # this thread reads; the writer thread stores
        items = itertools.islice(iter_ingest([str(path)], settings), limit)
        outcomes = list(store_items(store, items, "bench"))
        reader_cpu = time.thread_time() - reader_cpu
    rss_after_ingest = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    writer_cpu = clock.cpu - clock.children - reader_cpu
    reader_cpu += clock.children
    stored = sum(o.status is OutcomeStatus.STORED for o in outcomes)
    put_wall = put_cpu = 0.0
    with Store.open(settings) as source, Store.open(load_settings(db=str(workdir / "again.db"))) as target:
        articles = source.iter_articles()
        while chunk := list(itertools.islice(articles, 500)):
            rows = [(a, *(source.get_raw(a.id) or (None, ""))) for a in chunk]
            with Clock() as put:
                target.put_articles(rows)
            put_wall, put_cpu = put_wall + put.wall, put_cpu + put.cpu
    return {
        "jsonl_lines": len(outcomes),
        "jsonl_stored": stored,
        "jsonl_seconds": round(clock.wall, 2),
        "jsonl_cpu_s": round(clock.cpu, 2),
        "jsonl_reader_cpu_s": round(reader_cpu, 2),
        "jsonl_worker_cpu_s": round(clock.children, 2),
        "jsonl_writer_cpu_s": round(writer_cpu, 2),
        "jsonl_articles_per_s": round(len(outcomes) / clock.wall),
        "jsonl_articles_per_cpu_s": round(len(outcomes) / clock.cpu),
        # The worker process and this process (reading thread + writer) overlap; with two idle cores
        # the busier of the two sets the pace.
        "jsonl_articles_per_s_two_idle_cores_est": round(
            len(outcomes) / max(clock.children, clock.cpu - clock.children)
        ),
        "jsonl_peak_rss_mb": round(rss_after_ingest, 1),
        "jsonl_worker_peak_rss_mb": round(worker_rss, 1),
        "store_articles_per_s": round(stored / put_wall),
        "store_articles_per_cpu_s": round(stored / put_cpu),
    }


def make_pages(path: Path, count: int, workdir: Path) -> list[tuple[Path, str]]:
    """``count`` HTML pages around real article texts; returns (file, first paragraph) pairs."""
    rng = random.Random(7)
    pages: list[tuple[Path, str]] = []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for n, line in enumerate(lines):
            if len(pages) == count:
                break
            record = json.loads(line)
            sentences = record["text"].replace("\n", " ").split(". ")
            if len(sentences) < 12:
                continue
            paragraphs = [". ".join(sentences[i : i + 3]).strip() + "." for i in range(0, len(sentences), 3)]
            page = workdir / f"page{n:05d}.html"
            page.write_text(_page(record, paragraphs, rng), encoding="utf-8")
            pages.append((page, paragraphs[0][:60]))
    return pages


def _page(record: dict[str, str], paragraphs: list[str], rng: random.Random) -> str:
    nav = "".join(f'<li><a href="/ressort/{i}">Ressort {i}</a></li>' for i in range(rng.randint(15, 40)))
    teasers = "".join(
        f'<div class="teaser"><a href="/artikel/{rng.randint(1, 10**6)}"><h3>Lesen Sie auch: Meldung {i}'
        "</h3><p>Kurzer Anrisstext zu einer anderen Meldung.</p></a></div>"
        for i in range(6)
    )
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    footer = "".join(f'<a href="/footer/{i}">Link {i}</a> ' for i in range(40))
    return f"""<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">
<title>{record["title"]} | {record["source"]}</title>
<meta property="og:title" content="{record["title"]}">
<meta property="article:published_time" content="{record["date"]}">
<link rel="canonical" href="{record["url"]}">
<script>window.dataLayer = window.dataLayer || []; function track(){{}}</script>
<style>body {{ font-family: sans-serif }} .teaser {{ margin: 1em }}</style></head>
<body><div id="cookie">{BOILERPLATE}: Wir verwenden Cookies. <button>Alle akzeptieren</button></div>
<header><a href="/">Startseite</a><nav><ul>{nav}</ul></nav></header>
<main><article><h1>{record["title"]}</h1><p class="byline">Von Redaktion, {record["date"][:10]}</p>
{body}<div class="share">Teilen auf Facebook · Twitter · WhatsApp</div></article>
<aside><h2>Meistgelesen</h2>{teasers}</aside></main>
<footer>{footer}<p>© 2021 {record["source"]} · Impressum · Datenschutz · {BOILERPLATE}</p></footer>
<script src="/static/app.js"></script></body></html>"""


def bench_html(path: Path, count: int, workdir: Path) -> dict[str, object]:
    pages = make_pages(path, count, workdir)
    settings = load_settings(db=str(workdir / "html.db"))
    with Clock() as clock:
        items = list(iter_ingest([str(page) for page, _ in pages], settings))
    texts = {item.outcome.input: item.article.text for item in items if item.article is not None}
    recovered = sum(
        first in texts.get(str(page), "") and BOILERPLATE not in texts.get(str(page), "")
        for page, first in pages
    )
    return {
        "html_pages": len(pages),
        "html_articles": len(texts),
        "html_body_recovered": round(recovered / max(len(pages), 1), 3),
        "html_seconds": round(clock.wall, 2),
        "html_pages_per_s": round(len(pages) / clock.wall, 1),
        "html_pages_per_cpu_s": round(len(pages) / clock.cpu, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=FANG, help="JSONL(.gz) file to ingest")
    parser.add_argument("--limit", type=int, default=None, help="only the first N JSONL lines")
    parser.add_argument("--pages", type=int, default=300, help="generated HTML pages")
    parser.add_argument("--tracemalloc", action="store_true", help="also report Python's peak allocation")
    args = parser.parse_args()
    if not args.data.is_file():
        raise SystemExit(f"{args.data} not found; pass --data FILE.jsonl.gz")
    if args.tracemalloc:
        tracemalloc.start()
    result: dict[str, object] = {"bench": "ingest", "data": args.data.name, "limit": args.limit}
    with tempfile.TemporaryDirectory(prefix="quellenlage-bench-") as tmp:
        result |= bench_jsonl(args.data, args.limit, Path(tmp))
        # Start the HTML phase from a quiet state: the JSONL phase leaves ~300 MB of database pages
        # for the kernel to write back and a heap of freed objects; neither is HTML extraction's cost.
        gc.collect()
        os.sync()
        result |= bench_html(args.data, args.pages, Path(tmp))
    result["peak_rss_mb_all_phases"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    if args.tracemalloc:
        result["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
