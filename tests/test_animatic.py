"""The animatic director backend: what it draws, anchoring, determinism, overlays and the portrait placeholder."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PIL import Image

from scriptagent.director.animatic import (MOUTH_STEPS, RENDERER_VERSION, AnimaticRenderer, ShotPlan, draw_portrait,
                                           parse_appearance, parse_position)
from scriptagent.media import probe, read_frames, save_png
from scriptagent.errors import BackendError
from scriptagent.plan import Segment, SegmentCastMember, SegmentShot, TimedLine
from scriptagent.schema import AnimaticDirectorConfig, Shot

FPS = 12
SIZE = (96, 64)
DRY = "a quiet park at noon"  # no rain: a static shot's pictures do not change
CAST = {
    "ana": SegmentCastMember(name="Ana", appearance="short black hair, red wool coat"),
    "ben": SegmentCastMember(name="Ben", appearance="grey hair, navy raincoat"),
}
TWO = [("ana", "left third, facing right"), ("ben", "right third, facing left")]


def shot_part(shot_id="sh01", seconds=1.0, size="wide", move="static", angle="eye-level", characters=TWO,
          lines=(), transition="cut", part=1, parts=1, frames=None, offset=0) -> SegmentShot:
    """One SegmentShot; `lines` are (speaker, text, start, end) in shot seconds."""
    shot_frames = round(seconds * FPS)
    shot = Shot(id=shot_id, duration=seconds, shot_size=size, angle=angle, camera_movement=move,
                description="A test shot.", transition=transition,
                characters=[{"id": cid, "position": position} for cid, position in characters],
                dialogue=[{"speaker": speaker, "line": text} for speaker, text, _, _ in lines])
    subtitles = [TimedLine(speaker=speaker, name=CAST[speaker].name, line=text, start=start, end=end)
                 for speaker, text, start, end in lines]
    return SegmentShot(shot=shot, scene_id="scene", frames=frames or shot_frames, shot_frames=shot_frames,
                       offset_frames=offset, part=part, parts=parts, subtitles=subtitles)


def segment(*shot_parts: SegmentShot, setting=DRY, subtitles=False, slate=False, cast=None, size=SIZE,
            first_frame=0, look="") -> Segment:
    return Segment(id=shot_parts[0].shot.id, scene_id="scene", setting=setting, first_frame=first_frame,
                   frames=sum(p.frames for p in shot_parts), fps=FPS, resolution=size, look=look, slate=slate,
                   subtitles=subtitles, seed=5, anchoring="chain", shots=list(shot_parts), cast=cast or CAST,
                   director=AnimaticDirectorConfig().model_dump(mode="json"), renderer_version=RENDERER_VERSION)


def render(tmp_path, seg: Segment, name: str, anchor=None):
    """Render into tmp_path/name; returns (video, first png, last png)."""
    folder = tmp_path / name
    outputs = folder / "video.mp4", folder / "first.png", folder / "last.png"
    AnimaticRenderer(AnimaticDirectorConfig().model_dump(mode="json")).render(seg, tmp_path, anchor, *outputs)
    return outputs


def pixels(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)


def difference(a, b) -> float:
    return float(np.abs(np.asarray(a, np.int16) - np.asarray(b, np.int16)).mean())


CODEC_LOSS = 8  # mean absolute difference H.264 (crf 20, 4:2:0 chroma) leaves on a tiny, busy frame


def test_renders_every_frame_and_its_first_and_last_picture(tmp_path):
    seg = segment(shot_part("sh01", 1.0), shot_part("sh02", 1.5, size="close-up", move="dolly-in"))
    video, first, last = render(tmp_path, seg, "out")
    frames, seconds = probe(video)
    assert frames == seg.frames == 30
    assert abs(seconds - 30 / FPS) <= 1 / FPS
    decoded = list(read_frames(video))
    assert len(decoded) == 30 and decoded[0].shape == (SIZE[1], SIZE[0], 3)
    assert Image.open(first).size == SIZE and Image.open(last).size == SIZE
    # without overlays the video shows the pictures, up to H.264's loss
    assert difference(decoded[0], pixels(first)) < CODEC_LOSS
    assert difference(decoded[-1], pixels(last)) < CODEC_LOSS
    # the two shots look different: the cut is real
    assert difference(decoded[0], decoded[-1]) > 3 * CODEC_LOSS


def test_continuation_starts_exactly_on_the_anchor(tmp_path):
    # a 2 s shot split into two segments of 12 frames; the second is conditioned on the first's last frame
    head = segment(shot_part("sh01", 2.0, move="pan-right", part=1, parts=2, frames=12, offset=0))
    _, _, head_last = render(tmp_path, head, "head")
    tail = segment(shot_part("sh01", 2.0, move="pan-right", part=2, parts=2, frames=12, offset=12), first_frame=12)
    video, tail_first, tail_last = render(tmp_path, tail, "tail", anchor=head_last)
    assert np.array_equal(pixels(tail_first), pixels(head_last))
    assert difference(next(read_frames(video)), pixels(head_last)) < CODEC_LOSS
    assert probe(video)[0] == 12
    assert not np.array_equal(pixels(tail_last), pixels(head_last))  # and then the pan goes on

    # any anchor picture is taken as is, pixel for pixel
    noise = np.random.default_rng(1).integers(0, 256, (SIZE[1], SIZE[0], 3), dtype=np.uint8)
    save_png(noise, tmp_path / "noise.png")
    _, first, _ = render(tmp_path, tail, "noise", anchor=tmp_path / "noise.png")
    assert np.array_equal(pixels(first), noise)


def test_an_anchor_does_not_replace_the_first_frame_of_a_new_shot(tmp_path):
    noise = np.random.default_rng(2).integers(0, 256, (SIZE[1], SIZE[0], 3), dtype=np.uint8)
    save_png(noise, tmp_path / "noise.png")
    seg = segment(shot_part("sh02", 1.0))
    _, with_anchor, _ = render(tmp_path, seg, "anchored", anchor=tmp_path / "noise.png")
    _, without, _ = render(tmp_path, seg, "plain")
    assert np.array_equal(pixels(with_anchor), pixels(without))


def test_dissolve_starts_from_the_anchor_and_fade_in_from_black(tmp_path):
    anchor = np.full((SIZE[1], SIZE[0], 3), (240, 20, 200), np.uint8)
    save_png(anchor, tmp_path / "anchor.png")
    dissolve = segment(shot_part("sh03", 1.0, transition="dissolve"))
    video, first, last = render(tmp_path, dissolve, "dissolve", anchor=tmp_path / "anchor.png")
    assert difference(pixels(first), anchor) < 1
    frames = list(read_frames(video))
    mid = frames[3]  # 0.25 s: half way
    assert 20 < difference(mid, anchor) < difference(pixels(last), anchor)

    _, fade_first, fade_last = render(tmp_path, segment(shot_part("sh04", 1.0, transition="fade-in")), "fade")
    assert pixels(fade_first).max() == 0
    assert pixels(fade_last).mean() > 40


def test_same_segment_gives_the_same_bytes(tmp_path):
    seg = segment(shot_part("sh01", 1.0, move="handheld", lines=[("ana", "Hello there.", 0.1, 0.8)]),
                  setting="a night street in the rain, sodium lamps", subtitles=True, slate=True)
    outputs = {}

    def run(name):
        outputs[name] = render(tmp_path, seg, name)

    threads = [threading.Thread(target=run, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for a, b in zip(outputs["a"], outputs["b"]):
        assert a.read_bytes() == b.read_bytes()


def test_close_up_differs_from_wide(tmp_path):
    _, _, wide = render(tmp_path, segment(shot_part(size="wide")), "wide")
    _, _, close = render(tmp_path, segment(shot_part(size="close-up")), "close")
    assert difference(pixels(wide), pixels(close)) > 15


@pytest.mark.parametrize("move", ["pan-left", "tilt-up", "dolly-in", "zoom-out", "tracking-right", "handheld"])
def test_camera_movement_changes_the_picture(tmp_path, move):
    _, first, last = render(tmp_path, segment(shot_part(size="medium", move=move)), move)
    assert difference(pixels(first), pixels(last)) > 5


def test_static_shot_holds_still(tmp_path):
    video, first, last = render(tmp_path, segment(shot_part(size="medium")), "static")
    assert np.array_equal(pixels(first), pixels(last))
    frames = list(read_frames(video))
    assert max(difference(frames[0], frame) for frame in frames) < 1


def test_rain_moves_even_in_a_static_shot(tmp_path):
    _, first, last = render(tmp_path, segment(shot_part(), setting="a platform at night in the rain"), "rain")
    assert difference(pixels(first), pixels(last)) > 0.5


def test_subtitles_and_slate_are_on_the_video_not_on_the_pictures(tmp_path):
    lines = [("ana", "This line is on screen.", 0.0, 0.9)]
    plain = segment(shot_part(size="medium", lines=lines))
    marked = segment(shot_part(size="medium", lines=lines), subtitles=True, slate=True)
    plain_video, plain_first, plain_last = render(tmp_path, plain, "plain")
    marked_video, marked_first, marked_last = render(tmp_path, marked, "marked")
    assert plain_first.read_bytes() == marked_first.read_bytes()
    assert plain_last.read_bytes() == marked_last.read_bytes()
    plain_frames, marked_frames = list(read_frames(plain_video)), list(read_frames(marked_video))
    height = SIZE[1]
    bottom, top = np.s_[height * 2 // 3:], np.s_[:height // 6]
    # during the line: a subtitle at the bottom; the slate at the top all along
    during = difference(plain_frames[2][bottom], marked_frames[2][bottom])
    assert during > 2 * CODEC_LOSS
    assert difference(plain_frames[-1][top], marked_frames[-1][top]) > 2 * CODEC_LOSS
    # after the line (0.9 s): the subtitle is gone, only coding noise is left
    assert difference(plain_frames[-1][bottom], marked_frames[-1][bottom]) < min(CODEC_LOSS, during / 4)


def test_speaker_mouth_moves(tmp_path):
    lines = [("ana", "I talk and talk.", 0.0, 1.0)]
    talking = segment(shot_part(size="close-up", characters=[TWO[0]], lines=lines))
    silent = segment(shot_part(size="close-up", characters=[TWO[0]]))
    talking_frames = list(read_frames(render(tmp_path, talking, "talking")[0]))
    silent_frames = list(read_frames(render(tmp_path, silent, "silent")[0]))
    assert max(difference(a, b) for a, b in zip(talking_frames, silent_frames)) > 0.3
    # a silent face holds still: the same picture every frame (H.264's first P-frame still refines the I-frame's
    # detail, so the comparison starts after it)
    assert max(difference(a, b) for a, b in zip(silent_frames[1:], silent_frames[2:])) < 0.3


def test_a_held_shot_draws_each_of_its_pictures_once(tmp_path, monkeypatch):
    drawn = []
    draw = ShotPlan._draw_picture

    def counting(self, *args):
        drawn.append(args)
        return draw(self, *args)

    monkeypatch.setattr(ShotPlan, "_draw_picture", counting)
    lines = [("ana", "I talk and talk and talk.", 0.0, 2.0)]
    seg = segment(shot_part(size="medium", seconds=2.0, lines=lines), subtitles=True, slate=True)
    video, _, _ = render(tmp_path, seg, "held")
    assert probe(video)[0] == 24
    assert 2 <= len(drawn) <= MOUTH_STEPS + 1  # the mouth's few openings, not 24 pictures
    drawn.clear()
    render(tmp_path, segment(shot_part(size="medium", seconds=2.0, move="pan-left")), "moving")
    assert len(drawn) == 24  # a moving camera: every frame its own picture


def centre_of_change(picture, empty) -> float:
    """Mean x (0..1) of the pixels a figure changed."""
    changed = np.abs(np.asarray(picture, np.int16) - np.asarray(empty, np.int16)).sum(axis=2) > 30
    return float(np.nonzero(changed)[1].mean()) / changed.shape[1]


def test_position_text_places_the_figure(tmp_path):
    _, _, empty = render(tmp_path, segment(shot_part(characters=[])), "empty")
    _, _, left = render(tmp_path, segment(shot_part(characters=[("ana", "left third, facing right")])), "left")
    _, _, right = render(tmp_path, segment(shot_part(characters=[("ana", "right third, facing left")])), "right")
    assert abs(centre_of_change(pixels(left), pixels(empty)) - 1 / 3) < 0.08
    assert abs(centre_of_change(pixels(right), pixels(empty)) - 2 / 3) < 0.08


def test_over_the_shoulder_puts_a_dark_shoulder_in_the_foreground(tmp_path):
    speaker = ("ana", "left third, facing right")
    shoulder = ("ben", "foreground right, back to camera (over the shoulder)")
    _, _, alone = render(tmp_path, segment(shot_part(size="over-the-shoulder", characters=[speaker])), "alone")
    _, _, ots = render(tmp_path, segment(shot_part(size="over-the-shoulder", characters=[speaker, shoulder])), "ots")
    width, height = SIZE
    corner = np.s_[height // 2:, width * 3 // 4:]
    assert pixels(ots)[corner].mean() < pixels(alone)[corner].mean() - 30


def test_angles_change_the_picture(tmp_path):
    _, _, level = render(tmp_path, segment(shot_part(size="full")), "level")
    for angle in ("high", "low", "dutch"):
        _, _, tilted = render(tmp_path, segment(shot_part(size="full", angle=angle)), angle)
        assert difference(pixels(level), pixels(tilted)) > 10, angle


def test_reference_image_becomes_the_face(tmp_path):
    portrait = Image.new("RGB", (64, 64), (0, 255, 0))  # unmistakable
    portrait.save(tmp_path / "ana.png")
    cast = dict(CAST, ana=SegmentCastMember(name="Ana", appearance="red coat", reference="ana.png"))
    shot = shot_part(size="close-up", characters=[("ana", "center, facing camera")])
    _, _, drawn = render(tmp_path, segment(shot), "drawn")
    _, _, pasted = render(tmp_path, segment(shot, cast=cast), "pasted")
    green = (pixels(pasted)[..., 1] > 200) & (pixels(pasted)[..., 0] < 60)
    assert green.mean() > 0.05 and not ((pixels(drawn)[..., 1] > 200) & (pixels(drawn)[..., 0] < 60)).any()

    missing = dict(CAST, ana=SegmentCastMember(name="Ana", appearance="", reference="nobody.png"))
    with pytest.raises(BackendError, match="nobody.png"):
        render(tmp_path, segment(shot, cast=missing), "missing")
    assert not (tmp_path / "missing" / "video.mp4").exists()


def test_appearance_and_position_parsing():
    ana = parse_appearance("Ana", "woman in her thirties, short black hair, red wool coat")
    assert max(ana.hair) < 60 and ana.top[0] > 150 > ana.top[2] and ana.long_top
    theo = parse_appearance("Theo", "grey hair, navy raincoat, carrying a small suitcase")
    assert theo.hair[0] == theo.hair[1] == theo.hair[2] > 100 and theo.top[2] > theo.top[0] and theo.prop == "suitcase"
    ben = parse_appearance("Ben", "bald, grey beard, green sweater")
    assert ben.bald and ben.beard and ben.top[1] > ben.top[0] and ben.hair[0] == ben.hair[1] == ben.hair[2]
    assert parse_appearance("Cy", "a red-haired woman").hair == parse_appearance("Cy", "red hair").hair
    assert parse_appearance("X", "") == parse_appearance("X", "")  # unnamed colours are stable

    left = parse_position("left third, facing right")
    assert left.x == pytest.approx(1 / 3) and left.facing == 1 and not left.silhouette
    back = parse_position("center background, facing camera")
    assert back.x == 0.5 and back.depth < 1 and back.facing == 0
    assert parse_position("far left").x < 0.2 and parse_position("right").x == pytest.approx(2 / 3)
    shoulder = parse_position("foreground right, back to camera (over the shoulder)")
    assert shoulder.silhouette and shoulder.depth > 1 and shoulder.x == pytest.approx(2 / 3)


def test_portrait_size_determinism_and_colours():
    red = draw_portrait("Mara", "short black hair, red wool coat", size=128)
    assert red.size == (128, 128) and red.mode == "RGB"
    assert red.tobytes() == draw_portrait("Mara", "short black hair, red wool coat", size=128).tobytes()
    green = draw_portrait("Mara", "short black hair, green sweater", size=128)
    chest = (int(128 * 0.3), int(128 * 0.85))
    r, g, _ = red.getpixel(chest)
    assert r > 120 and r > g + 60
    r, g, _ = green.getpixel(chest)
    assert g > r + 30
    assert draw_portrait("Ana", "", size=200).size == (200, 200)
