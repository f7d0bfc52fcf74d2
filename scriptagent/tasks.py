"""The doit task graph of one production, readable in one place.

    production.yaml ─> script ─> script.yaml ─> plan ─> build/segments/<seg>.json ─┐
    cast/*.png ────────────────────────────────────────────> render:<seg> ─> build/renders/<seg>.mp4
                         (chain) build/frames/<previous>.last.png ──┘            │  + first/last frame PNGs
      (keyframe) build/keyframes/<seg>.json ─> keyframe:<seg> ─> <seg>.png ──┘      │
                                                                 score:<seg> ─> build/scores/<seg>.json
                                                       stitch ─> build/film.mp4 + film.srt ─> report

Each task depends on exactly the files holding what it reads, so editing one shot changes one segment file and
doit re-runs only that render and what consumes it. Tasks whose list depends on the script (render, score,
stitch, report) are created after `plan` has run (doit's `create_after`).

A production's dodo.py is two lines:

    from scriptagent.tasks import production_tasks
    globals().update(production_tasks(__file__))
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from doit import create_after
from doit.task import clean_targets
from doit.tools import config_changed

from .actions import (Action, keyframe_cached, make_comparison, make_keyframe, make_plan, make_script, make_speech,
                      make_variant, render_cached, render_segment, render_targets, score_film, score_render,
                      score_script, speech_cached, stitch_film, wants_model_sound, write_report)
from .doit_state import command_config, repair_build, state_backend
from .doit_workers import workers_die_with_doit
from .errors import ScriptAgentError, debug_enabled
from .files import prepare_build
from .integrity import forget_record, intact, record_path
from .layout import BUILD_DIR, SCRIPT_FILE, BuildLayout
from .plan import Segment, cast_references, film_segments, planned_ids
from .reporter import BuildReporter
from .schema import Production, load_production, load_script
from .voice import active_voice

BUILD = BuildLayout()  # relative: doit runs in the production folder
DOIT_COMMANDS = {"run", "list", "clean", "info", "forget", "ignore", "dumpdb", "strace", "help", "reset-dep",
                 "auto", "tabcompletion", "status"}  # status: scriptagent/status.py, a doit plugin
READ_ONLY_COMMANDS = {"list", "info", "dumpdb", "help", "tabcompletion", "status"}  # run without the build lock


def heavy(task: str, action, args: list, executor: dict | None):
    """The doit action of a render, keyframe, score or line: `action(*args)` here, or the same action as a Ray
    task (executor: ray) or on the warm worker (executor: warm), writing the same files (see executor.py)."""
    if executor is None:
        return (Action(action), args)
    from .executor import run_on_ray

    return (Action(run_on_ray), [executor, task, action.__name__, args])


def renderer_version(production: Production) -> str:
    from .director import renderer_class

    return renderer_class(production.director.backend).version


def current_speech_lines(production: Production) -> list:
    """The script's lines to speak; none while script.yaml is missing or invalid (the plan reports why)."""
    from .voice import speech_lines

    try:
        return speech_lines(production, load_script(".")[0]) if Path(SCRIPT_FILE).exists() else []
    except ScriptAgentError:
        return []


def planned_dialogue() -> list[dict]:
    try:
        return json.loads(BUILD.plan.read_text(encoding="utf-8"))["dialogue"]
    except (OSError, ValueError, KeyError, TypeError):  # no plan yet, or a damaged one (repair_build)
        return []


def current_segments(production: Production) -> list[Segment]:
    """Segments from the last plan; before any build (or with a damaged plan), planned in memory so `doit list`
    shows every task."""
    try:
        return film_segments(BUILD, planned_ids(BUILD))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    if Path(SCRIPT_FILE).exists():
        from .director import plan_segments
        try:
            return plan_segments(production, load_script(".")[0])
        except ScriptAgentError:
            return []  # the plan task reports the problem when it runs
    return []


