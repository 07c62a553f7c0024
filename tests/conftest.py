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


# Modules that ingest the whole corpus, start servers or browsers, kill ingests or
# fuzz: `pytest -m "not slow"` leaves them out for the inner loop (about 20 s);
# `.ci/run` runs everything.
SLOW_MODULES = {
    "test_browser", "test_browser_map", "test_load", "test_crash_safety", "test_read_while_write",
    "test_bench", "test_fuzz", "test_parallel", "test_ingest_corpus", "test_site", "test_site_links",
    "test_posts", "test_fidelity", "test_search_language", "test_fairness", "test_old_layouts",
}
# single tests of quick modules that read the whole corpus, make 100 MB or wait on purpose
SLOW_TESTS = {
    "test_reingesting_the_corpus_keeps_the_version_count", "test_a_100_mb_line",
    "test_corpus_pages_agree_with_the_archive", "test_a_second_ingest_waits_for_the_first",
}


def pytest_collection_modifyitems(items):
    for item in items:
        if item.module.__name__.rsplit(".", 1)[-1] in SLOW_MODULES or item.originalname in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
