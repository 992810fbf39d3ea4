"""Source signals: what rating sets say about an article's outlet and the outlets it names as origin.

Data: ``data/ratings/`` (built by ``scripts/build_ratings.py``; provenance, licences and the trust
analysis in ``data/ratings/PROVENANCE.md``). Three sets, each kept separate and named in every signal:

- Media Bias/Fact Check (MBFC): factual reporting, credibility, bias, country.
- Lin et al. 2023 aggregate domain quality (pc1, 0…1) with the number of rater families that really
  rated the domain. Imputed-only scores (53 % of domains, 249 of 265 German-TLD domains) are never
  reported as a rating.
- EUvsDisinfo: in how many documented pro-Kremlin disinformation cases a domain appears.

An unknown outlet yields an explicit ``*_unrated`` info signal, never silence. For a republished article
the origin's rating is reported first: the content is the origin's, the republisher only passed it on.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from urllib.parse import urlsplit

import tldextract

from quellenlage.models import Article, Signal, Span

__all__ = [
    "EuvsDisinfoRecord",
    "LinRating",
    "MbfcRating",
    "OutletProfile",
    "normalise_domain",
    "outlet_profile",
    "source_signals",
]

# MBFC factual-reporting grade → (severity, German label). Severity follows MBFC's own order:
# LOW/VERY LOW are MBFC's "questionable" grades, MIXED fails fact checks repeatedly.
MBFC_FACTUAL = {
    "VERY LOW": ("high", "sehr niedrig"),
    "LOW": ("high", "niedrig"),
    "MIXED": ("medium", "gemischt"),
    "MOSTLY FACTUAL": ("low", "überwiegend faktentreu"),
    "HIGH": ("info", "hoch"),
    "VERY HIGH": ("info", "sehr hoch"),
}
MBFC_CREDIBILITY = {
    "LOW CREDIBILITY": "niedrig",
    "MEDIUM CREDIBILITY": "mittel",
    "MIXED CREDIBILITY": "gemischt",
    "HIGH CREDIBILITY": "hoch",
}
# Lin pc1 bands. Calibrated on the domains both sets rate with observed Lin scores
# (scripts/build_ratings.py prints them): MBFC factual LOW/VERY LOW → mean pc1 0.241 (n=592),
# HIGH/VERY HIGH → mean 0.818 (n=1,390). Re-run the build script after changing a band.
LIN_BANDS = (
    (0.4, "high", "niedrig"),
    (0.6, "medium", "mäßig"),
    (0.75, "low", "mittel"),
    (1.01, "info", "hoch"),
)
# EUvsDisinfo case counts: one case can be a single quoted article; five or more is a pattern.
EUVS_HIGH_CASES = 5
_SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3}
RATER_NAMES = {
    "afm": "Ad Fontes Media",
    "fc": "Faktencheck-Zählungen",
    "mbfc": "Media Bias/Fact Check",
    "lewandowsky": "Lewandowsky et al.",
    "misinfome": "MisinfoMe",
}

_EXTRACT = tldextract.TLDExtract(suffix_list_urls=())  # bundled public-suffix snapshot, no network


@dataclass(frozen=True, slots=True)
class LinRating:
    pc1: float
    raters: int  # rater families with an observed (not imputed) rating
    rater_families: tuple[str, ...]
    trust: str  # high | medium | low | imputed

    @property
    def note(self) -> str:
        """How far the score can be trusted, as one German sentence for the source page."""
        if self.trust == "imputed":
            return (
                "Der Wert ist von Lin et al. geschätzt (imputiert) und beruht auf keiner einzigen Bewertung; "
                "er wird nicht verwendet."
            )
        names = ", ".join(RATER_NAMES.get(f, f) for f in self.rater_families)
        if self.trust == "low":
            return f"Der Wert beruht auf nur einer Bewertungsquelle ({names}) und ist mit Vorsicht zu lesen."
        return f"Der Wert beruht auf Bewertungen aus {self.raters} Quellen ({names})."


@dataclass(frozen=True, slots=True)
class MbfcRating:
    name: str
    factual: str
    credibility: str
    bias: str
    country: str
    url: str
    pages: int


@dataclass(frozen=True, slots=True)
class EuvsDisinfoRecord:
    cases: int
    first_date: str
    last_date: str
    case_ids: tuple[str, ...]
    outlet_names: tuple[str, ...]

    @property
    def case_urls(self) -> tuple[str, ...]:
        return tuple(f"https://euvsdisinfo.eu/report/{cid}/" for cid in self.case_ids)


@dataclass(frozen=True, slots=True)
class OutletProfile:
    """Everything the rating data says about one outlet, for the web app's source page."""

    query: str
    domain: str  # the key that matched, or the normalised query when nothing matched
    matched_via: str  # host | registrable | alias | none
    lin: LinRating | None = None
    mbfc: MbfcRating | None = None
    euvsdisinfo: EuvsDisinfoRecord | None = None

    @property
    def rated(self) -> bool:
        """True when at least one set holds an observed rating (imputed Lin scores do not count)."""
        return (
            self.mbfc is not None
            and self.mbfc.factual in MBFC_FACTUAL
            or (self.lin is not None and self.lin.trust != "imputed")
        )


