"""Episodes and seasons (issue #20): a series file the episodes inherit, problems located in the file that has
them, edits to the series that rebuild exactly what they change (counted in real renders, as test_incremental.py
counts them), the season's root build and page, and the CI workflow with its restored render cache."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from PIL import Image
from ruamel.yaml import YAML

from conftest import REPO, cached, cli, doit, env, executed

from scriptagent.cache import ArtifactCache
from scriptagent.errors import InputError
from scriptagent.schema import load_production

SERIES = """\
title: Kitchen Stories
seed: 5
style: {look: flat, resolution: [96, 54], fps: 12, slate: false}
cast:
  - id: ana
    name: Ana
    appearance: "long brown hair, yellow raincoat"
    reference: cast/ana.png
  - id: ben
    name: Ben
    appearance: "bald, green sweater"
    reference: cast/ben.png
    voice: en-us+m3
  - id: cleo
    name: Cleo
    appearance: "red curls, denim jacket"
director: {backend: animatic, max_segment_seconds: 10, anchoring: none, pack_shots: false}
critic: {metrics: [structure], judge: none}
"""

EPISODES = {
    "ep1": """\
title: Breakfast
series: ../series.yaml
setting: "a small kitchen in the morning"
dialogue:
  - ana: "You're up early."
  - ben: "Couldn't sleep."
  - cleo: "Nobody slept. The kettle saw to that."
  - ana: "Are you nervous?"
  - ben: "Terrified."
""",
    "ep2": """\
title: Supper
series: ../series.yaml
setting: "the same kitchen at night"
dialogue:
  - ben: "Still up?"
  - ana: "Still nervous."
  - ben: "It went well, you know."
""",
}


def make_season(root: Path, series: str = SERIES, episodes: dict | None = None) -> Path:
    (root / "cast").mkdir(parents=True)
    for name, colour in (("ana", "gold"), ("ben", "seagreen")):
        Image.new("RGB", (32, 32), colour).save(root / "cast" / f"{name}.png")
    (root / "series.yaml").write_text(series)
    shutil.copyfile(REPO / "templates" / "series" / "dodo.py", root / "dodo.py")
    for name, text in (episodes or EPISODES).items():
        (root / name).mkdir()
        (root / name / "production.yaml").write_text(text)
        shutil.copyfile(REPO / "templates" / "production" / "dodo.py", root / name / "dodo.py")
    return root


def errors(folder: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_production(folder)
    return str(caught.value).splitlines()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def by_episode(output: str) -> dict[str, list[str]]:
    """The render tasks that really ran (not placed from the cache) in each episode the season's doit built."""
    found: dict[str, list[str]] = {}
    current = None
    for line in output.splitlines():
        if match := re.match(r"^[.-]-?  ?episode:(\S+)$", line):
            current = match[1]
            found.setdefault(current, [])
        elif (match := re.match(r"^\.  render:(\S+)$", line)) and current:
            found[current].append(match[1])
    return found


def segments_with(episode: Path, cast_id: str) -> set[str]:
    return {path.stem for path in (episode / "build" / "segments").glob("*.json")
            if cast_id in json.loads(path.read_text())["cast"]}


def render_entries(root: Path) -> int:
    return sum(1 for entry in ArtifactCache(root / "build" / "cache").entries() if entry.kind == "render")


# --- the series file ----------------------------------------------------------------------------------------------

