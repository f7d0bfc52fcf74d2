"""ffmpeg helpers: encoding round trips, determinism, stitching, atomic writes and errors."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PIL import Image

from scriptagent.media import FrameWriter, probe, read_frames, save_png, stitch
from scriptagent.errors import BackendError

SIZE = (96, 64)
FPS = 12
COLOURS = [(200, 30, 40), (20, 180, 60), (30, 60, 220), (128, 128, 128), (250, 250, 250), (10, 10, 10)]


def frame(index: int, size=SIZE) -> np.ndarray:
    """A flat colour with a moving square, so consecutive frames differ."""
    width, height = size
    picture = np.empty((height, width, 3), np.uint8)
    picture[:] = COLOURS[index % len(COLOURS)]
    x = (index * 5) % (width - 16)
    picture[8:24, x:x + 16] = (255, 255, 0)
    return picture


def encode(path, count: int, start: int = 0, size=SIZE, fps=FPS) -> None:
    with FrameWriter(path, size=size, fps=fps) as writer:
        for index in range(start, start + count):
            writer.write(frame(index, size))


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_round_trip_keeps_frames_timing_and_colours(tmp_path):
    path = tmp_path / "clip.mp4"
    encode(path, 10)
    frames, seconds = probe(path)
    assert frames == 10
    assert abs(seconds - 10 / FPS) <= 1 / FPS
    decoded = list(read_frames(path))
    assert len(decoded) == 10
    for index, picture in enumerate(decoded):
        assert picture.shape == (SIZE[1], SIZE[0], 3) and picture.dtype == np.uint8
        # H.264 is lossy: the flat area must keep its colour within a few levels
        expected = np.array(COLOURS[index % len(COLOURS)], np.int16)
        assert np.abs(picture[40:60, 10:80].astype(np.int16) - expected).max() <= 6
    assert leftovers(tmp_path) == []


def test_high_resolution_colours_are_tagged_and_decoded_alike(tmp_path):
    # at HD sizes players assume BT.709: we convert with it and tag it, so colours survive the trip
    path = tmp_path / "hd.mp4"
    encode(path, 2, size=(1280, 720))
    first = next(read_frames(path))
    assert np.abs(first[400:600, 100:1100].astype(np.int16) - np.array(COLOURS[0])).max() <= 6


def test_same_frames_give_the_same_bytes_even_in_parallel(tmp_path):
    encode(tmp_path / "a.mp4", 15)
    threads = [threading.Thread(target=encode, args=(tmp_path / f"p{k}.mp4", 15)) for k in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    reference = (tmp_path / "a.mp4").read_bytes()
    assert all((tmp_path / f"p{k}.mp4").read_bytes() == reference for k in range(3))


def test_stitch_adds_up_frames_and_duration(tmp_path):
    counts = [7, 12, 5]
    parts = []
    start = 0
    for number, count in enumerate(counts):
        parts.append(tmp_path / f"part{number}.mp4")
        encode(parts[-1], count, start=start)
        start += count
    film = tmp_path / "film.mp4"
    stitch(parts, film)
    frames, seconds = probe(film)
    assert frames == sum(counts)
    assert abs(seconds - sum(counts) / FPS) <= 1 / FPS
    decoded = list(read_frames(film))
    assert len(decoded) == sum(counts)
    # each part's frames arrive in order: check the flat colour of every frame
    for index, picture in enumerate(decoded):
        expected = np.array(COLOURS[index % len(COLOURS)], np.int16)
        assert np.abs(picture[40:60, 10:80].astype(np.int16) - expected).max() <= 6
    # stitching is deterministic too
    again = tmp_path / "again.mp4"
    stitch(parts, again)
    assert again.read_bytes() == film.read_bytes()
    assert leftovers(tmp_path) == []


def test_stitch_handles_quotes_in_paths(tmp_path):
    folder = tmp_path / "it's here"
    folder.mkdir()
    encode(folder / "a.mp4", 3)
    stitch([folder / "a.mp4", folder / "a.mp4"], folder / "out.mp4")
    assert probe(folder / "out.mp4")[0] == 6


def test_failed_encode_raises_backend_error_and_leaves_no_file(tmp_path):
    target = tmp_path / "odd.mp4"
    # libx264 cannot encode yuv420p with odd sides: ffmpeg fails and says so
    with pytest.raises(BackendError) as error:
        with FrameWriter(target, size=(95, 63), fps=FPS) as writer:
            for _ in range(5):
                writer.write(np.zeros((63, 95, 3), np.uint8))
    assert "ffmpeg" in str(error.value)
    assert "exit" in str(error.value)
    assert not target.exists()
    assert leftovers(tmp_path) == []


def test_exception_inside_the_block_leaves_no_file(tmp_path):
    target = tmp_path / "broken.mp4"
    with pytest.raises(RuntimeError):
        with FrameWriter(target, size=SIZE, fps=FPS) as writer:
            writer.write(frame(0))
            raise RuntimeError("renderer crashed")
    assert not target.exists()
    assert leftovers(tmp_path) == []


def test_write_rejects_frames_of_the_wrong_shape(tmp_path):
    with pytest.raises(ValueError):
        with FrameWriter(tmp_path / "x.mp4", size=SIZE, fps=FPS) as writer:
            writer.write(np.zeros((SIZE[0], SIZE[1], 3), np.uint8))  # transposed
    assert not (tmp_path / "x.mp4").exists()


def test_no_frames_is_an_error(tmp_path):
    with pytest.raises(BackendError):
        with FrameWriter(tmp_path / "empty.mp4", size=SIZE, fps=FPS):
            pass
    assert not (tmp_path / "empty.mp4").exists()


def test_stitch_of_a_broken_file_raises_and_leaves_no_file(tmp_path):
    good, bad = tmp_path / "good.mp4", tmp_path / "bad.mp4"
    encode(good, 3)
    bad.write_bytes(b"this is not a video")
    with pytest.raises(BackendError) as error:
        stitch([good, bad], tmp_path / "film.mp4")
    assert "ffmpeg failed" in str(error.value)
    assert not (tmp_path / "film.mp4").exists()
    assert leftovers(tmp_path) == []
    with pytest.raises(BackendError):
        stitch([good, tmp_path / "missing.mp4"], tmp_path / "film.mp4")


def test_reading_or_probing_a_missing_file_is_a_backend_error(tmp_path):
    with pytest.raises(BackendError):
        probe(tmp_path / "nope.mp4")
    with pytest.raises(BackendError):
        list(read_frames(tmp_path / "nope.mp4"))


def test_save_png_is_exact_and_deterministic(tmp_path):
    picture = np.random.default_rng(0).integers(0, 256, (SIZE[1], SIZE[0], 3), dtype=np.uint8)
    save_png(picture, tmp_path / "a.png")
    save_png(Image.fromarray(picture), tmp_path / "b.png")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert np.array_equal(np.asarray(Image.open(tmp_path / "a.png")), picture)
    assert leftovers(tmp_path) == []
