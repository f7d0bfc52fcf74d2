"""The benchmark script runs and measures what it says (its figures are printed, not asserted as timings)."""

from __future__ import annotations

from scriptagent import bench


def test_incremental_benchmark_counts_renders(tmp_path):
    rows = bench.bench_incremental(tmp_path, ["none"])
    assert [(r["edit"], r["renders"]) for r in rows] == [("words", 1), ("picture", 1)]
    assert all(r["shots"] >= 24 and r["segments"] >= r["shots"] for r in rows)


def test_stitch_benchmark_compares_with_ffmpeg(tmp_path):
    figures = bench.bench_stitch(tmp_path, 3)
    assert figures["segments"] == 3 and figures["stitch_s"] > 0 and figures["ffmpeg_s"] > 0
    assert (tmp_path / "stitch" / "ours.mp4").stat().st_size > 0
