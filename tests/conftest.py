"""Shared paths: the real cables live in ../shared beside the checkout, never in the repo."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seeds" / "07CASABLANCA42.page.txt"
CORPUS = SHARED / "corpus"


@pytest.fixture(scope="session")
def shared():
    """../shared, or a failure that says where the real cables were looked for."""
    if not CORPUS.is_dir():
        pytest.fail(f"real cables not found at {SHARED}: the tests read ../shared beside the checkout")
    return SHARED


@pytest.fixture(scope="session")
def corpus_archive(shared, tmp_path_factory):
    """All of ../shared/corpus and the seed ingested once through the CLI: (db path, CLI output)."""
    from click.testing import CliRunner

    from cableparse.cli import cli

    path = tmp_path_factory.mktemp("corpus") / "archive.db"
    result = CliRunner().invoke(cli, ["ingest", str(CORPUS), str(SEED), "--db", str(path)])
    assert result.exit_code == 0, result.output
    return path, result.output