def production_tasks(dodo_file: str, command: str | None = None) -> dict:
    """The tasks of the production beside `dodo_file`, as module globals for doit.

    `command` is the doit command being run (run, list, clean, ...); by default read from the command line.
    """
    if command is None:
        from .doit_command import production_command
        command = production_command(dodo_file)  # as doit reads its command line (`doit -f DIR/dodo.py clean`)
    try:
        production = load_production(Path(dodo_file).parent)
        voice = active_voice(production)  # None: a silent film (also espeak missing, with `if_missing: silent`)
        if command not in READ_ONLY_COMMANDS:  # one build at a time; clear what a killed build left
            prepare_build(Path(dodo_file).parent, BUILD_DIR)
        # a damaged state or plan is repaired (doit_state.py); damaged renders, frames and scores by `uptodate`
        state, plan_damaged = repair_build(BUILD, command, command in READ_ONLY_COMMANDS)
    except ScriptAgentError as error:
        if debug_enabled():
            raise
        print(error, file=sys.stderr)
        raise SystemExit(2) from None
    announce = command == "run"  # say what is repaired while building (not in `doit status`)
    try:
        from .executor import chosen_kind
        kind = chosen_kind(production.executor.kind)  # ray or warm: heavy tasks go through executor.run_on_ray
        on_ray = dict(production.executor.model_dump(mode="json"), kind=kind) if kind in ("ray", "warm") else None
    except ScriptAgentError as error:
        print(error, file=sys.stderr)
        raise SystemExit(2) from None

    from .scripter import source_digest

    script_source = source_digest(production)  # what script.yaml is made from

    def task_script():
        """write script.yaml from the dialogue (kept as it is once you edit it)"""
        return {
            "actions": [Action(make_script)],
            "targets": [SCRIPT_FILE],
            # only what the script is made from: editing style or director settings never re-writes it
            "uptodate": [config_changed(script_source)],
            "verbosity": 1,
        }

    def task_plan():
        """validate script.yaml and split it into render segments"""
        recordings = []
        if voice:  # one task per spoken line, depending only on its text and voice; the plan reads their lengths
            yield {"basename": "speech", "name": None, "doc": "speak every line of the script (build/speech/)"}
            for line in current_speech_lines(production):
                payload = {"text": line.text, "voice": line.voice, "config": voice}
                recordings.append(str(BUILD.line(line.id)))
                yield {
                    "basename": "speech", "name": line.id,
                    "doc": "speak one line of the script with its character's voice",
                    "actions": [heavy(f"speech:{line.id}", make_speech, [line.id, payload], on_ray)],
                    "meta": {"cache_probe": (speech_cached, [payload])},
                    "targets": [recordings[-1]],
                    "uptodate": [config_changed(payload)],
                    "clean": True,
                    "verbosity": 1,
                }
        yield {
            "basename": "plan",
            "actions": [Action(make_plan)],
            "file_dep": production.sources + [SCRIPT_FILE] + recordings,  # production.yaml and its series
            "targets": [str(BUILD.plan), str(BUILD.findings)],
            # a plan file missing or unreadable: planned again (repair_build); a renderer that now draws differently
            # (its version, in every segment file) is planned again, and so renders again
            "uptodate": [not plan_damaged, config_changed({"renderer": renderer_version(production)})],
            "clean": [(shutil.rmtree, [BUILD.segments, True]), (shutil.rmtree, [BUILD.keyframes, True]),
                      (_remove, [BUILD.plan, BUILD.findings])],
            "verbosity": 1,
        }

    def task_film():
        segments = current_segments(production)
        # Each group exists even when empty (no keyframes in chain mode): for a name it cannot find, doit's
        # parallel runner (`doit -n`) runs this creator a second time, and the two copies' targets collide.
        for group, doc in (("keyframe", "make every keyframe (keyframe anchoring)"), ("render", "render every segment"),
                           ("score", "score every segment, the film and the script")):
            yield {"basename": group, "name": None, "doc": doc}
        # keyframes come first: doit runs tasks in this order, so a GPU holds one model at a time
        yield from keyframe_tasks(segments, on_ray, announce)
        yield from render_tasks(segments, production, on_ray, announce)
        yield from segment_score_tasks(segments, production, on_ray, announce)
        if segments:
            yield from film_tasks(segments, production, voice, announce)
            yield from variant_tasks(production)

    if command == "run" and voice:
        # The speech tasks come from script.yaml and the plan reads their recordings: both are created once the
        # script task has run.
        task_plan = create_after(executed="script", creates=["speech", "plan"])(task_plan)
    if command == "run":
        workers_die_with_doit()  # `doit -n N`: a killed doit takes its workers with it
        # Building: these tasks are created once `plan` has run, from the plan it wrote. One creator makes them
        # all, so doit knows them all at once, which its parallel runner needs (`doit -n`).
        task_film = create_after(executed="plan",
                                 creates=["keyframe", "render", "score", "stitch", "report"]
                                 # a name listed here but never created would run the creator again
                                 + (["variant", "compare"] if production.variants else []))(task_film)
    # Other commands (list, clean, info, forget) create them now from the last plan, so that `doit list`
    # shows every render and `doit clean` removes every artifact.

    return {
        "DOIT_CONFIG": {
            "dep_file": state,  # build/.doit.db (a fresh temporary one for `doit status` while it is damaged)
            # sqlite3, committed after every finished task: a killed build never corrupts the state and keeps
            # every task it finished (doit_state.py)
            "backend": state_backend(),
            "reporter": BuildReporter,  # `.  render:sh04 (cached)` and a closing line of what ran
            **command_config(command, Path(dodo_file).parent, task_script, task_plan, task_film),  # run, forget
        },
        "task_script": task_script,
        "task_plan": task_plan,
        "task_film": task_film,
    }


