"""Source signals from the shipped rating tables (data/ratings, built by scripts/build_ratings.py)."""

from __future__ import annotations

import csv
import re
from importlib import resources

import pytest

from quellenlage.credibility import LinRating, normalise_domain, outlet_profile, source_signals
from quellenlage.models import Article, Origin, OriginKind, Span

SEVERITIES = {"info", "low", "medium", "high"}


def _article(outlet: str | None = None, origins: tuple[Origin, ...] = (), url: str | None = None) -> Article:
    return Article(
        id="t1",
        text="Ein Text. Quellen: PublicDomain/naturalnews.com am 07.02.2026",
        outlet=outlet,
        url=url,
        origins=origins,
    )


def _assert_well_formed(signal) -> None:
    assert signal.severity in SEVERITIES
    assert signal.level == "source"
    assert signal.explanation.endswith(".") and signal.explanation[0].isupper()
    body = signal.explanation.replace("et al.", "et al")
    assert not re.search(r"[.!?] [A-ZÄÖÜ]", body), signal.explanation  # one sentence
    assert signal.data, "a source signal must carry the record it rests on"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://www.Spiegel.de/politik/a-1.html", "spiegel.de"),
        ("WWW.ZEIT.DE", "zeit.de"),
        ("naturalnews.com:443/path", "naturalnews.com"),
        ("OZD", "ozd"),
    ],
)
def test_normalise_domain_strips_scheme_www_path_and_case(raw: str, expected: str) -> None:
    assert normalise_domain(raw) == expected


def test_origin_naturalnews_is_low_in_both_rating_sets_and_named_as_origin() -> None:
    span = Span("t1", 19, 46)
    article = _article(origins=(Origin(OriginKind.REPUBLISHED, "naturalnews.com", span=span),))
    signals = [s for s in source_signals(article) if s.target == "naturalnews.com"]
    sets = {dict(s.data)["rating_set"]: s for s in signals}
    assert set(sets) == {"mbfc", "lin2023"}
    for signal in sets.values():
        _assert_well_formed(signal)
        assert signal.kind == "low_rated_origin"
        assert signal.severity == "high"
        assert signal.spans == (span,)
        assert signal.explanation.startswith("Der Inhalt stammt laut Quellenangabe von naturalnews.com;")
    assert "sehr niedrig" in sets["mbfc"].explanation
    assert dict(sets["mbfc"].data)["factual"] == "VERY LOW"
    assert float(dict(sets["lin2023"].data)["pc1"]) < 0.1


def test_origin_signals_come_before_the_republishers_own() -> None:
    article = _article(
        outlet="example-republisher.de", origins=(Origin(OriginKind.REPUBLISHED, "naturalnews.com"),)
    )
    roles = [dict(s.data)["role"] for s in source_signals(article)]
    assert roles[0] == "origin" and roles[-1] == "outlet"
    assert roles == sorted(roles, key=lambda r: r != "origin")


@pytest.mark.parametrize("outlet", ["spiegel.de", "https://www.zdf.de/nachrichten", "faz.net"])
def test_mbfc_high_outlet_gets_info_signal_with_high_factual_rating(outlet: str) -> None:
    signals = source_signals(_article(outlet=outlet))
    mbfc = [s for s in signals if dict(s.data).get("rating_set") == "mbfc"]
    assert len(mbfc) == 1
    _assert_well_formed(mbfc[0])
    assert mbfc[0].kind == "outlet_rating" and mbfc[0].severity == "info"
    assert dict(mbfc[0].data)["factual"] in {"HIGH", "VERY HIGH"}
    assert "als hoch" in mbfc[0].explanation


@pytest.mark.parametrize("outlet", ["ozd", "unbekannte-zeitung-xyz.de", "Lokalblatt Nordheide"])
def test_unknown_outlet_gets_explicit_unrated_signal(outlet: str) -> None:
    signals = source_signals(_article(outlet=outlet))
    assert [s.kind for s in signals] == ["outlet_unrated"]
    _assert_well_formed(signals[0])
    assert signals[0].severity == "info"
    assert "keine Bewertung" in signals[0].explanation


def test_missing_outlet_is_said_not_skipped() -> None:
    signals = source_signals(_article())
    assert [s.kind for s in signals] == ["outlet_unrated"]
    assert "nicht bekannt" in signals[0].explanation


@pytest.mark.parametrize("domain", ["tagesschau.de", "compact-online.de", "anti-spiegel.ru"])
def test_imputed_lin_scores_are_not_reported_as_ratings(domain: str) -> None:
    profile = outlet_profile(domain)
    assert profile.lin is not None and profile.lin.trust == "imputed" and profile.lin.raters == 0
    assert not profile.rated
    signals = source_signals(_article(outlet=domain))
    assert [s.kind for s in signals] == ["outlet_unrated"]
    assert "geschätzten Wert" in signals[0].explanation


