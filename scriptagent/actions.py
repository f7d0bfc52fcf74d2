"""What each task of the build does, run in the production folder: write the script, plan, render, make a
keyframe, speak a line, score, stitch, report, compare variants.

Plain functions that raise ScriptAgentError on bad input and BackendError (naming the task) when a backend
fails. The task graph (tasks.py) runs them as doit actions; the Ray executor (executor.py) runs the same
functions, found in ACTIONS by name, on a worker. Every path comes from layout.py.
"""

from __future__ import annotations

import functools
import json
import sys
import tempfile
from pathlib import Path

from doit.exceptions import TaskError

from .cache import ArtifactCache, artifact_key
from .errors import BackendError, InputError, ScriptAgentError, debug_enabled, one_line
from .files import atomic_path, environment_fault, write_atomic, write_json_if_changed
from .integrity import check_stitched, check_video, forget_record, kept, note_file, record_file, recorded_tracks
from .layout import SCRIPT_FILE, BuildLayout
from .plan import Segment, film_segments, read_keyframe, read_segment
from .schema import CriticConfig, load_production, load_script
from .voice import active_voice
from .voice.soundtrack import wants_model_sound
from .yamlio import located

BUILD = BuildLayout()  # relative: actions run in the production folder


def failures_name(kind: str):
    """A backend failure (out of memory, missing weights, a server down) reported as one line naming the task,
    `render:sh03: ...`, instead of a traceback; with SCRIPTAGENT_DEBUG=1 the traceback shows."""

    def decorate(action):
        @functools.wraps(action)
        def wrapper(name: str, *args, **kwargs):
            try:
                return action(name, *args, **kwargs)
            except InputError:
                raise  # names its file and line already
            except ScriptAgentError as error:
                raise BackendError(f"{kind}:{name}: {error}") from error
            except Exception as error:
                if debug_enabled():
                    raise
                reason = one_line(str(error).strip().split("\n")[0]) or "(no message)"
                raise BackendError(f"{kind}:{name}: failed: {type(error).__name__}: {reason} (the other finished "
                                   "artifacts are kept; `doit` retries what failed)") from error

        return wrapper

    return decorate


def make_script():
    from .scripter import ensure_script

    ensure_script(".", load_production("."))


def make_plan():
    from .director import plan_keyframes, plan_segments, plan_summary
    from .scripter.validators import findings_to_problems, validate_script

    production = load_production(".")
    script, tree = load_script(".")
    from .voice import without_estimated_timing

    voiced = active_voice(production, notice=False) is not None
    findings = without_estimated_timing(validate_script(script, production), production)
    problems = findings_to_problems(findings, tree, SCRIPT_FILE)
    errors = [p for p, f in zip(problems, findings) if f.severity == "error"]
    if errors:
        raise InputError(errors)
    for problem, finding in zip(problems, findings):
        print(problem, file=sys.stderr)  # warnings: shown, never fatal
    spoken = None
    if voiced:  # the recordings time the lines and lengthen shots that need it
        from .voice import fit_shots_to_speech, speech_lines, wav_seconds

        lines = speech_lines(production, script)
        spoken = {line.id: wav_seconds(BUILD.line(line.id)) for line in lines}
        script, warnings = fit_shots_to_speech(script, spoken)
        for warning in warnings:
            print(warning, file=sys.stderr)
        keep_only(BUILD.speech, "*.wav", {BUILD.line(line.id) for line in lines})
    try:
        segments = plan_segments(production, script, spoken)
    except InputError as error:  # e.g. a shot shorter than one frame: shown at its line in script.yaml
        raise (located(error, tree) if error.problems[0].file == SCRIPT_FILE else error) from None
    for segment in segments:
        write_json_if_changed(BUILD.segment(segment.id), segment.model_dump(mode="json"))
    keep_only(BUILD.segments, "*.json", {BUILD.segment(s.id) for s in segments})
    keyframes = plan_keyframes(segments)
    for keyframe in keyframes:
        write_json_if_changed(BUILD.keyframe(keyframe.id, ".json"), keyframe.model_dump(mode="json"))
    keep_only(BUILD.keyframes, "*.json", {BUILD.keyframe(k.id, ".json") for k in keyframes})
    write_json_if_changed(BUILD.findings, [{"validator": f.validator, "severity": f.severity, "shot": f.shot_id,
                                      "message": str(p)} for f, p in zip(findings, problems)])
    write_json_if_changed(BUILD.plan, plan_summary(production, script, segments))


def keep_only(folder: Path, pattern: str, wanted: set[Path]) -> None:
    """Remove the files matching `pattern` in `folder` that an earlier plan made and this one no longer does."""
    for stale in folder.glob(pattern):
        if stale not in wanted:
            stale.unlink()


