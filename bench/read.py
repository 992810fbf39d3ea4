"""Throughput of the reading layer on FANG-COVID articles; prints one JSON line.

    OMP_NUM_THREADS=1 .venv/bin/python bench/read.py [--limit 1000] [--core-only] [--entities e5+rules]

Reads the first ``--limit`` articles of ../shared/data/reliability/fang-covid-train.jsonl.gz directly
(gzip JSONL: id, url, date, source, label, title, text), pins the process to one core, warms the
lazy models on one article, then times each stage of ``read()`` per article (CPU time, so that
other load on the machine does not count). Reports
tokens/s of the full ``read()`` and of the rule-based core (segment + numbers + dates), seconds per
stage, and peak RSS. Goal for the rule-based core: ≥ 20k tokens/s.

    .venv/bin/python bench/read.py --smartdata

instead scores dates and numbers against the gold ``date`` and ``number`` mentions of
../shared/data/ner/smartdata-train.jsonl (any character overlap counts). Gold there leaves many
dates unannotated and types "10 km" as distance, so precision is a lower bound; ``number_other_type``
counts our numbers that overlap a gold time, duration, distance or date instead.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "reliability" / "fang-covid-train.jsonl.gz"
SMARTDATA = ROOT.parent / "shared" / "data" / "ner" / "smartdata-train.jsonl"
_NUMERIC_TYPES = {"time", "duration", "distance", "date", "number"}


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def smartdata_scores(path: Path) -> dict[str, Any]:
    """Overlap precision/recall of dates and numbers (years excluded) against SmartData gold."""
    from quellenlage.models import Article
    from quellenlage.nlp import find_dates, find_numbers, segment

    counts: dict[str, int] = dict.fromkeys(
        ("date_pred", "date_tp", "date_gold", "date_found", "number_pred", "number_tp", "number_other_type",
         "number_gold", "number_found"), 0)  # fmt: skip
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            try:
                published: dt.date | None = dt.date.fromisoformat(row["date"][:10])
            except (ValueError, TypeError):
                published = None
            article = Article(id=row["id"], text=row["text"], published=published)
            _, sentences = segment(article)
            found = {
                "date": [(d.span.start, d.span.end) for d in find_dates(article, sentences)],
                "number": [
                    (n.span.start, n.span.end) for n in find_numbers(article, sentences) if n.kind != "year"
                ],
            }
            for kind, mine in found.items():
                gold = [(m["start"], m["end"]) for m in row["mentions"] if m["type"] == kind]
                other = [(m["start"], m["end"]) for m in row["mentions"] if m["type"] in _NUMERIC_TYPES]
                for span in mine:
                    counts[f"{kind}_pred"] += 1
                    if any(_overlaps(span, g) for g in gold):
                        counts[f"{kind}_tp"] += 1
                    elif kind == "number" and any(_overlaps(span, g) for g in other):
                        counts["number_other_type"] += 1
                counts[f"{kind}_gold"] += len(gold)
                counts[f"{kind}_found"] += sum(any(_overlaps(g, span) for span in mine) for g in gold)
    result: dict[str, Any] = {"bench": "read-smartdata", **counts}
    for kind in ("date", "number"):
        result[f"{kind}_precision"] = round(counts[f"{kind}_tp"] / max(1, counts[f"{kind}_pred"]), 3)
        result[f"{kind}_recall"] = round(counts[f"{kind}_found"] / max(1, counts[f"{kind}_gold"]), 3)
    return result


def _articles(path: Path, limit: int):  # type: ignore[no-untyped-def]
    from quellenlage.models import Article

    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for n, line in enumerate(lines):
            if n >= limit:
                return
            row = json.loads(line)
            published = dt.date.fromisoformat(row["date"][:10]) if row.get("date") else None
            yield Article(id=row["id"], text=row["text"], url=row.get("url"), published=published)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--core-only", action="store_true", help="skip entities, quotes, descriptions")
    parser.add_argument("--smartdata", action="store_true", help="score dates and numbers on SmartData gold")
    parser.add_argument("--entities", default="rules", help="entity backend (the 'entities' setting): rules, e5+rules, e5, …")
    args = parser.parse_args()
    if args.smartdata:
        if not SMARTDATA.exists():
            sys.exit(f"error: {SMARTDATA} not found; the evaluation needs ../shared/data")
        print(json.dumps(smartdata_scores(SMARTDATA)))
        return
    if not args.data.exists():
        sys.exit(f"error: {args.data} not found; the benchmark needs ../shared/data")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    from quellenlage.nlp import find_dates, find_numbers, read, segment
    from quellenlage.nlp.descriptions import find_descriptions
    from quellenlage.nlp.entities import find_entities
    from quellenlage.nlp.quotes import find_quotes

    articles = list(_articles(args.data, args.limit))
    warm = articles[0]
    load_started = time.perf_counter()
    if not args.core_only:
        read(warm, entities=args.entities)
    warm_seconds = time.perf_counter() - load_started
    segment(warm)

    stages = {"segment": 0.0, "numbers": 0.0, "dates": 0.0}
    if not args.core_only:
        stages |= {"entities": 0.0, "quotes": 0.0, "descriptions": 0.0}
    tokens = 0
    for article in articles:
        start = time.process_time()
        _, sentences = segment(article)
        stages["segment"] += time.process_time() - start
        tokens += sum(len(s.tokens) for s in sentences)
        timed: list[tuple[str, Callable[..., Any], tuple[Any, ...]]] = [
            ("numbers", find_numbers, (article, sentences)),
            ("dates", find_dates, (article, sentences)),
        ]
        if not args.core_only:
            start = time.process_time()
            entities = find_entities(article, sentences, backend=args.entities)
            stages["entities"] += time.process_time() - start
            timed += [
                ("quotes", find_quotes, (article, sentences, entities)),
                ("descriptions", find_descriptions, (article, sentences, entities)),
            ]
        for name, function, fargs in timed:
            start = time.process_time()
            function(*fargs)
            stages[name] += time.process_time() - start

    core = stages["segment"] + stages["numbers"] + stages["dates"]
    result = {
        "bench": "read",
        "entities": None if args.core_only else args.entities,
        "articles": len(articles),
        "tokens": tokens,
        "core_tokens_per_s": round(tokens / core) if core else None,
        # read() is exactly these stages in sequence, so its rate is tokens over their summed time
        "read_tokens_per_s": None if args.core_only else round(tokens / sum(stages.values())),
        "stage_seconds": {k: round(v, 3) for k, v in stages.items()},
        "first_read_seconds": round(warm_seconds, 2),  # model loading included
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