# --- the tasks made from the plan (created once `plan` has run; see production_tasks) -------------------------

def keyframe_tasks(segments: list[Segment], on_ray: dict | None, announce: bool = False):
    """keyframe:<id>: the pictures segments start and end on (keyframe anchoring; none in chain mode)."""
    from .director import plan_keyframes

    for keyframe in plan_keyframes(segments):
        yield {
            "basename": "keyframe", "name": keyframe.id,
            "doc": "make the picture a segment starts from (from the shot's visual fields, not its dialogue)",
            "actions": [heavy(f"keyframe:{keyframe.id}", make_keyframe, [keyframe.id], on_ray)],
            "meta": {"cache_probe": (keyframe_cached, [keyframe.id])},
            "file_dep": [str(BUILD.keyframe(keyframe.id, ".json"))]
            + cast_references(keyframe.cast),
            "targets": [str(BUILD.keyframe(keyframe.id))],
            "uptodate": [(intact, [[str(BUILD.keyframe(keyframe.id))], list(keyframe.resolution),
                                   announce and f"making keyframe {keyframe.id} again"])],
            "clean": [clean_targets, (forget_record, [BUILD.keyframe(keyframe.id)])],
            "verbosity": 1,
        }


def render_tasks(segments: list[Segment], production: Production, on_ray: dict | None, announce: bool = False):
    """render:<segment>: the video of each segment, from its anchor frame or keyframes."""
    critic = production.critic.model_dump(mode="json")
    for segment in segments:
        deps = [str(BUILD.segment(segment.id))]
        deps += cast_references(segment.cast)
        if segment.anchor_segment:
            deps.append(str(BUILD.frame(segment.anchor_segment, "last")))
        deps += [str(BUILD.keyframe(k)) for k in (segment.start_keyframe, segment.end_keyframe) if k]
        yield {
            "basename": "render", "name": segment.id,
            "doc": "render one segment (from the previous segment's last frame in chain mode, else its keyframe)",
            "actions": [heavy(f"render:{segment.id}", render_segment,
                              [segment.id, critic if production.critic.retake else None], on_ray)],
            "meta": {} if production.critic.retake else {"cache_probe": (render_cached, [segment.id])},
            "file_dep": deps,
            "targets": [str(path) for path in render_targets(segment).values()]
            + [str(record_path(BUILD.render(segment.id)))]
            + ([str(BUILD.takes_file(segment.id))] if production.critic.retake else []),
            # retakes: their settings choose the take (takes are cached in build/takes/, never re-rolled)
            "uptodate": ([config_changed(critic)] if production.critic.retake else [])
            # a render or frame damaged on disk (its sha256 no longer the recorded one) is made again
            + [(intact, [[str(path) for path in render_targets(segment).values()], list(segment.resolution),
                         announce and f"rendering {segment.id} again"])],
            "clean": [clean_targets] + [(forget_record, [path]) for path in render_targets(segment).values()]
            + ([(shutil.rmtree, [BUILD.takes_folder(segment.id), True])]
               if production.critic.retake else []),
            "verbosity": 1,
        }


def segment_score_tasks(segments: list[Segment], production: Production, on_ray: dict | None,
                        announce: bool = False):
    """score:<segment>: each render's metrics, sampled-frame features and thumbnails."""
    critic = production.critic.model_dump(mode="json")
    # what a segment's score depends on besides its render (the judge scores the film and the script only)
    segment_scoring = {k: v for k, v in critic.items() if k != "judge"}
    for segment in segments:
        yield {
            "basename": "score", "name": segment.id,
            "doc": "score one segment's render (critic.metrics) and cut its thumbnails",
            "actions": [heavy(f"score:{segment.id}", score_render, [segment.id, critic], on_ray)],
            "file_dep": [str(BUILD.segment(segment.id)), str(BUILD.render(segment.id))]
            + ([str(BUILD.takes_file(segment.id))] if production.critic.retake else []),
            "targets": [str(BUILD.score(segment.id)), str(BUILD.features(segment.id))]
            + [str(p) for p in BUILD.thumbs(segment.id, len(segment.shots))],
            "uptodate": [config_changed(segment_scoring),
                         (intact, [[str(BUILD.score(segment.id)), str(BUILD.features(segment.id))], None,
                                   announce and f"scoring {segment.id} again"])],
            "clean": True,
        }


