"""Schemathesis against the OpenAPI schema: no 500s, and every error has the one error shape."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from quellenlage.settings import load_settings
from quellenlage.web.app import create_app

pytestmark = pytest.mark.slow

_DB = Path(tempfile.mkdtemp(prefix="quellenlage-fuzz-")) / "fuzz.db"
# A token is configured but never sent by the fuzzer: POST /api/analyze must answer 401, not crash.
APP = create_app(load_settings(db=str(_DB), api_token="fuzz-token", rate_limit_per_minute=10_000))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_has_no_server_errors_and_one_error_shape(case):
    response = case.call()
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text[:300]}"
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"}, body
        assert set(body["error"]) == {"status", "code", "message"}
        assert body["error"]["status"] == response.status_code
