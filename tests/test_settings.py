"""Settings: precedence, coercion, and documentation of every setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from quellenlage.errors import ConfigError
from quellenlage.settings import SETTINGS, Settings, load_settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_setting_has_help_text_and_a_field():
    fields = set(Settings.__dataclass_fields__)
    assert fields == set(SETTINGS)
    for name, (_, help_text) in SETTINGS.items():
        assert len(help_text) > 15, name


def test_every_setting_is_documented_in_the_readme():
    readme = README.read_text(encoding="utf-8")
    missing = [name for name in SETTINGS if f"`{name}`" not in readme]
    assert not missing, f"document these settings in README.md: {missing}"


def test_precedence_defaults_file_env_flags(tmp_path, monkeypatch):
    config = tmp_path / "q.toml"
    config.write_text('min_article_chars = 50\nfetch_timeout = 3.5\nstory_window_days = 3\n', encoding="utf-8")
    monkeypatch.setenv("QUELLENLAGE_FETCH_TIMEOUT", "7")
    monkeypatch.setenv("QUELLENLAGE_STORY_WINDOW_DAYS", "4")
    settings = load_settings(config, story_window_days=5)
    assert settings.min_article_chars == 50  # file beats default
    assert settings.fetch_timeout == 7.0  # env beats file
    assert settings.story_window_days == 5  # flag beats env
    assert settings.max_input_bytes == SETTINGS["max_input_bytes"][0]  # default


@pytest.mark.parametrize("value,expected", [("true", True), ("0", False), ("YES", True), ("off", False)])
def test_boolean_settings_from_environment(monkeypatch, value, expected):
    monkeypatch.setenv("QUELLENLAGE_ALLOW_PRIVATE_URLS", value)
    assert load_settings().allow_private_urls is expected


def test_bad_values_name_the_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("QUELLENLAGE_FETCH_TIMEOUT", "soon")
    with pytest.raises(ConfigError, match="fetch_timeout"):
        load_settings()


def test_unknown_setting_in_config_file_is_refused(tmp_path):
    config = tmp_path / "q.toml"
    config.write_text("db_path = 'x'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown setting 'db_path'"):
        load_settings(config)


def test_missing_config_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")
