"""Build the compact outlet-rating tables shipped in ``src/quellenlage/data/ratings/``.

Inputs (read-only, never copied): ``../shared/data/credibility`` (Lin et al. 2023, MBFC scrape) and
``../shared/data/disinfo/euvsdisinfo-posts-2015-2021.csv``.

Outputs:
- ``ratings.csv``  one row per domain: Lin pc1 with an observed-rater count and a trust level, and the
  MBFC factual reporting / credibility / bias / country.
- ``aliases.csv``  outlet names → domain, taken from MBFC page names ("RT DE" → rt.com) plus the two
  brand prefixes documented below.
- ``euvsdisinfo_outlets.csv``  per domain: number of EUvsDisinfo cases, first/last date, up to three
  case ids (the euvsdisinfo.eu report slug). No titles or summaries (the dataset states no licence).

Usage::

    .venv/bin/python scripts/build_ratings.py [--shared ../shared/data] [--out src/quellenlage/data/ratings]

It prints the figures quoted in ``PROVENANCE.md``; re-run and update that file after changing a rule.
"""

from __future__ import annotations

import argparse
import csv
import re
import statistics
from collections import defaultdict
from pathlib import Path

import tldextract

ROOT = Path(__file__).resolve().parent.parent
LIN_FAMILIES = {
    # rater family -> columns in lin2023-domain-ratings.csv
    "afm": ("afm", "afm_bias", "afm_min", "afm_rely"),
    "fc": ("fc",),
    "mbfc": ("mbfc", "mbfc_bias", "mbfc_fact", "mbfc_min"),
    "lewandowsky": ("lewandowsky_acc", "lewandowsky_trans", "lewandowsky_rely", "lewandowsky_mean"),
}
# Brand prefixes for EUvsDisinfo outlet names that are not domains ("RT Germany - YouTube").
# MBFC itself files "RT DE" and "RT News" under rt.com and "Sputnik" under sputniknews.com, so the
# brand → domain step rests on the rating data; channels on YouTube/Facebook count for the brand.
BRAND_PREFIXES = (("rt ", "rt.com"), ("sputnik ", "sputniknews.com"))
CHANNEL_SUFFIX = re.compile(
    r"\s*(-\s*(youtube|facebook|twitter|soundcloud|russian|english|german|italian)\b.*|\((old|closed)\))\s*$",
    re.IGNORECASE,
)
DOMAIN_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*\.[a-z]{2,}$", re.IGNORECASE)

_EXTRACT = tldextract.TLDExtract(suffix_list_urls=())  # bundled snapshot, no network


def registrable(host: str) -> str:
    host = host.strip().lower().removeprefix("www.")
    ext = _EXTRACT(host)
    top = getattr(ext, "top_domain_under_public_suffix", None)
    if top is None:  # older tldextract
        top = f"{ext.domain}.{ext.suffix}" if ext.suffix else ext.domain
    return top or host


def norm_name(name: str) -> str:
    return re.sub(r"[^a-z0-9äöüß]+", " ", name.lower()).strip()


def is_observed(value: str) -> bool:
    """Lin et al. impute missing ratings; imputed values are long floats, observed ones short grid values.

    Observed scores sit on each rater's grid (MBFC 0.8333, Lewandowsky 0.75, …, at most 4 decimals);
    imputed ones carry float noise ("0.676875948905945"). Checked on the file: every short value is a
    grid value, e.g. mbfc_fact takes only 11 distinct short values.
    """
    parts = value.split(".")
    return len(parts) == 1 or len(parts[1]) <= 4


def lin_rows(path: Path) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            families = [f for f, cols in LIN_FAMILIES.items() if any(is_observed(row[c]) for c in cols)]
            if row["misinfome_bin"] == "0":  # listed as low quality by MisinfoMe; 1 is the unlisted default
                families.append("misinfome")
            n = len(families)
            trust = "high" if n >= 3 else "medium" if n == 2 else "low" if n == 1 else "imputed"
            out[row["domain"].lower()] = {
                "lin_pc1": f"{float(row['pc1']):.3f}",
                "lin_raters": str(n),
                "lin_rater_families": "+".join(families),
                "lin_trust": trust,
            }
    return out