def test_an_episode_inherits_the_series_and_overrides_it_key_by_key(tmp_path):
    root = make_season(tmp_path / "season", SERIES + "voice: {backend: espeak, words_per_minute: 170}\n")
    edit(root / "ep1" / "production.yaml", "setting:", """\
seed: 9
style: {fps: 8}
cast:
  - {id: ben, appearance: "bald, orange sweater"}
  - {id: dan, name: Dan, reference: cast/dan.png}
director: {anchoring: keyframe}
voice: {backend: none}
setting:""")
    (root / "ep1" / "cast").mkdir()
    Image.new("RGB", (8, 8), "navy").save(root / "ep1" / "cast" / "dan.png")
    one, two = load_production(root / "ep1"), load_production(root / "ep2")
    assert [(m.id, m.name, m.appearance, m.reference) for m in one.cast] == [
        ("ana", "Ana", "long brown hair, yellow raincoat", "../cast/ana.png"),  # the series' picture, from here
        ("ben", "Ben", "bald, orange sweater", "../cast/ben.png"),  # one key overridden, the rest inherited
        ("cleo", "Cleo", "red curls, denim jacket", None),
        ("dan", "Dan", "", "cast/dan.png")]  # the episode's own member, its picture in its own folder
    assert one.cast[1].voice == "en-us+m3"
    assert (one.seed, one.style.fps, one.style.resolution, one.style.look) == (9, 8, (96, 54), "flat")
    assert (one.director.anchoring.value, one.director.max_segment_seconds, one.director.pack_shots) == \
        ("keyframe", 10, False)  # merged key by key
    assert one.voice.backend == "none" and two.voice.backend == "espeak"  # another backend replaces the mapping
    assert (two.seed, two.title, two.series) == (5, "Supper", "../series.yaml")  # the series' seed is shared
    assert two.cast[0].reference == one.cast[0].reference  # the same picture under the same name in each episode

    # a variant of an episode is a production of its own: the series written in, its pictures copied
    data, pictures = two.standalone()
    assert "series" not in data and pictures == {"_series/cast/ana.png": "../cast/ana.png",
                                                 "_series/cast/ben.png": "../cast/ben.png"}
    assert data["cast"][0]["reference"] == "_series/cast/ana.png"
    variant = two.model_copy(update={"variants": {"keyed": {"director": {"anchoring": "keyframe"}}}}).variant("keyed")
    assert variant.cast[0].reference == "../cast/ana.png" and variant.director.anchoring.value == "keyframe"


def test_problems_are_located_in_the_file_that_has_them(tmp_path):
    root = make_season(tmp_path / "season")
    series, episode = root / "series.yaml", root / "ep1" / "production.yaml"
    edit(series, "style: {look: flat", "style: {lok: flat")
    edit(series, '    appearance: "bald', '    apperance: "bald')
    assert errors(root / "ep1") == [
        "../series.yaml:3:9: style.lok: unknown key 'lok' (did you mean 'look'?)",
        "../series.yaml:11:5: cast[1].apperance: unknown key 'apperance' (did you mean 'appearance'?)"]
    series.write_text(SERIES)

    edit(episode, "setting:",
         'cast:\n  - {id: ana, appearance: 3}\n  - {id: zoe}\ndirector: {anchoring: sideways}\nsetting:')
    assert errors(root / "ep1") == [
        "production.yaml:4:27: cast[0].appearance: Input should be a valid string",
        "production.yaml:5:5: cast[1].name: required field is missing",
        "production.yaml:6:23: director.anchoring: Input should be 'chain', 'none' or 'keyframe'"]
    episode.write_text(EPISODES["ep1"])

    edit(series, "reference: cast/ben.png", "reference: cast/nobody.png")
    assert errors(root / "ep1") == ["../series.yaml:12:16: cast[1].reference: reference image 'cast/nobody.png' not "
                                    "found (put the image there or remove the key)"]
    (root / "cast" / "link.png").symlink_to(REPO / "productions" / "cast" / "mara.png")  # a picture outside it
    edit(series, "cast/nobody.png", "cast/link.png")
    assert "links to outside the series folder" in errors(root / "ep1")[0]
    series.write_text(SERIES)

    for value, message in (("../nothere.yaml", "'../nothere.yaml': file not found"),
                           ("/etc/passwd", "'/etc/passwd' is an absolute path"),
                           ("../cast", "'../cast' is not a .yaml file")):
        edit(episode, "series: ../series.yaml", f"series: {value}")
        assert errors(root / "ep1")[0].startswith(f"production.yaml:2:9: series: {message}")
        episode.write_text(EPISODES["ep1"])
    (tmp_path / "elsewhere.yaml").write_text(SERIES)
    (root / "linked.yaml").symlink_to(tmp_path / "elsewhere.yaml")  # a series file is read where it is, not via links
    edit(episode, "series: ../series.yaml", "series: ../linked.yaml")
    assert "a symlink to outside" in errors(root / "ep1")[0]


# --- what a series edit rebuilds ----------------------------------------------------------------------------------

