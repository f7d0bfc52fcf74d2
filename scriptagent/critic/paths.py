"""Where the critic's files live in a build (no heavy imports: the task graph reads these on every run).

    build/scores/<segment>.json             per shot: the metrics; skipped metrics with reason and fix; takes
    build/scores/<segment>.features.npz     the sampled frames' embeddings (for the film's alignment)
    build/thumbs/<segment>/<k>.<which>.jpg  first, middle and last frame of the segment's k-th shot (the report)
    build/scores/_film.json                 the film: metrics, joins, per-shot alignment, the film rubric
    build/scores/_script.json               the script rubric (rule-based and judged)
    build/takes/<segment>/                  retakes: takeN.mp4, takeN.first.png, takeN.last.png, takeN.json, takes.json

Film and script files start with '_', which no segment id can, so they never collide with a segment's.
"""

from __future__ import annotations

from pathlib import Path

STRIP = ("first", "middle", "last")


def score_file(build: Path, segment_id: str) -> Path:
    return Path(build) / "scores" / f"{segment_id}.json"


def features_file(build: Path, segment_id: str) -> Path:
    return Path(build) / "scores" / f"{segment_id}.features.npz"


def thumb_file(build: Path, segment_id: str, index: int, which: str) -> Path:
    return Path(build) / "thumbs" / segment_id / f"{index}.{which}.jpg"


def thumb_files(build: Path, segment_id: str, pieces: int) -> list[Path]:
    return [thumb_file(build, segment_id, k, which) for k in range(pieces) for which in STRIP]


def film_score_file(build: Path) -> Path:
    return Path(build) / "scores" / "_film.json"


def script_score_file(build: Path) -> Path:
    return Path(build) / "scores" / "_script.json"


def takes_folder(build: Path, segment_id: str) -> Path:
    return Path(build) / "takes" / segment_id


def takes_file(build: Path, segment_id: str) -> Path:
    return takes_folder(build, segment_id) / "takes.json"