def film_tasks(segments: list[Segment], production: Production, voice: dict | None, announce: bool = False):
    """stitch, score:film, score:script and report: the whole film from every segment."""
    ids = [s.id for s in segments]
    critic = production.critic.model_dump(mode="json")
    yield {
        "basename": "stitch",
        "doc": "join the renders into build/film.mp4 (video not re-encoded; speech mixed in as AAC) and write "
               "build/film.srt, film.vtt, film.otio, film.fcpxml and film.edl",
        "actions": [(Action(stitch_film), [ids, bool(voice)])],
        "file_dep": [str(BUILD.plan)] + [str(BUILD.render(i)) for i in ids] + [str(BUILD.segment(i)) for i in ids]
        + ([str(BUILD.line(line["id"])) for line in planned_dialogue()] if voice else [])
        + [str(BUILD.render_sound(s.id)) for s in segments if wants_model_sound(s.director)],
        "targets": [str(BUILD.film), str(BUILD.subtitles), str(BUILD.web_subtitles), str(BUILD.timeline),
                    str(BUILD.fcpxml), str(BUILD.edl), str(record_path(BUILD.film))],
        "uptodate": [(intact, [[str(BUILD.film)], None, announce and "stitching again"])],  # a damaged film.mp4
        "clean": [clean_targets, (forget_record, [BUILD.film])],
    }
    yield {
        "basename": "score", "name": "film",
        "doc": "score the film: joins, alignment across shots, means, the film rubric (build/scores/_film.json)",
        "actions": [(Action(score_film), [ids])],
        "file_dep": [str(BUILD.plan)] + [str(BUILD.score(i)) for i in ids]
        + [str(BUILD.frame(i, which)) for i in ids for which in ("first", "last")],
        "targets": [str(BUILD.film_score)],
        "uptodate": [config_changed({"metrics": critic["metrics"], "judge": critic["judge"]}),
                     (intact, [[str(BUILD.film_score)], None, announce and "scoring the film again"])],
        "clean": True,
    }
    yield {
        "basename": "score", "name": "script",
        "doc": "score the script: rule-based rubric from the validators, and the judge's (build/scores/_script.json)",
        "actions": [Action(score_script)],
        "file_dep": [SCRIPT_FILE, str(BUILD.findings)],
        "targets": [str(BUILD.script_score)],
        "uptodate": [config_changed({"source": production.scripter_inputs_digest(), "metrics": critic["metrics"],
                                     "judge": critic["judge"]}),
                     (intact, [[str(BUILD.script_score)], None, announce and "scoring the script again"])],
        "clean": True,
    }
    # the segment files too: the report shows each shot's script (a description edit renders the same picture)
    report_deps = [str(BUILD.plan), str(BUILD.findings), str(BUILD.film), str(BUILD.web_subtitles)]
    report_deps += [str(BUILD.score(i)) for i in ids] + [str(BUILD.segment(i)) for i in ids]
    report_deps += [str(BUILD.film_score), str(BUILD.script_score)]
    report_deps += [str(p) for s in segments for p in BUILD.thumbs(s.id, len(s.shots))]
    yield {
        "basename": "report",
        "doc": "write build/report.html (the film, captions, per shot its frames, script, scores) and poster.jpg",
        "actions": [(Action(write_report), [ids])],
        "file_dep": report_deps,
        "targets": [str(BUILD.report), str(BUILD.poster)],
        "clean": True,
    }


def variant_tasks(production: Production):
    """Ablations: each variant is a production of its own under build/variants/<name>/ (critic/compare.py)."""
    for name in production.variants:
        variant = BUILD.variant(name)
        yield {
            "basename": "variant", "name": name,
            "doc": "build a variant of this production (production.yaml: variants) in build/variants/",
            "actions": [(Action(make_variant), [name])],
            "file_dep": production.sources + [SCRIPT_FILE] + sorted({m.reference for m in production.cast
                                                                 if m.reference}),
            "targets": [str(variant.film_score),
                        str(variant.script_score)],
            "clean": [(shutil.rmtree, [BUILD.variant_folder(name), True])],
            "verbosity": 1,
        }
    if production.variants:
        variant_scores = [str(path) for name in production.variants
                          for path in (BUILD.variant(name).film_score, BUILD.variant(name).script_score)]
        yield {
            "basename": "compare",
            "doc": "write build/compare.md and compare.json: every metric and rubric of the build and its variants",
            "actions": [(Action(make_comparison), [list(production.variants)])],
            "file_dep": [str(BUILD.film_score), str(BUILD.script_score)]
            + variant_scores,
            "targets": [str(BUILD.comparison), str(BUILD.comparison.with_suffix(".json"))],
            "clean": True,
        }


def _remove(*paths: Path) -> None:
    for path in paths:
        Path(path).unlink(missing_ok=True)
