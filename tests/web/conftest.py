"""Fixtures for the web tests: one database with the analysed seed story, shared by all of them."""

from __future__ import annotations

from pathlib import Path

import pytest

TOKEN = "test-token-123"


@pytest.fixture(scope="session")
def web_settings(tmp_path_factory):
    from quellenlage.settings import load_settings

    db = tmp_path_factory.mktemp("web") / "web.db"
    return load_settings(db=str(db), api_token=TOKEN, rate_limit_per_minute=1000)


@pytest.fixture(scope="session")
def seeded(web_settings, seed_paths):
    """The two seed articles analysed once through the service layer; returns the story key."""
    from quellenlage.web import service

    texts = [Path(p).read_text(encoding="utf-8") for p in seed_paths]
    return service.analyse_inputs(web_settings, texts=texts).key


@pytest.fixture(scope="session")
def app(web_settings):
    from quellenlage.web.app import create_app

    return create_app(web_settings)


@pytest.fixture()
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