def test_a_series_edit_re_renders_only_the_shots_it_changed_in_every_episode(tmp_path):
    root = make_season(tmp_path / "season", episodes={**EPISODES, "ep2": EPISODES["ep2"] + '  - cleo: "Me too."\n'})
    built = doit(root).stdout
    assert set(by_episode(built)) == {"ep1", "ep2"} and "season" in executed(built)
    assert executed(doit(root).stdout) == []  # nothing changed: no episode is even asked

    entries = render_entries(root)
    edit(root / "series.yaml", '"red curls, denim jacket"', '"red curls, leather jacket"')
    output = doit(root).stdout
    renders = by_episode(output)
    with_cleo = {name: segments_with(root / name, "cleo") for name in ("ep1", "ep2")}
    assert all(with_cleo.values()) and all(len(shots) < 4 for shots in with_cleo.values())
    assert {name: set(ids) for name, ids in renders.items()} == with_cleo, output  # her shots, in every episode
    assert render_entries(root) - entries == sum(map(len, with_cleo.values()))  # each one a real render

    edit(root / "series.yaml", '"red curls, leather jacket"', '"red curls, denim jacket"')  # undone
    undone = doit(root).stdout
    assert by_episode(undone) == {"ep1": [], "ep2": []} and len(cached(undone)) >= 2
    assert render_entries(root) - entries == sum(map(len, with_cleo.values()))

    edit(root / "ep1" / "production.yaml", '"Terrified."', '"Terrified, honestly."')  # one episode's own edit
    one = doit(root).stdout
    assert len(by_episode(one)["ep1"]) == 1 and re.search(r"^-- episode:ep2$", one, re.M)  # the other: not asked


def test_the_same_shot_in_another_episode_is_the_same_picture(tmp_path):
    """Identity across episodes: the same reference pictures under the same names and the series' seed, so a shot
    that shows the same thing is the same keyframe and render in every episode (placed from the season's cache)."""
    keyframed = SERIES.replace("anchoring: none", "anchoring: keyframe")
    root = make_season(tmp_path / "season", keyframed, {"ep1": EPISODES["ep1"],
                                                        "ep2": EPISODES["ep1"].replace("Breakfast", "Breakfast again")})
    output = doit(root).stdout
    made = [t for t in executed(output) if t.startswith(("render:", "keyframe:"))]
    placed = [t for t in cached(output) if t.startswith(("render:", "keyframe:"))]
    assert made and sorted(placed) == sorted(made)  # episode 2 made nothing: every picture was episode 1's
    for name in ("keyframes", "renders"):
        first, second = (sorted((root / ep / "build" / name).glob("*.png" if name == "keyframes" else "*.mp4"))
                         for ep in ("ep1", "ep2"))
        assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="the espeak-ng program is not installed")
def test_a_new_voice_in_the_series_re_records_only_that_characters_lines(tmp_path):
    root = make_season(tmp_path / "season", SERIES + "voice: {backend: espeak, words_per_minute: 170}\n")
    doit(root)
    edit(root / "series.yaml", "voice: en-us+m3", "voice: en-us+m7")
    output = doit(root).stdout
    spoken = [task for task in executed(output) if task.startswith("speech:")]
    ben_lines = {name: {line["id"] for line in json.loads((root / name / "build" / "plan.json").read_text())["dialogue"]
                        if line["speaker"] == "ben"} for name in ("ep1", "ep2")}
    assert sorted(spoken) == sorted(f"speech:{line}" for lines in ben_lines.values() for line in lines), output
    # the recordings time the lines: a render re-runs only where his new recording moved them, in his shots
    for name, ids in by_episode(output).items():
        assert set(ids) <= segments_with(root / name, "ben")


# --- the season ------------------------------------------------------------------------------------------------