def test_bare_name_maps_to_domain_only_through_rating_data() -> None:
    profile = outlet_profile("RT DE")  # MBFC page name filed under rt.com
    assert (profile.domain, profile.matched_via) == ("rt.com", "alias")
    assert profile.mbfc is not None and profile.mbfc.factual == "VERY LOW"
    assert outlet_profile("Völlig Unbekannter Kanal").matched_via == "none"


def test_subdomain_falls_back_to_the_better_rated_registrable_domain() -> None:
    profile = outlet_profile("https://de.rt.com/europa/123")
    assert profile.domain == "rt.com"
    assert profile.euvsdisinfo is not None and profile.euvsdisinfo.cases >= 5


def test_euvsdisinfo_signal_carries_case_ids() -> None:
    signals = source_signals(_article(outlet="rt.com"))
    euvs = [s for s in signals if s.kind == "outlet_euvsdisinfo"]
    assert len(euvs) == 1
    _assert_well_formed(euvs[0])
    assert euvs[0].severity == "high"
    assert dict(euvs[0].data)["case_ids"]
    assert all(
        u.startswith("https://euvsdisinfo.eu/report/") for u in outlet_profile("rt.com").euvsdisinfo.case_urls
    )


def test_single_rater_lin_score_is_capped_and_says_so() -> None:
    rows = csv.DictReader(
        (resources.files("quellenlage") / "data/ratings/ratings.csv").open(encoding="utf-8")
    )
    low_trust = next(
        r["domain"]
        for r in rows
        if r["lin_trust"] == "low" and not r["mbfc_name"] and r["lin_pc1"] and float(r["lin_pc1"]) < 0.4
    )
    signals = [
        s for s in source_signals(_article(outlet=low_trust)) if dict(s.data).get("rating_set") == "lin2023"
    ]
    assert signals and signals[0].severity == "medium"
    assert "nur einer Bewertungsquelle" in signals[0].explanation


def test_profile_is_frozen_and_carries_provenance() -> None:
    profile = outlet_profile("naturalnews.com")
    assert profile.mbfc is not None and profile.mbfc.url.startswith("https://mediabiasfactcheck.com/")
    assert profile.lin is not None and profile.lin.trust == "high" and "mbfc" in profile.lin.rater_families
    with pytest.raises(AttributeError):
        profile.domain = "x"  # type: ignore[misc]


def test_shipped_tables_match_a_rebuild_from_shared_data(shared_data, tmp_path) -> None:
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    subprocess.run(
        [
            sys.executable,
            str(root / "scripts" / "build_ratings.py"),
            "--shared",
            str(shared_data),
            "--out",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    shipped = resources.files("quellenlage") / "data" / "ratings"
    for name in ("ratings.csv", "aliases.csv", "euvsdisinfo_outlets.csv"):
        assert (tmp_path / name).read_text(encoding="utf-8") == (shipped / name).read_text(
            encoding="utf-8"
        ), name


def _first_domain_with(factual: str) -> str:
    text = (resources.files("quellenlage") / "data/ratings/ratings.csv").read_text(encoding="utf-8")
    for row in csv.DictReader(text.splitlines()):
        if row["mbfc_factual"] == factual and row["lin_trust"] in {"", "imputed"}:
            return row["domain"]
    raise AssertionError(f"no MBFC-only domain rated {factual}")


@pytest.mark.parametrize(
    ("factual", "severity", "label"),
    [
        ("VERY LOW", "high", "sehr niedrig"),
        ("LOW", "high", "niedrig"),
        ("MIXED", "medium", "gemischt"),
        ("MOSTLY FACTUAL", "low", "überwiegend faktentreu"),
        ("HIGH", "info", "hoch"),
        ("VERY HIGH", "info", "sehr hoch"),
    ],
)
def test_every_mbfc_grade_maps_to_a_severity_and_a_german_label(
    factual: str, severity: str, label: str
) -> None:
    domain = _first_domain_with(factual)
    (signal,) = [
        s for s in source_signals(_article(outlet=domain)) if dict(s.data).get("rating_set") == "mbfc"
    ]
    _assert_well_formed(signal)
    assert signal.severity == severity
    assert signal.explanation.endswith(f"als {label}.") or f"als {label} (" in signal.explanation


@pytest.mark.parametrize(
    ("rating", "phrase"),
    [
        (LinRating(0.0, 4, ("afm", "mbfc", "lewandowsky", "misinfome"), "high"), "Bewertungen aus 4 Quellen"),
        (LinRating(0.33, 1, ("misinfome",), "low"), "nur einer Bewertungsquelle (MisinfoMe)"),
        (LinRating(0.706, 0, (), "imputed"), "imputiert"),
    ],
)
def test_lin_trust_note_says_how_far_the_score_can_be_trusted(rating: LinRating, phrase: str) -> None:
    assert phrase in rating.note and rating.note.endswith(".")


def test_profile_lin_note_for_imputed_german_outlet() -> None:
    lin = outlet_profile("tagesschau.de").lin
    assert lin is not None and "nicht verwendet" in lin.note
