"""The benchmark script runs and measures what it says (its figures are printed, not asserted as timings)."""

from __future__ import annotations

from scriptagent import bench


def test_incremental_benchmark_counts_renders(tmp_path):
    rows = bench.bench_incremental(tmp_path, ["none"], lines=8)
    one_per_shot = {r["edit"]: r["renders"] for r in rows if not r["pack_shots"]}
    assert one_per_shot == {"duration +0.7 s": 1, "undo (old script.yaml back)": 0, "new 2 s shot inserted": 1,
                            "every shot renamed": 0, "dialogue line lengthened in production.yaml": 1}
    packed = {r["edit"]: r["renders"] for r in rows if r["pack_shots"]}
    assert packed["undo (old script.yaml back)"] == packed["every shot renamed"] == 0
    assert 1 <= packed["duration +0.7 s"] <= 2 and 1 <= packed["new 2 s shot inserted"] <= 2
    assert all(r["cached"] + r["renders"] <= r["segments"] for r in rows)
    assert "| duration +0.7 s, none | 1 rendered" in bench.table({"incremental": rows})


def test_stitch_benchmark_compares_with_ffmpeg(tmp_path):
    figures = bench.bench_stitch(tmp_path, 3)
    assert figures["segments"] == 3 and figures["stitch_s"] > 0 and figures["ffmpeg_s"] > 0
    assert (tmp_path / "stitch" / "ours.mp4").stat().st_size > 0


def test_director_benchmark_times_the_bare_call_and_the_whole_render(tmp_path):
    """Item 6 on a tiny Wan model on the CPU: both figures measured on the same segment, the render written."""
    import diffusers_tiny
    from test_diffusers_director import production

    from scriptagent.media import probe, read_frames

    model = diffusers_tiny.VIDEO_BUILDERS["wan-i2v"](tmp_path / "wan")
    folder = production(tmp_path / "film", "wan-i2v", model, anchoring="none")
    rows = bench.bench_director(tmp_path / "work", folder, [(32, 32), (48, 32)], repeat=1)

    assert [(r["pipeline"], r["resolution"]) for r in rows] == [("wan-i2v", [32, 32]), ("wan-i2v", [48, 32])]
    for row in rows:
        assert row["device"] == "cpu" and row["peak_kind"] == "process resident memory" and row["peak_gib"] > 0
        assert row["bare_s"] > 0 and row["director_s"] > 0
        measured = 100 * (row["director_s"] - row["bare_s"]) / row["bare_s"]
        assert abs(row["overhead_pct"] - measured) < 1
        assert (row["model_frames"] - 1) % 4 == 0  # Wan takes 4k+1 frames
    # the last render is the production's first segment at the last resolution, every planned frame encoded
    render = tmp_path / "work" / "director" / "render.mp4"
    assert probe(render)[0] == rows[-1]["frames"]
    assert next(iter(read_frames(render))).shape == (32, 48, 3)
    table = bench.table({"director": rows})
    assert table.count("| diffusers director, wan-i2v") == 2 and "≤ 5 %" in table


def test_bench_runs_the_chosen_benchmarks_and_writes_its_table(tmp_path, capsys):
    import json

    import pytest

    assert bench.main(["--quick", "--only", "stitch", "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "bench.json").read_text())
    assert set(results) == {"machine", "stitch"} and results["stitch"]["segments"] == 20
    markdown = (tmp_path / "bench.md").read_text()
    assert "| stitch 20 segments (renders checked, joined, proven, recorded) |" in markdown and "no-op" not in markdown
    assert markdown in capsys.readouterr().out
    with pytest.raises(SystemExit) as refused:
        bench.main(["--only", "director"])
    assert refused.value.code == 2 and "--director DIR" in capsys.readouterr().err

    animatic = bench.make_production(tmp_path / "animatic", bench.production_text(2))
    with pytest.raises(SystemExit) as refused:
        bench.main(["--only", "director", "--director", str(animatic), "--out", str(tmp_path)])
    assert refused.value.code == 2
    assert "production.yaml: director.backend: 'animatic'" in capsys.readouterr().err
