"""DirectorAgent segmentation: invariants over many random scripts."""

from __future__ import annotations

import math
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from scriptagent.director import _closes_segment, plan_segments, plan_summary
from scriptagent.schema import Production, Script, Shot


def production(fps=24, max_seconds=5.0, anchoring="chain", pack=True) -> Production:
    return Production.model_validate({
        "title": "T", "cast": [{"id": "ana", "name": "Ana"}, {"id": "ben", "name": "Ben"}],
        "setting": "a kitchen", "dialogue": [{"ana": "Hi."}],
        "style": {"fps": fps, "resolution": [160, 90]},
        "director": {"backend": "animatic", "max_segment_seconds": max_seconds, "anchoring": anchoring,
                     "pack_shots": pack},
    })


def script(scenes: list[list[float]]) -> Script:
    number = 0
    data = {"characters": {"ana": {"name": "Ana"}, "ben": {"name": "Ben"}}, "scenes": []}
    for index, durations in enumerate(scenes):
        shots = []
        for duration in durations:
            number += 1
            shots.append({"id": f"sh{number:02d}", "duration": duration, "shot_size": "medium",
                          "description": "Ana talks.", "characters": [{"id": "ana", "position": "left third"}],
                          "dialogue": [{"speaker": "ana", "line": "Hello there."}]})
        data["scenes"].append({"id": f"scene-{index}", "setting": "a kitchen", "shots": shots})
    return Script.model_validate(data)


durations = st.lists(st.lists(st.floats(0.5, 10.0).map(lambda x: round(x, 2)), min_size=1, max_size=8),
                     min_size=1, max_size=3)


@settings(max_examples=80, deadline=None)
@given(durations, st.sampled_from([8, 12, 24, 30]), st.floats(1.0, 12.0), st.sampled_from(["chain", "none"]),
       st.booleans())
def test_segments_cover_the_film_exactly(scenes, fps, max_seconds, anchoring, pack):
    prod, scr = production(fps, max_seconds, anchoring, pack), script(scenes)
    segments = plan_segments(prod, scr)
    max_frames = math.floor(max_seconds * fps + 1e-6)

    # every frame of the film belongs to exactly one segment, in order; each shot has its own duration's frames
    total = sum(round(Fraction(str(d)) * fps) for s in scenes for d in s)  # exact: no float order effects
    assert sum(s.frames for s in segments) == total
    assert [s.first_frame for s in segments] == [sum(x.frames for x in segments[:i]) for i in range(len(segments))]
    assert all(0 < s.frames <= max_frames for s in segments)
    assert len({s.id for s in segments}) == len(segments)

    # cuts only at shot boundaries; a split shot's parts are consecutive and add up to the shot
    parts: dict[str, list] = {}
    for segment in segments:
        assert len({p.scene_id for p in segment.shots}) == 1  # never across a scene change
        assert sum(p.frames for p in segment.shots) == segment.frames
        for shot_part in segment.shots:
            parts.setdefault(shot_part.shot.id, []).append(shot_part)
            if shot_part.parts > 1:
                assert segment.shots == [shot_part]
        if not pack:
            assert len(segment.shots) == 1
    for shot_parts in parts.values():
        assert [p.part for p in shot_parts] == list(range(1, shot_parts[0].parts + 1))
        assert sum(p.frames for p in shot_parts) == shot_parts[0].shot_frames
        assert [p.offset_frames for p in shot_parts] == [sum(q.frames for q in shot_parts[:i]) for i in range(len(shot_parts))]

    # anchoring: the previous segment of the same scene in chain mode, nothing otherwise
    for previous, segment in zip([None] + segments, segments):
        if anchoring == "chain" and previous is not None and previous.scene_id == segment.scene_id:
            assert segment.anchor_segment == previous.id
        else:
            assert segment.anchor_segment is None

    summary = plan_summary(prod, scr, segments)
    assert summary["frames"] == total and len(summary["shots"]) == sum(len(s) for s in scenes)


def test_long_shot_is_split_into_continuations():
    segments = plan_segments(production(24, 4.0), script([[2.0, 9.0, 1.0]]))
    assert [s.id for s in segments] == ["sh01", "sh02-p1", "sh02-p2", "sh02-p3", "sh03"]
    assert [s.frames for s in segments] == [48, 72, 72, 72, 24]


def lines_that(closes: bool, count: int) -> list[str]:
    """Dialogue lines whose shot closes its segment (a content-defined boundary), or does not."""
    return [line for line in (f"Line number {n}." for n in range(200))
            if _closes_segment(Shot(id="x", duration=1, shot_size="medium", description="Ana talks.",
                                    dialogue=[{"speaker": "ana", "line": line}])) == closes][:count]


def with_lines(scr: Script, lines: list[str]) -> Script:
    for (_, shot), line in zip(scr.shots(), lines):
        shot.dialogue[0].line = line
    return scr


def test_packing_groups_short_shots_up_to_a_closing_shot():
    open_, closing = lines_that(False, 3), lines_that(True, 1)
    scr = with_lines(script([[2.0, 2.0, 2.0, 4.0]]), [open_[0], closing[0], open_[1], open_[2]])
    segments = plan_segments(production(10, 5.0), scr)
    assert [[p.shot.id for p in s.shots] for s in segments] == [["sh01", "sh02"], ["sh03"], ["sh04"]]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.5, 4.0).map(lambda x: round(x, 1)), min_size=2, max_size=14), st.data())
def test_an_edit_repacks_only_the_segments_around_it(durations, data):
    """A retimed shot changes only the segments between the content-defined boundaries around it."""
    lines = [f"Line number {n}." for n in range(len(durations))]
    before = plan_segments(production(10, 5.0), with_lines(script([durations]), lines))
    edited_index = data.draw(st.integers(0, len(durations) - 1))
    edited = list(durations)
    edited[edited_index] = data.draw(st.floats(0.5, 4.0).map(lambda x: round(x, 1)))
    after = plan_segments(production(10, 5.0), with_lines(script([edited]), lines))

    def run_of(segments, shot_id):  # the shots from after the previous closing shot to the next one
        ids = [p.shot.id for s in segments for p in s.shots]
        closes = [p.parts > 1 or _closes_segment(p.shot) for s in segments for p in s.shots]
        k = ids.index(shot_id)
        start = max([i + 1 for i in range(k) if closes[i]], default=0)
        end = next(i for i in range(k, len(ids)) if closes[i] or i == len(ids) - 1)
        return set(ids[start:end + 1])

    touched = run_of(after, f"sh{edited_index + 1:02d}")
    # compared as the render cache sees them (an anchor enters by its picture, not by its segment's name)
    unchanged_before = [s.render_data(True) for s in before if not touched & {p.shot.id for p in s.shots}]
    unchanged_after = [s.render_data(True) for s in after if not touched & {p.shot.id for p in s.shots}]
    assert unchanged_before == unchanged_after


def test_segment_ids_are_stable_under_edits_elsewhere():
    before = plan_segments(production(), script([[3.0, 4.0, 2.0, 6.0]]))
    edited = script([[3.0, 4.0, 2.0, 6.0]])
    edited.scenes[0].shots[2].dialogue[0].line = "Something else entirely."
    after = plan_segments(production(), edited)
    assert [s.id for s in before] == [s.id for s in after]
    changed = [a.id for a, b in zip(before, after) if a.model_dump() != b.model_dump()]
    assert len(changed) == 1


def test_scene_change_restarts_the_chain():
    segments = plan_segments(production(), script([[3.0, 3.0], [3.0]]))
    assert [s.anchor_segment for s in segments] == [None, "sh01", None]