def _mbfc_match(row: dict[str, str]) -> int:
    stem = row["domain"].split(".")[0].replace("-", "")
    name = norm_name(row["page"]).replace(" ", "")
    return int(bool(stem) and (stem in name or name in stem))


def mbfc_rows(path: Path) -> tuple[dict[str, dict[str, str]], list[tuple[str, str]]]:
    by_domain: dict[str, list[dict[str, str]]] = defaultdict(list)
    aliases: list[tuple[str, str]] = []
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            domain = row["domain"].strip().lower().removeprefix("www.")
            if not domain:
                continue
            by_domain[domain].append(row)
            aliases.append((norm_name(row["page"]), domain))
    out = {}
    for domain, rows in by_domain.items():
        # Several pages can share a domain (Etobicoke Guardian → thestar.com): prefer the page whose
        # name matches the domain, then the most complete row.
        best = max(rows, key=lambda r: (_mbfc_match(r), sum(bool(v) for v in r.values())))
        out[domain] = {
            "mbfc_name": best["page"],
            "mbfc_factual": best["factual_reporting"],
            "mbfc_credibility": best["credibility_rating"],
            "mbfc_bias": best["bias_rating"],
            "mbfc_country": re.sub(r"\s*\(.*\)$", "", best["country"]),
            "mbfc_slug": best["mbfclink"].rstrip("/").rsplit("/", 1)[-1],
            "mbfc_pages": str(len(rows)),
        }
    return out, aliases


def outlet_domain(name: str, alias_map: dict[str, str]) -> str | None:
    name = name.strip()
    if DOMAIN_RE.match(name):
        return registrable(name)
    base = CHANNEL_SUFFIX.sub("", name).strip()
    if norm_name(base) in alias_map:
        return alias_map[norm_name(base)]
    low = base.lower() + " "
    for prefix, domain in BRAND_PREFIXES:
        if low.startswith(prefix):
            return domain
    return None


