"""Fixtures shared by all tests."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
EXAMPLES = ROOT / "examples"
SEED_000 = EXAMPLES / "000_05c69a39d1948cd3.txt"
SEED_001 = EXAMPLES / "001_2bd5110ccdca12c3.txt"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip("../shared/data is not present")
    return path


@pytest.fixture(scope="session")
def seed_paths() -> tuple[Path, Path]:
    return SEED_000, SEED_001


@pytest.fixture()
def tmp_settings(tmp_path):
    from quellenlage.settings import load_settings

    return load_settings(db=str(tmp_path / "test.db"))