def render_targets(segment: str | Segment) -> dict[str, Path]:
    """A render's files, by their names in the render cache; with the model's sound where the segment asks for it
    (director.audio: model or mix). `segment`: the segment, or its id (its plan file is read)."""
    segment = read_segment(BUILD, segment) if isinstance(segment, str) else segment
    segment_id, sound = segment.id, wants_model_sound(segment.director)
    targets = {"video.mp4": BUILD.render(segment_id), "first.png": BUILD.frame(segment_id, "first"),
               "last.png": BUILD.frame(segment_id, "last")}
    return targets | {"sound.wav": BUILD.render_sound(segment_id)} if sound else targets


def render_inputs(segment: Segment) -> tuple[Path | None, Path | None]:
    """The pictures a segment starts and ends on: the previous segment's last frame (chain) or keyframes."""
    anchor = BUILD.frame(segment.anchor_segment, "last") if segment.anchor_segment else \
        BUILD.keyframe(segment.start_keyframe) if segment.start_keyframe else None
    end_anchor = BUILD.keyframe(segment.end_keyframe) if segment.end_keyframe else None
    return anchor, end_anchor


def segment_render_key(segment: Segment) -> str:
    from .director import render_key

    return render_key(segment, Path("."), *render_inputs(segment))


def render_cached(segment_id: str) -> bool | str:
    """Whether the cache holds this segment's render now, else "kept" when build/ does already (see render_segment);
    asked just before the render task runs."""
    segment = read_segment(BUILD, segment_id)
    key, targets = segment_render_key(segment), render_targets(segment)
    return ArtifactCache.for_build(BUILD).holds("render", key) or \
        ("kept" if kept(list(targets.values()), key) else False)


def keyframe_cached(keyframe_id: str) -> bool | str:
    from .director import keyframe_key

    key = keyframe_key(read_keyframe(BUILD, keyframe_id), Path("."))
    return ArtifactCache.for_build(BUILD).holds("keyframe", key) or ("kept" if kept([BUILD.keyframe(keyframe_id)], key)
                                                                     else False)


def speech_cached(payload: dict) -> bool:
    return ArtifactCache.for_build(BUILD).holds("speech", speech_key(payload))


@failures_name("render")
def render_segment(segment_id: str, retake_critic: dict | None = None):
    """Place the render from the cache when it holds the same picture; else render, accept and keep it there.

    A render is accepted once it decodes end to end with the planned frame count; its sha256 is recorded beside
    it, and while the file keeps that hash the render is up to date (see integrity.py). Renders with retakes are
    not cached: the critic picks among takes, and build/takes/ keeps those."""
    from .director import load_renderer, render_key

    segment = read_segment(BUILD, segment_id)
    anchor, end_anchor = render_inputs(segment)
    targets = render_targets(segment)
    pictures = [targets[name] for name in ("video.mp4", "first.png", "last.png")]  # and sound.wav beside the video
    if "sound.wav" not in targets:
        BUILD.render_sound(segment_id).unlink(missing_ok=True)  # an earlier setting's sound, never stitched
    cache = ArtifactCache.for_build(BUILD)
    key = None if retake_critic else render_key(segment, Path("."), anchor, end_anchor)
    if key and kept(list(targets.values()), key):
        return  # build/ holds this very render, matching its records (the build's state was lost, or not saved)
    if key and cache.place("render", key, targets):
        record_render(segment_id, key)  # checked when it was stored; its sha256 was checked now
        return
    if retake_critic:  # the critic in the loop: takes until one scores well enough (critic/retake.py)
        from .critic.retake import render_with_retakes
        render_with_retakes(segment, Path("."), anchor, *pictures,
                            CriticConfig.model_validate(retake_critic), BUILD, end_anchor=end_anchor)
    else:
        load_renderer(segment.director).render(segment, Path("."), anchor, *pictures, end_anchor=end_anchor)
    try:
        check_video(BUILD.render(segment_id), segment.frames)
    except BackendError as error:
        BUILD.render(segment_id).unlink(missing_ok=True)  # never left where a player or a later stitch could take it
        BUILD.render_sound(segment_id).unlink(missing_ok=True)
        forget_record(BUILD.render(segment_id))
        raise BackendError(f"the renderer wrote a video that cannot be accepted: {error}") from None
    record_render(segment_id, key)
    if key:
        cache.store("render", key, targets)


def record_render(segment_id: str, key: str | None) -> None:
    """The render's record (its sha256 and what it was made from), and its first and last frames' own."""
    for which in ("first", "last"):
        note_file(BUILD.frame(segment_id, which))
    if BUILD.render_sound(segment_id).exists():
        note_file(BUILD.render_sound(segment_id))
    record_file(BUILD.render(segment_id), inputs=key)  # last: a kill before it leaves the render to be made again