def test_new_series_scaffolds_a_season_that_builds_every_episode_in_parallel(tmp_path):
    result = cli("new-series", "kitchen", "--title", "Kitchen Stories", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    root = tmp_path / "kitchen"
    assert {"series.yaml", "dodo.py", ".gitignore", "cast", "episode-01"} <= {p.name for p in root.iterdir()}
    assert sorted(p.name for p in (root / "cast").iterdir()) == ["ana.png", "ben.png"]
    assert "series: ../series.yaml" in (root / "episode-01" / "production.yaml").read_text()
    edit(root / "series.yaml", "resolution: [640, 360]", "resolution: [96, 54]")  # small frames for the test
    edit(root / "series.yaml", "voice: {backend: espeak", "voice: {backend: none} # {backend: espeak")
    assert cli("new-episode", "episode-02", "--title", "Supper", cwd=root).returncode == 0
    assert cli("new-series", "kitchen", cwd=tmp_path).returncode == 2  # never over an existing folder

    built = doit(root, "-n", "2")
    assert {"episode:episode-01", "episode:episode-02", "season"} <= set(executed(built.stdout))
    page = (root / "build" / "season.html").read_text()
    assert "Kitchen Stories" in page and "Supper" in page and "standalone" not in page  # both are episodes
    links = re.findall(r'href="([^"]+)"', page)
    assert len(links) == 4 and all((root / "build" / link).is_file() for link in links)  # films and reports
    assert executed(doit(root).stdout) == []
    assert "0 will run, 0 may run, 3 up to date" in doit(root, "status").stdout


def test_root_dodo_builds_the_season_of_productions():
    listed = doit(REPO, "list", "--all").stdout
    assert re.search(r"^season\b", listed, re.M) and "production:morning-after" in listed
    demo, episode = load_production(REPO / "productions" / "demo"), load_production(REPO / "productions" /
                                                                                     "morning-after")
    assert demo.series == episode.series == "../series.yaml" and demo.seed == episode.seed
    assert [m.reference for m in demo.cast] == [m.reference for m in episode.cast] == ["../cast/mara.png",
                                                                                     "../cast/theo.png"]
    from scriptagent.season import names_series

    root = REPO / "productions"  # late-shift is built here too, and the season page says it is not an episode
    assert [names_series(root, root / name) for name in ("demo", "morning-after", "late-shift")] == [True, True, False]


# --- CI -----------------------------------------------------------------------------------------------------------

def test_ci_github_writes_a_workflow_with_its_steps(tmp_path):
    (tmp_path / ".git").mkdir()  # a repository, with the season in a folder of it
    make_season(tmp_path / "shows" / "kitchen")
    result = cli("ci", "github", "shows/kitchen", "--package", "scriptagent==0.1.0", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    path = tmp_path / ".github" / "workflows" / "scriptagent.yml"
    text = path.read_text()
    workflow = YAML(typ="safe").load(text)
    job = workflow["jobs"]["build"]
    steps = job["steps"]
    uses = [step.get("uses", "") for step in steps]
    runs = "\n".join(step.get("run", "") for step in steps)
    assert uses[0].startswith("actions/checkout@") and any(u.startswith("actions/setup-python@") for u in uses)
    assert runs.index("pip install torch==2.13.0") < runs.index("pip install 'scriptagent==0.1.0'")
    restore = next(step for step in steps if step.get("uses", "").startswith("actions/cache/restore@"))
    build = next(step for step in steps if "doit" in step.get("run", ""))
    upload = next(step for step in steps if step.get("uses", "").startswith("actions/upload-artifact@"))
    save = next(step for step in steps if step.get("uses", "").startswith("actions/cache/save@"))
    assert steps.index(restore) < steps.index(build) < steps.index(upload) < steps.index(save)
    assert restore["with"]["path"] == save["with"]["path"] == "shows/kitchen/build/cache"
    assert job["env"]["SCRIPTAGENT_CACHE"].endswith("/shows/kitchen/build/cache")
    for pattern in ("production.yaml", "script.yaml", "series.yaml", "cast/**"):
        assert f"'shows/kitchen/**/{pattern}'" in restore["with"]["key"]
    assert build["working-directory"] == "shows/kitchen" and build["run"].startswith("python -m doit")
    shipped = upload["with"]["path"].split()
    assert {"shows/kitchen/**/build/film.mp4", "shows/kitchen/**/build/report.html",
            "shows/kitchen/build/season.html"} <= set(shipped)
    assert "cache-hit != 'true'" in save["if"] and "always()" in save["if"]
    assert "GPU runner" in text and "self-hosted" in text  # the GPU variant, in a comment

    assert cli("ci", "github", "shows/kitchen", "--package", "scriptagent==0.1.0", cwd=tmp_path).returncode == 0
    path.write_text(text + "# mine\n")
    refused = cli("ci", "github", "shows/kitchen", cwd=tmp_path)
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert cli("ci", "github", "shows/kitchen", "--force", cwd=tmp_path).returncode == 0


def test_a_restored_cache_in_a_fresh_clone_renders_nothing(tmp_path):
    root = make_season(tmp_path / "season")
    doit(root)
    entries = render_entries(root)
    assert entries >= 8
    # a fresh clone: the committed files only, every one with a new modification time; then the cache restored
    clone = tmp_path / "clone"
    shutil.copytree(root, clone, ignore=shutil.ignore_patterns("build"), copy_function=shutil.copy)
    shutil.copytree(root / "build" / "cache", clone / "build" / "cache")
    output = doit(clone).stdout
    assert executed(output) and not [t for t in executed(output) if t.startswith(("render:", "keyframe:"))], output
    assert len([t for t in cached(output) if t.startswith("render:")]) == entries
    assert render_entries(clone) == entries
    for name in EPISODES:
        assert (clone / name / "build" / "film.mp4").read_bytes() == (root / name / "build" / "film.mp4").read_bytes()
    assert env().get("SCRIPTAGENT_CACHE") is None  # the season's own cache: build/cache at its root
