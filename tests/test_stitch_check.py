"""The stitch's proof that film.mp4 holds exactly its renders' frames (integrity.check_stitched, from the sample
tables in mp4.py): it passes where a full decode does, and catches a short, cut, corrupted, reordered or mixed
film, some of which a full decode passes. (A render damaged before the stitch is refused by its sha256 record:
tests/test_reliability_build.py, test_a_damage_that_keeps_size_and_time_is_caught_when_stitching.)"""

from __future__ import annotations

import pytest
from test_video import FPS, encode

from scriptagent.errors import BackendError
from scriptagent.integrity import check_stitched, decoded_frames
from scriptagent.media import stitch
from scriptagent.mp4 import nal_type, nal_units, tracks, video_track


@pytest.fixture
def parts(tmp_path):
    a, b, c = tmp_path / "a.mp4", tmp_path / "b.mp4", tmp_path / "c.mp4"
    encode(a, 10)
    encode(b, 8, start=10)
    encode(c, 6, start=3)
    return [a, b, c]


def flip(path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))


def test_the_film_of_its_parts_passes_as_a_full_decode_does(tmp_path, parts):
    film = tmp_path / "film.mp4"
    stitch(parts, film)
    assert decoded_frames(film) == 24
    check_stitched(film, parts, 24, FPS)
    whole = video_track(film)
    assert len(whole.sizes) == 24 and all(ticks * FPS == whole.timescale for ticks in whole.durations)
    assert {0, 10, 18} <= whole.keyframes  # every part starts on a keyframe


def test_the_reader_finds_the_decoder_configuration_and_the_frames(parts):
    (track,) = tracks(parts[0])
    entry = track.entries[0]
    assert (track.kind, entry.codec, entry.width, entry.height, len(track.sizes)) == ("vide", "avc1", 96, 64, 10)
    assert [nal_type(unit) for unit in entry.sps + entry.pps] == [7, 8]
    first = parts[0].read_bytes()[track.offsets[0]:track.offsets[0] + track.sizes[0]]
    assert 5 in [nal_type(unit) for unit in nal_units(first, entry.nal_length)]  # an IDR picture


@pytest.mark.parametrize("frames", [23, 25])
def test_another_frame_count_than_the_plans_is_refused(tmp_path, parts, frames):
    stitch(parts, tmp_path / "film.mp4")
    with pytest.raises(BackendError, match=f"holds 24 frames, the plan has {frames}"):
        check_stitched(tmp_path / "film.mp4", parts, frames, FPS)


def test_a_film_missing_a_part_or_with_parts_reordered_is_refused(tmp_path, parts):
    stitch(parts[:2], tmp_path / "short.mp4")
    with pytest.raises(BackendError, match="the plan has 24"):
        check_stitched(tmp_path / "short.mp4", parts, 24, FPS)
    with pytest.raises(BackendError, match="ends inside c.mp4"):
        check_stitched(tmp_path / "short.mp4", parts, 18, FPS)
    stitch([parts[1], parts[0], parts[2]], tmp_path / "swapped.mp4")
    assert decoded_frames(tmp_path / "swapped.mp4") == 24  # decodes: a full decode cannot tell
    with pytest.raises(BackendError, match="is not a.mp4's frame"):
        check_stitched(tmp_path / "swapped.mp4", parts, 24, FPS)


def test_a_cut_or_corrupted_film_is_refused(tmp_path, parts):
    film = tmp_path / "film.mp4"
    stitch(parts, film)
    whole = video_track(film)
    data = film.read_bytes()
    (tmp_path / "cut.mp4").write_bytes(data[:whole.offsets[20]])
    with pytest.raises(BackendError, match="cut short"):
        check_stitched(tmp_path / "cut.mp4", parts, 24, FPS)
    flip(film, whole.offsets[12] + whole.sizes[12] // 2)  # inside b.mp4's third picture
    with pytest.raises(BackendError, match="frame 12 is not b.mp4's frame 2"):
        check_stitched(film, parts, 24, FPS)
    (tmp_path / "junk.mp4").write_bytes(b"not a video at all")
    with pytest.raises(BackendError, match="no moov box"):
        check_stitched(tmp_path / "junk.mp4", parts, 24, FPS)


def test_a_truncated_part_is_refused(tmp_path, parts):
    data = parts[1].read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[:len(data) - len(data) // 3])  # its index intact, a third of its pictures gone
    with pytest.raises(BackendError, match="ffmpeg failed to stitch"):  # ffmpeg's -xerror
        stitch([parts[0], cut, parts[2]], tmp_path / "film.mp4")
    stitch(parts, tmp_path / "film.mp4")  # and a film checked against the cut part does not match it
    with pytest.raises(BackendError, match="is not cut.mp4's frame"):
        check_stitched(tmp_path / "film.mp4", [parts[0], cut, parts[2]], 24, FPS)


def test_a_part_of_another_size_is_refused_though_the_film_decodes(tmp_path, parts):
    wide = tmp_path / "wide.mp4"
    encode(wide, 6, size=(128, 72))
    film = tmp_path / "film.mp4"
    stitch([parts[0], parts[1], wide], film)
    with pytest.raises(BackendError, match="wide.mp4 is avc1 128x72, the film avc1 96x64"):
        check_stitched(film, [parts[0], parts[1], wide], 24, FPS)


def test_parts_encoded_with_other_settings_pass_with_their_own_parameter_sets(tmp_path, parts):
    """Two crf values give two picture parameter sets: ffmpeg repeats each part's own before its keyframes, so
    the film decodes every part as it was made, and the check accepts exactly that."""
    from test_video import frame

    from scriptagent.media import FrameWriter

    other = tmp_path / "other.mp4"
    with FrameWriter(other, size=(96, 64), fps=FPS, crf=35) as writer:
        for index in range(6):
            writer.write(frame(index))
    assert video_track(other).entries[0].pps != video_track(parts[0]).entries[0].pps
    film = tmp_path / "film.mp4"
    stitch([parts[0], other], film)
    check_stitched(film, [parts[0], other], 16, FPS)


def test_renders_are_read_against_their_records_while_ffmpeg_joins_them(tmp_path, parts):
    from scriptagent.integrity import record_file, record_path, recorded_tracks

    for part in parts:
        record_file(part)
    film = tmp_path / "film.mp4"
    tracks = stitch(parts, film, meanwhile=lambda: recorded_tracks(parts))
    assert [len(track.sizes) for track in tracks] == [10, 8, 6]
    check_stitched(film, parts, 24, FPS, tracks)
    flip(parts[1], video_track(parts[1]).offsets[3] + 5)  # a picture's byte: same size, other bytes
    film.unlink()
    with pytest.raises(BackendError, match="b.mp4: changed or damaged since it was made"):
        stitch(parts, film, meanwhile=lambda: recorded_tracks(parts))
    assert not film.exists() and not record_path(parts[1]).exists()  # nothing made; made again next time
    assert not [p.name for p in tmp_path.iterdir() if ".tmp" in p.name]
