"""One table of settings: defaults and help text, loaded into a frozen dataclass.

Precedence: defaults < config file (TOML) < ``QUELLENLAGE_*`` environment < CLI flags.
The config file is ``$QUELLENLAGE_CONFIG`` or ``./quellenlage.toml`` when present.
``tests/test_settings.py`` fails when a setting has no help text or is missing from the README.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError


def _default_db() -> str:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(base) / "quellenlage" / "quellenlage.db")


# name: (default, help). Types are taken from the default.
SETTINGS: dict[str, tuple[Any, str]] = {
    "db": (
        _default_db(),
        "SQLite database file (a PostgreSQL store is not implemented yet; postgresql:// URLs are refused).",
    ),
    "max_input_bytes": (
        20_000_000,
        "Largest file or HTTP body ingested, in bytes; larger inputs are refused.",
    ),
    "min_article_chars": (200, "Texts shorter than this are skipped as too-short."),
    "fetch_timeout": (15.0, "Seconds allowed for one HTTP fetch (connect + read)."),
    "fetch_max_redirects": (5, "Redirects followed per fetch; every hop is checked by the SSRF guard."),
    "user_agent": (
        "quellenlage/0.1 (+https://example.invalid/quellenlage)",
        "User-Agent sent when fetching.",
    ),
    "allow_private_urls": (False, "Allow fetching private/loopback addresses. Only for tests on loopback."),
    "api_token": (
        "",
        "Token required by the web API for anything that writes or fetches; empty = read-only.",
    ),
    "rate_limit_per_minute": (10, "Analyse requests per client and minute accepted by the web app."),
    "max_request_bytes": (5_000_000, "Largest request body the web app accepts."),
    "story_window_days": (7, "Articles further apart than this are not put into one story."),
    # Default "rules", measured 2026-11-23 (model of commit b02dc14): through the subjective_report
    # signal on CheckThat! 2025 German dev the model is the better sentence classifier (SUBJ P/R/F1
    # 0.76/0.39/0.52 vs rules 1.00/0.03/0.06), but it costs one e5 pass per report sentence (signals
    # stage of a 50-article story 0.6 -> 36 CPU s, the whole analysis +550 %) and on news text it
    # fires on 73 % of real-labelled FANG-COVID articles (rules: 8 %). A retrained model changes all
    # three figures: re-measure cost and firing rate on news before changing the default.
    "subjectivity": (
        "rules",
        (
            "How the 'subjective_report' signal judges report sentences: 'rules' (evaluative words and "
            "stance adverbs) or 'model' (the trained sentence-subjectivity model, one e5 pass per sentence)."
        ),
    ),
    # Default "e5+rules" since 2026-12-02 (session 4): held-out exact-span F1 far above the rules
    # (`quellenlage eval ner --backend e5+rules|rules`, figures in the README); the reading layer
    # then runs at about 1.9k instead of 17.8k tokens/s (one e5 pass per sentence), so bulk jobs
    # that need speed over entity quality can set QUELLENLAGE_ENTITIES=rules.
    "entities": (
        "e5+rules",
        (
            "Entity recogniser of the reading layer: 'rules' (capitalisation, lexicons, gazetteer), "
            "'e5+rules' (the fine-tuned e5 NER model merged with the rules), 'e5' (the model alone), "
            "'e5s+rules'/'e5s' (the same with the small 6-layer model: 1.7x faster, 1-2 F1 points lower), "
            "'model'/'combined' (the older spaCy CNN alone / with the rules)."
        ),
    ),
}
# Settings that take one of a few words; any other value is refused with the list.
CHOICES: dict[str, tuple[str, ...]] = {
    "subjectivity": ("model", "rules"),
    "entities": ("e5+rules", "rules", "e5", "e5s+rules", "e5s", "model", "combined"),
}


@dataclass(frozen=True)
class Settings:
    db: str
    max_input_bytes: int
    min_article_chars: int
    fetch_timeout: float
    fetch_max_redirects: int
    user_agent: str
    allow_private_urls: bool
    api_token: str
    rate_limit_per_minute: int
    max_request_bytes: int
    story_window_days: int
    subjectivity: str
    entities: str

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def _coerce(name: str, value: Any) -> Any:
    default = SETTINGS[name][0]
    if name in CHOICES:
        text = str(value).strip().lower()
        if text not in CHOICES[name]:
            raise ConfigError(f"setting '{name}' must be one of {', '.join(CHOICES[name])}, got {value!r}")
        return text
    try:
        if isinstance(default, bool):
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(text)
        return type(default)(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"setting '{name}' expects a {type(default).__name__}, got {value!r}; "
            f"see 'quellenlage settings' for the list"
        ) from None


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    values: dict[str, Any] = {name: default for name, (default, _) in SETTINGS.items()}
    path = (
        Path(config_file) if config_file else Path(os.environ.get("QUELLENLAGE_CONFIG", "quellenlage.toml"))
    )
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config file {path}: {exc}") from None
        for name, value in data.items():
            if name not in SETTINGS:
                raise ConfigError(f"unknown setting '{name}' in {path}; known: {', '.join(SETTINGS)}")
            values[name] = _coerce(name, value)
    elif config_file:
        raise ConfigError(f"config file {path} does not exist")
    for name in SETTINGS:
        env = os.environ.get(f"QUELLENLAGE_{name.upper()}")
        if env is not None:
            values[name] = _coerce(name, env)
    for name, value in overrides.items():
        if value is None:
            continue
        if name not in SETTINGS:
            raise ConfigError(f"unknown setting '{name}'")
        values[name] = _coerce(name, value)
    return Settings(**values)