@failures_name("keyframe")
def make_keyframe(keyframe_id: str):
    from .director import keyframe_key, load_renderer

    keyframe, target = read_keyframe(BUILD, keyframe_id), BUILD.keyframe(keyframe_id)
    key = keyframe_key(keyframe, Path("."))
    if kept([target], key):
        return  # build/ holds this very picture (the build's state was lost, or not saved)
    ArtifactCache.for_build(BUILD).place_or_make(
        "keyframe", key, {"keyframe.png": target},
        lambda: load_renderer(keyframe.director).keyframe(keyframe, Path("."), target))
    note_file(target, inputs=key)


def score_render(segment_id: str, critic: dict):
    from .critic import write_segment_score

    segment = read_segment(BUILD, segment_id)
    write_segment_score(BUILD, segment, CriticConfig.model_validate(critic))


def score_film(segment_ids: list[str]):
    from .critic import write_film_score

    write_film_score(BUILD, segment_ids, load_production("."))


def score_script():
    from .critic import write_script_score

    write_script_score(BUILD, Path("."), load_production("."))


def stitch_film(segment_ids: list[str], voiced: bool = False):
    from .media import stitch
    from .editorial import srt_text, vtt_text
    from .exports import write_cut

    plan = json.loads(BUILD.plan.read_text(encoding="utf-8"))
    renders = [BUILD.render(s) for s in segment_ids]
    # each checked against its record while ffmpeg joins them: a render damaged since it was made is made again,
    # never stitched
    read_renders = functools.partial(recorded_tracks, renders)
    segments = film_segments(BUILD, segment_ids)
    audio = segments[0].director.get("audio", "speech") if segments else "speech"  # director.audio
    with atomic_path(BUILD.film) as film:  # the film appears only once it holds exactly its renders' frames
        if voiced or audio != "speech":  # one track, encoded as AAC beside the picture
            from .voice import mix
            from .voice.soundtrack import film_track

            with tempfile.TemporaryDirectory() as folder:
                # the recorded lines mixed at their times; the video model's sound (voice/soundtrack.py) instead
                # of them (model) or under them (mix)
                track = speech = Path(folder) / "dialogue.wav" if voiced and audio != "model" else None
                if speech:
                    mix(plan["dialogue"], BUILD.line, plan["seconds"], speech)
                if audio != "speech":
                    track = Path(folder) / "sound.wav"
                    film_track([BUILD.render_sound(s.id) for s in segments], [s.frames for s in segments],
                               plan["fps"], track, speech, under=audio == "mix")
                tracks = stitch(renders, film, audio=track, meanwhile=read_renders, atomic=False)
        else:
            tracks = stitch(renders, film, meanwhile=read_renders, atomic=False)
        check_stitched(film, renders, plan["frames"], plan["fps"], tracks)
    record_file(BUILD.film)
    write_atomic(BUILD.subtitles, srt_text(plan["dialogue"]))
    write_atomic(BUILD.web_subtitles, vtt_text(plan["dialogue"]))
    # film.otio, .fcpxml, .edl (exports.py), media paths relative to build/; the recordings the film plays
    write_cut(BUILD, plan, segments, voiced and audio != "model")


def speech_key(payload: dict) -> str:
    return artifact_key("speech", payload)


def make_speech(line_id: str, payload: dict):
    from .voice import synthesize

    target = BUILD.line(line_id)
    ArtifactCache.for_build(BUILD).place_or_make(
        "speech", speech_key(payload), {"line.wav": target},
        lambda: synthesize(payload["config"], payload["text"], payload["voice"], target))


def write_report(segment_ids: list[str]):
    from . import report

    report.write_report(segment_ids, BUILD.report)


def make_variant(name: str):
    from .critic.compare import build_variant

    build_variant(Path("."), load_production("."), name)


def make_comparison(names: list[str]):
    from .critic.compare import remove_stale_variants, write_comparison

    remove_stale_variants(BUILD, names)
    builds = {"main": BUILD, **{name: BUILD.variant(name) for name in names}}
    write_comparison(builds, BUILD.comparison, BUILD.comparison.with_suffix(".json"))


# The actions the Ray executor may run on a worker, by name (what travels there is the name and the arguments).
class Action:
    """A doit action running one of actions.py's functions: a ScriptAgentError becomes doit's TaskError with our
    one-line message (exit 2), not a traceback. A class, not a closure, so `doit -n` can pickle it."""

    def __init__(self, function):
        self.function = function

    def __call__(self, *args):
        try:
            return self.function(*args)
        except (ScriptAgentError, OSError) as error:  # OSError: a full disk, a read-only folder (files.py)
            fault = environment_fault(error, Path.cwd())
            if debug_enabled() or not (fault or isinstance(error, ScriptAgentError)):
                raise
            print(fault or error, file=sys.stderr)
            return TaskError(str(fault or error))

    def __repr__(self) -> str:  # `doit info` shows the action by its name
        return f"<action {self.function.__name__}>"


ACTIONS = {action.__name__: action for action in (render_segment, make_keyframe, score_render, make_speech)}
