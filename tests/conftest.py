"""Shared paths: the real cables live in ../shared beside the checkout, never in the repo."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seeds" / "07CASABLANCA42.page.txt"
CORPUS = SHARED / "corpus"


@pytest.fixture(scope="session")
def shared():
    if not SHARED.is_dir():
        pytest.skip(f"real cables not found at {SHARED} (CI keeps ../shared beside the checkout)")
    return SHARED
