"""The benchmark runs at a small scale, so it cannot rot.

Only that every stage ran and reported its figures is checked: performance is
measured by `python bench/run.py`, never asserted by a test.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_small_scale_reports_every_stage(shared, tmp_path):
    out = tmp_path / "bench"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--cables", "1500", "--files", "200",
         "--runs", "2", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((out / "latest.json").read_text())

    assert results["corpus"]["cables"] == 1500
    assert results["corpus"]["text_bytes"] > 0
    for stage in ("read", "floor", "parse", "ingest_csv", "ingest_files", "datasette"):
        assert stage in results, stage
    assert results["read"]["records"] == 1500
    assert results["floor"]["lines"] > 0
    assert results["parse"]["cables"] + results["parse"]["no_id_or_failed"] == 1500
    assert set(results["ratios"]) >= {"parse_cpu_over_floor_cpu", "parse_wall_over_floor_wall"}

    ingest = results["ingest_csv"]
    assert ingest["counts"]["cables"] > 1400  # a few templates may lack an id
    for stage in ("read", "parse_wait", "write", "derived_tables", "fts", "parse_cpu", "total"):
        assert stage in ingest["stages"], stage
    assert ingest["peak_pss_bytes"] > 0 and ingest["archive_bytes"] > 0
    # the ingest against the classification floor of the same run (issue 17)
    assert results["ratios"]["ingest_csv_wall_over_classify_floor"] > 0
    assert results["ratios"]["ingest_csv_cpu_over_classify_floor"] > 0
    assert "parse_cpu_over_classify_floor_cpu" in results["ratios"]
    assert ingest["stages"]["fts_per_chunk"] is True  # a new archive: full text filled per chunk
    assert "ingest cables.csv / classification floor" in results["table"]
    assert results["ingest_files"]["counts"]["cables"] > 150

    queries = results["datasette"]["queries"]
    assert len(queries) >= 4
    for name, query in queries.items():
        assert query["status"] == [200], (name, query)
        assert query["median_ms"] > 0
    assert "parse / floor" in results["table"]
    machine = results["machine"]
    assert machine["speed_probe_s_at_start"] > 0 and machine["speed_probe_s_at_end"] > 0


def test_bench_one_job_times_the_floor_beside_each_batch(shared, tmp_path):
    """With one job the classification floor is timed over each batch's own texts just
    before the batch is parsed, and the parse is reported against that floor too."""
    out = tmp_path / "bench"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--cables", "300", "--files", "0", "--jobs", "1",
         "--out", str(out), "--skip", "read", "--skip", "ingest", "--skip", "files", "--skip", "datasette"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((out / "latest.json").read_text())
    parse = results["parse"]
    assert parse["jobs"] == 1
    assert parse["cables"] + parse["no_id_or_failed"] == 300
    assert parse["paired_floor_cpu_s"] > 0
    assert results["ratios"]["parse_cpu_over_paired_floor_cpu"] == parse["parse_cpu_s"] / parse["paired_floor_cpu_s"]
    assert "parse / floor of the same batches" in results["table"]