def euvsdisinfo(path: Path, alias_map: dict[str, str]) -> tuple[dict[str, dict[str, object]], int, int]:
    per: dict[str, dict[str, object]] = {}
    mapped = unmapped = 0
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            slug = row["id"].rstrip("/").rsplit("/", 1)[-1]
            seen: set[str] = set()
            for outlet in row["outlets"].split("+"):
                if not outlet.strip():
                    continue
                domain = outlet_domain(outlet, alias_map)
                if domain is None:
                    unmapped += 1
                    continue
                mapped += 1
                if domain in seen:
                    continue
                seen.add(domain)
                rec = per.setdefault(domain, {"n": 0, "dates": [], "ids": [], "names": set()})
                rec["n"] += 1  # type: ignore[operator]
                rec["dates"].append(row["date"])  # type: ignore[union-attr]
                rec["ids"].append((row["date"], slug))  # type: ignore[union-attr]
                rec["names"].add(outlet.strip())  # type: ignore[union-attr]
    return per, mapped, unmapped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "src" / "quellenlage" / "data" / "ratings")
    args = parser.parse_args()
    cred = args.shared / "credibility"
    lin = lin_rows(cred / "lin2023-domain-ratings.csv")
    mbfc, aliases = mbfc_rows(cred / "mbfc-ratings.csv")
    alias_map: dict[str, str] = {}
    for name, domain in aliases:
        alias_map.setdefault(name, domain)
    args.out.mkdir(parents=True, exist_ok=True)

    fields = [
        "domain",
        "lin_pc1",
        "lin_raters",
        "lin_rater_families",
        "lin_trust",
        "mbfc_name",
        "mbfc_factual",
        "mbfc_credibility",
        "mbfc_bias",
        "mbfc_country",
        "mbfc_slug",
        "mbfc_pages",
    ]
    with (args.out / "ratings.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for domain in sorted(set(lin) | set(mbfc)):
            writer.writerow({"domain": domain, **lin.get(domain, {}), **mbfc.get(domain, {})})
    with (args.out / "aliases.csv").open("w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["name", "domain", "source"])
        for name, domain in sorted(alias_map.items()):
            if name and name.replace(" ", "") != domain.replace(".", "").replace("-", ""):
                writer.writerow([name, domain, "mbfc page name"])
        for prefix, domain in BRAND_PREFIXES:
            writer.writerow([prefix.strip() + " *", domain, "brand prefix (EUvsDisinfo outlet names)"])

    per, mapped, unmapped = euvsdisinfo(
        args.shared / "disinfo" / "euvsdisinfo-posts-2015-2021.csv", alias_map
    )
    with (args.out / "euvsdisinfo_outlets.csv").open("w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["domain", "cases", "first_date", "last_date", "case_ids", "outlet_names"])
        for domain, rec in sorted(per.items(), key=lambda kv: (-kv[1]["n"], kv[0])):  # type: ignore[operator]
            ids = [s for _, s in sorted(rec["ids"], reverse=True)[:3]]  # type: ignore[call-overload]
            names = sorted(rec["names"], key=lambda n: (len(n), n))[:3]  # type: ignore[arg-type]
            writer.writerow(
                [
                    domain,
                    rec["n"],
                    min(rec["dates"]),
                    max(rec["dates"]),  # type: ignore[call-overload]
                    " ".join(ids),
                    "; ".join(names),
                ]
            )

    # Figures for PROVENANCE.md
    trust_counts: dict[str, int] = defaultdict(int)
    for rec in lin.values():
        trust_counts[rec["lin_trust"]] += 1
    print("lin domains", len(lin), dict(trust_counts))
    german = [d for d in lin if d.endswith((".de", ".at", ".ch"))]
    print(
        "lin .de/.at/.ch", len(german), "imputed-only", sum(lin[d]["lin_trust"] == "imputed" for d in german)
    )
    for label, keep in (("imputed", lambda t: t == "imputed"), ("observed", lambda t: t != "imputed")):
        for facts in (("LOW", "VERY LOW"), ("HIGH", "VERY HIGH")):
            vals = [
                float(lin[d]["lin_pc1"])
                for d in mbfc
                if d in lin and keep(lin[d]["lin_trust"]) and mbfc[d]["mbfc_factual"] in facts
            ]
            if vals:
                print(
                    f"lin pc1 ({label}) where MBFC factual in {facts}: n={len(vals)} "
                    f"mean={statistics.mean(vals):.3f} min={min(vals):.3f} max={max(vals):.3f}"
                )
    print("mbfc domains", len(mbfc), "aliases", len(alias_map))
    for label, keep in (("imputed", lambda t: t == "imputed"), ("observed", lambda t: t != "imputed")):
        vals = [
            float(lin[d]["lin_pc1"])
            for d, rec in per.items()
            if d in lin and rec["n"] >= 5 and keep(lin[d]["lin_trust"])
        ]  # type: ignore[operator]
        if vals:
            print(
                f"lin pc1 ({label}) for domains in >=5 EUvsDisinfo cases: n={len(vals)} "
                f"mean={statistics.mean(vals):.3f} min={min(vals):.3f} max={max(vals):.3f}"
            )
    for d in (
        "anti-spiegel.ru",
        "reitschuster.de",
        "journalistenwatch.com",
        "compact-online.de",
        "epochtimes.de",
        "de.rt.com",
        "tagesschau.de",
        "sueddeutsche.de",
        "spiegel.de",
        "zdf.de",
    ):
        if d in lin:
            print(
                "example",
                d,
                lin[d]["lin_pc1"],
                lin[d]["lin_trust"],
                mbfc.get(d, {}).get("mbfc_factual", "-"),
                per.get(d, {}).get("n", 0),
            )
    print("euvsdisinfo outlet mentions mapped", mapped, "unmapped", unmapped, "domains", len(per))


if __name__ == "__main__":
    main()
