"""Time and peak memory of analysing one story of 2, 10 and 50 articles; one JSON line per size.

    OMP_NUM_THREADS=1 .venv/bin/python bench/analyze.py [--sizes 2 10 50] [--keyword Impf]
        [--subjectivity rules|model]

Each size runs in its own process (so that peak RSS is that size's own). A story is the first N
FANG-COVID articles (../shared/data/reliability/fang-covid-train.jsonl.gz) of 1,000-8,000 characters
that mention ``--keyword``, taken from the week with most such articles, so that the comparison has
overlapping claims to align. The models (reading layer, sentence encoder) are loaded and warmed on
one article first; then the stages are timed (wall clock and CPU of this process; on a shared machine
the CPU figures are the comparable ones): ``read`` for every article, ``signals`` (source and content
signals of every article, the subjective-report judge chosen by ``--subjectivity`` like the setting of
that name), ``build_story``, ``build_briefing`` and rendering JSON, Markdown and HTML — the stages of
``quellenlage analyze``. Articles are taken round-robin over outlets. Goal: 10 articles
in under 5 s end to end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "reliability" / "fang-covid-train.jsonl.gz"


def _story(path: Path, keyword: str, size: int) -> list:  # type: ignore[type-arg]
    from quellenlage.models import Article

    rows = []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if (
                keyword.lower() in row["text"].lower()
                and 1000 <= len(row["text"]) <= 8000
                and row.get("date")
            ):
                rows.append(row)
            if len(rows) >= 4000:
                break
    weeks = Counter(dt.date.fromisoformat(r["date"][:10]).isocalendar()[:2] for r in rows)
    week = weeks.most_common(1)[0][0]
    in_week = [r for r in rows if dt.date.fromisoformat(r["date"][:10]).isocalendar()[:2] == week]
    by_source: dict[str, list] = {}  # type: ignore[type-arg]
    for row in in_week + [r for r in rows if r not in in_week]:
        by_source.setdefault(row["source"], []).append(row)
    chosen = []  # round-robin over outlets, so that the story has independent sources
    while len(chosen) < size and any(by_source.values()):
        for queue in by_source.values():
            if queue and len(chosen) < size:
                chosen.append(queue.pop(0))
    return [
        Article(
            id=r["id"],
            text=r["text"],
            url=r.get("url"),
            outlet=r.get("source"),
            title=r.get("title"),
            published=dt.date.fromisoformat(r["date"][:10]),
            language="de",
        )
        for r in chosen[:size]
    ]


def run_one(size: int, keyword: str, data: Path, subjectivity: str = "rules") -> dict:  # type: ignore[type-arg]
    from quellenlage.briefing import build_briefing
    from quellenlage.nlp import read
    from quellenlage.render import render
    from quellenlage.signals import article_signals, subjectivity_hook
    from quellenlage.story import build_story

    articles = _story(data, keyword, size + 1)
    warm, articles = articles[0], articles[1 : size + 1]
    judge = subjectivity_hook(subjectivity)
    warm_reading = read(warm)
    # loads the reading models, the signal models, the sentence encoder and sklearn
    build_story([warm], [warm_reading], article_signals(warm_reading, subjectivity=judge))
    timings: dict[str, float] = {}
    start, cpu = time.perf_counter(), time.process_time()

    def lap(name: str, wall: float, used: float) -> None:
        timings[f"{name}_s"] = time.perf_counter() - wall
        timings[f"{name}_cpu_s"] = time.process_time() - used

    readings = [read(a) for a in articles]
    lap("read", start, cpu)
    wall, used = time.perf_counter(), time.process_time()
    signals = [s for r in readings for s in article_signals(r, subjectivity=judge)]
    lap("signals", wall, used)
    wall, used = time.perf_counter(), time.process_time()
    analysis = build_story(articles, readings, signals)
    lap("story", wall, used)
    wall, used = time.perf_counter(), time.process_time()
    briefing = build_briefing(analysis)
    for fmt in ("json", "md", "html"):
        render(briefing, fmt)
    lap("briefing_render", wall, used)
    lap("total", start, cpu)
    return {
        "articles": len(articles),
        "subjectivity": subjectivity,
        "signals": len(signals),
        "chars": sum(len(a.text) for a in articles),
        "claims": len(analysis.story.claims),
        "groups_corroborated": sum(g.sources >= 2 for g in analysis.comparison.groups),
        "conflicts": len(analysis.comparison.conflicts),
        "outlets": len({a.outlet for a in articles}),
        **{k: round(v, 3) for k, v in timings.items()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2, 10, 50])
    parser.add_argument("--keyword", default="Impf")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--subjectivity", choices=("rules", "model"), default="rules")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: run one size in this process
    args = parser.parse_args()
    if not args.data.exists():
        sys.exit(f"error: {args.data} not found; the benchmark needs ../shared/data")
    if args.one:
        print(json.dumps(run_one(args.one, args.keyword, args.data, args.subjectivity)), flush=True)
        return
    for size in args.sizes:
        command = [
            sys.executable,
            __file__,
            "--one",
            str(size),
            "--keyword",
            args.keyword,
            "--data",
            str(args.data),
            "--subjectivity",
            args.subjectivity,
        ]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
