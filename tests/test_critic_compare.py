"""Ablations: variants built side by side, and the comparison table of their metrics."""

from __future__ import annotations

import json

from conftest import SMALL_PRODUCTION, cli, doit, executed, make_production


def test_variants_are_built_and_compared_side_by_side(tmp_path):
    text = SMALL_PRODUCTION.replace("ANCHORING", "chain") + (
        "critic: {metrics: [structure, continuity, dynamic]}\n"
        "variants:\n"
        "  no-anchoring: {director: {anchoring: none}}\n")
    folder = make_production(tmp_path / "p", text=text)
    first = doit(folder)
    assert {"variant:no-anchoring", "compare"} <= set(executed(first.stdout))
    variant = folder / "build" / "variants" / "no-anchoring"
    assert "anchoring: none" in (variant / "production.yaml").read_text()
    # the variant changes only the renders: it films the very same script
    assert (variant / "script.yaml").read_bytes() == (folder / "script.yaml").read_bytes()

    table = json.loads((folder / "build" / "compare.json").read_text())
    assert table["columns"] == ["main", "no-anchoring"]
    rows = {row["name"]: row["values"] for row in table["rows"]}
    # the variant really was rendered without anchoring, the main build with it
    main_plan = json.loads((folder / "build" / "plan.json").read_text())
    variant_plan = json.loads((variant / "build" / "plan.json").read_text())
    assert any(s["anchor"] for s in main_plan["segments"]) and not any(s["anchor"] for s in variant_plan["segments"])
    film = json.loads((variant / "build" / "scores" / "_film.json").read_text())
    assert rows["metric: boundary_continuity"]["no-anchoring"] == film["metrics"]["boundary_continuity"]
    for name in ("metric: boundary_continuity", "metric: consistency", "metric: dynamic_degree",
                 "script rule-based: content_completeness"):
        assert all(isinstance(rows[name][column], float) for column in table["columns"]), name
    markdown = (folder / "build" / "compare.md").read_text()
    assert markdown.splitlines()[0] == "| | main | no-anchoring |"
    assert "| metric: boundary_continuity_within_shots |" in markdown

    again = doit(folder)
    assert "variant:no-anchoring" not in executed(again.stdout) and "compare" not in executed(again.stdout)

    # any two builds, by command: a production folder and a build folder
    result = cli("compare", str(folder), str(variant / "build"), "--out", str(tmp_path / "table"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "| | p | no-anchoring |"
    table = json.loads((tmp_path / "table.json").read_text())
    assert table["columns"] == ["p", "no-anchoring"] and (tmp_path / "table.md").read_text() == result.stdout
    assert [row["values"]["no-anchoring"] for row in table["rows"]] == \
        [row["values"]["no-anchoring"] for row in json.loads((folder / "build" / "compare.json").read_text())["rows"]]
    missing = cli("compare", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert missing.returncode == 2 and "no film scores here" in missing.stderr

    # `doit list` shows the variants and the comparison; `doit clean` removes them with everything else
    listed = doit(folder, "list", "--all").stdout.split()
    assert "variant:no-anchoring" in listed and "compare" in listed
    doit(folder, "clean")
    assert not variant.exists() and not (folder / "build" / "compare.md").exists()
    assert not (folder / "build" / "film.mp4").exists() and (folder / "script.yaml").exists()
    assert executed(doit(folder).stdout).count("variant:no-anchoring") == 1  # and a build makes them again


def test_a_rubric_set_of_its_own_is_compared_by_its_dimensions(tmp_path):
    """A build judged with `rubrics: released` has other dimensions than the paper's: the table shows those."""
    import json

    from scriptagent.critic.compare import column
    from scriptagent.layout import BuildLayout

    build = BuildLayout(tmp_path / "build")
    build.film_score.parent.mkdir(parents=True)
    scores = {"audio_visual_synchronization": {"score": 3.5, "reason": "r"}, "rhythm_coordination": {"score": 4}}
    build.film_score.write_text(json.dumps({"metrics": {}, "rubric": {"scores": scores, "mean": 3.75}}))
    values, _ = column(build)
    assert values["film rubric: audio_visual_synchronization"] == 3.5
    assert values["film rubric: rhythm_coordination"] == 4 and values["film rubric: mean"] == 3.75