def _registrable(host: str) -> str:
    ext = _EXTRACT(host)
    top = getattr(ext, "top_domain_under_public_suffix", None)
    if top is None:  # tldextract < 5.2
        top = f"{ext.domain}.{ext.suffix}" if ext.suffix else ext.domain
    return top or host


def _norm_name(name: str) -> str:
    return re.sub(r"[^a-z0-9äöüß]+", " ", name.lower()).strip()


def normalise_domain(value: str) -> str:
    """``"https://www.Spiegel.de/politik"`` → ``"spiegel.de"``; names are returned lowercased."""
    value = value.strip().lower()
    if "://" in value:
        value = urlsplit(value).hostname or value
    value = value.split("/")[0].split(":")[0].removeprefix("www.")
    return value


@dataclass(frozen=True, slots=True)
class _Tables:
    ratings: dict[str, dict[str, str]]
    aliases: dict[str, str]
    euvs: dict[str, dict[str, str]]


def _read_csv(name: str) -> list[dict[str, str]]:
    text = (resources.files("quellenlage") / "data" / "ratings" / name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    ratings = {row["domain"]: row for row in _read_csv("ratings.csv")}
    aliases = {
        row["name"]: row["domain"] for row in _read_csv("aliases.csv") if not row["name"].endswith("*")
    }
    euvs = {row["domain"]: row for row in _read_csv("euvsdisinfo_outlets.csv")}
    return _Tables(ratings, aliases, euvs)


def _candidates(query: str) -> list[tuple[str, str]]:
    """Keys to try, most specific first: host ("de.rt.com"), registrable domain, MBFC name."""
    tables = _tables()
    host = normalise_domain(query)
    if "." in host and " " not in host:
        keys = [(host, "host")]
        reg = _registrable(host)
        if reg != host:
            keys.append((reg, "registrable"))
        found = [(k, via) for k, via in keys if k in tables.ratings or k in tables.euvs]
        return found or [(reg, "none")]
    alias = tables.aliases.get(_norm_name(query))
    return [(alias, "alias")] if alias else [(host, "none")]


def _evidence(profile: OutletProfile) -> tuple[int, int, int]:
    mbfc = int(profile.mbfc is not None and profile.mbfc.factual in MBFC_FACTUAL)
    lin = profile.lin.raters if profile.lin is not None else 0
    return mbfc, lin, int(profile.euvsdisinfo is not None)


def outlet_profile(domain: str) -> OutletProfile:
    """Look up an outlet by URL, host, registrable domain or a name MBFC uses ("RT DE").

    When both the host ("de.rt.com") and its registrable domain ("rt.com") have rows, the one resting
    on more evidence wins (MBFC and EUvsDisinfo rate brands at the registrable level); ties keep the host.
    """
    profiles = [_profile(domain, key, via) for key, via in _candidates(domain)]
    return max(profiles, key=_evidence)  # max() keeps the first of equal candidates


def _profile(query: str, key: str, via: str) -> OutletProfile:
    tables = _tables()
    row = tables.ratings.get(key, {}) if via != "none" else {}
    lin = mbfc = euvs = None
    if row.get("lin_pc1"):
        families = tuple(f for f in row["lin_rater_families"].split("+") if f)
        lin = LinRating(float(row["lin_pc1"]), int(row["lin_raters"]), families, row["lin_trust"])
    if row.get("mbfc_name"):
        mbfc = MbfcRating(
            name=row["mbfc_name"],
            factual=row["mbfc_factual"],
            credibility=row["mbfc_credibility"],
            bias=row["mbfc_bias"],
            country=row["mbfc_country"],
            url=f"https://mediabiasfactcheck.com/{row['mbfc_slug']}/",
            pages=int(row["mbfc_pages"] or 1),
        )
    erow = tables.euvs.get(key) if via != "none" else None
    if erow:
        euvs = EuvsDisinfoRecord(
            cases=int(erow["cases"]),
            first_date=erow["first_date"],
            last_date=erow["last_date"],
            case_ids=tuple(erow["case_ids"].split()),
            outlet_names=tuple(n for n in erow["outlet_names"].split("; ") if n),
        )
    return OutletProfile(query=query, domain=key, matched_via=via, lin=lin, mbfc=mbfc, euvsdisinfo=euvs)


# ---------------------------------------------------------------------------------------------
# Signals
# ---------------------------------------------------------------------------------------------


def _fmt(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def _lead(name: str, role: str) -> tuple[str, str]:
    """Sentence opening and how to refer to the outlet afterwards."""
    if role == "origin":
        return f"Der Inhalt stammt laut Quellenangabe von {name}; ", "dort"
    return "", f"bei {name}"


def _mbfc_signal(profile: OutletProfile, name: str, role: str, spans: tuple[Span, ...]) -> Signal | None:
    mbfc = profile.mbfc
    if mbfc is None or mbfc.factual not in MBFC_FACTUAL:
        return None
    severity, label = MBFC_FACTUAL[mbfc.factual]
    lead, ref = _lead(name, role)
    cred = MBFC_CREDIBILITY.get(mbfc.credibility)
    tail = f" (Glaubwürdigkeit insgesamt: {cred})" if cred else ""
    text = f"{lead}Media Bias/Fact Check bewertet die Faktentreue {ref} als {label}{tail}."
    kind = f"low_rated_{role}" if severity == "high" else f"{role}_rating"
    data = (
        ("role", role),
        ("outlet", profile.domain),
        ("rating_set", "mbfc"),
        ("factual", mbfc.factual),
        ("credibility", mbfc.credibility),
        ("bias", mbfc.bias),
        ("country", mbfc.country),
        ("mbfc_page", mbfc.name),
        ("url", mbfc.url),
    )
    return Signal(kind, severity, text[0].upper() + text[1:], spans, "source", profile.domain, data)


def _lin_signal(profile: OutletProfile, name: str, role: str, spans: tuple[Span, ...]) -> Signal | None:
    lin = profile.lin
    if lin is None or lin.trust == "imputed":
        return None
    severity, label = next((sev, lab) for bound, sev, lab in LIN_BANDS if lin.pc1 < bound)
    lead = _lead(name, role)[0]
    if lin.trust == "low":
        basis = "der Wert beruht allerdings auf nur einer Bewertungsquelle"
        if _SEVERITY_RANK[severity] > _SEVERITY_RANK["medium"]:
            severity = "medium"  # one rater is not enough for a high-severity verdict
    else:
        basis = f"gestützt auf Bewertungen aus {lin.raters} Quellen"
    subject = "der Quelle" if lead else f"von {name}"
    text = f"{lead}Lin et al. (2023) bewerten die Qualität {subject} mit {_fmt(lin.pc1)} von 1 als {label}, {basis}."
    kind = f"low_rated_{role}" if severity == "high" else f"{role}_rating"
    data = (
        ("role", role),
        ("outlet", profile.domain),
        ("rating_set", "lin2023"),
        ("pc1", f"{lin.pc1:.3f}"),
        ("raters", str(lin.raters)),
        ("rater_families", "+".join(lin.rater_families)),
        ("trust", lin.trust),
    )
    return Signal(kind, severity, text[0].upper() + text[1:], spans, "source", profile.domain, data)


def _euvs_signal(profile: OutletProfile, name: str, role: str, spans: tuple[Span, ...]) -> Signal | None:
    rec = profile.euvsdisinfo
    if rec is None:
        return None
    severity = "high" if rec.cases >= EUVS_HIGH_CASES else "medium"
    lead, _ = _lead(name, role)
    count = f"{rec.cases:,}".replace(",", ".")
    cases = "einem dokumentierten Fall" if rec.cases == 1 else f"{count} dokumentierten Fällen"
    years = (
        f"{rec.first_date[:4]}–{rec.last_date[:4]}"
        if rec.first_date[:4] != rec.last_date[:4]
        else rec.first_date[:4]
    )
    obj = "die Domain" if lead else name
    text = (
        f"{lead}die EU-Datenbank EUvsDisinfo führt {obj} in {cases} pro-kremlnaher Desinformation ({years})."
    )
    data = (
        ("role", role),
        ("outlet", profile.domain),
        ("rating_set", "euvsdisinfo"),
        ("cases", str(rec.cases)),
        ("case_ids", " ".join(rec.case_ids)),
    )
    return Signal(
        f"{role}_euvsdisinfo", severity, text[0].upper() + text[1:], spans, "source", profile.domain, data
    )


def _unrated_signal(profile: OutletProfile, name: str, role: str, spans: tuple[Span, ...]) -> Signal:
    lead, _ = _lead(name, role)
    subject = "für die Quelle" if lead else f"für {name}"
    if profile.lin is not None and profile.lin.trust == "imputed":
        text = (
            f"{lead}{subject} liegt keine beobachtete Bewertung vor; Lin et al. (2023) führen nur einen "
            f"geschätzten Wert, der hier nicht verwendet wird."
        )
    else:
        text = f"{lead}{subject} liegt keine Bewertung von Media Bias/Fact Check oder Lin et al. (2023) vor."
    data = (("role", role), ("outlet", profile.domain), ("matched_via", profile.matched_via))
    return Signal(
        f"{role}_unrated", "info", text[0].upper() + text[1:], spans, "source", profile.domain, data
    )


def _signals_for(query: str, role: str, spans: tuple[Span, ...]) -> list[Signal]:
    profile = outlet_profile(query)
    name = profile.domain if profile.matched_via != "none" else query.strip()
    found = [
        s for s in (_mbfc_signal(profile, name, role, spans), _lin_signal(profile, name, role, spans)) if s
    ]
    if not found:
        found.append(_unrated_signal(profile, name, role, spans))
    euvs = _euvs_signal(profile, name, role, spans)
    return found + ([euvs] if euvs else [])


def source_signals(article: Article) -> tuple[Signal, ...]:
    """Rating signals for each origin outlet (first) and for the publishing outlet."""
    signals: list[Signal] = []
    seen: set[str] = set()
    for origin in article.origins:
        key = outlet_profile(origin.outlet).domain
        if key in seen:
            continue
        seen.add(key)
        spans = (origin.span,) if origin.span is not None else ()
        signals.extend(_signals_for(origin.outlet, "origin", spans))
    outlet = article.outlet or (article.url and normalise_domain(article.url)) or None
    if outlet is None:
        signals.append(
            Signal(
                "outlet_unrated",
                "info",
                "Das veröffentlichende Medium ist nicht bekannt, daher ist keine Quellenbewertung möglich.",
                (),
                "source",
                article.id,
                (("role", "outlet"),),
            )
        )
    elif outlet_profile(outlet).domain not in seen:
        signals.extend(_signals_for(outlet, "outlet", ()))
    return tuple(signals)
