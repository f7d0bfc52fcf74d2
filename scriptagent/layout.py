"""Where everything lives: the production folder's files and, in its build folder, every artifact.

    production.yaml, script.yaml, cast/, templates/     the user's (versioned)
    build/plan.json, findings.json                      the plan and the validators' findings
    build/segments/<seg>.json, keyframes/<kf>.json      what one render or keyframe reads (the plan's records)
    build/renders/<seg>.mp4 (+ .json: sha256 record)    the renders; frames/<seg>.first.png, .last.png
    build/renders/<seg>.wav                             the video model's own sound of a render (director.audio)
    build/keyframes/<kf>.png                            the pictures segments start and end on
    build/speech/<line>.wav                             each spoken line
    build/scores/<seg>.json, <seg>.features.npz         per segment: metrics, sampled frames' embeddings
    build/scores/_film.json, _script.json               the film's and the script's scores
    build/thumbs/<seg>/<k>.<first|middle|last>.jpg      the report's stills of the segment's k-th shot
    build/takes/<seg>/                                  retakes (takes.json, takeN.mp4, ...)
    build/variants/<name>/                              an ablation, a production folder of its own
    build/film.mp4, .srt, .vtt, .otio, .fcpxml, .edl    the film and what goes with it (the cut: exports.py)
    build/report.html                                   the report
    build/poster.jpg                                    the report's player's still of the film
    build/cache/                                        the render cache (cache.py; $SCRIPTAGENT_CACHE)

Film and script scores start with '_', which no segment id can, so they never collide with a segment's. Every
task, the critic, the report, the CLI and the executor ask here; nothing else spells a path inside build/.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PRODUCTION_FILE = "production.yaml"
SCRIPT_FILE = "script.yaml"
BUILD_DIR = "build"
STRIP = ("first", "middle", "last")  # the stills of a shot in the report


@dataclass(frozen=True)
class BuildLayout:
    """The paths of one build folder (relative when `root` is, as the task graph uses them)."""

    root: Path = Path(BUILD_DIR)

    def __post_init__(self):
        object.__setattr__(self, "root", Path(self.root))

    @classmethod
    def of(cls, production_folder: str | Path) -> BuildLayout:
        return cls(Path(production_folder) / BUILD_DIR)

    # --- the plan --------------------------------------------------------------------------------------------

    @property
    def plan(self) -> Path:
        return self.root / "plan.json"

    @property
    def findings(self) -> Path:
        return self.root / "findings.json"

    @property
    def segments(self) -> Path:
        return self.root / "segments"

    def segment(self, segment_id: str) -> Path:
        """What the plan hands the renderer for one segment."""
        return self.segments / f"{segment_id}.json"

    @property
    def keyframes(self) -> Path:
        return self.root / "keyframes"

    def keyframe(self, keyframe_id: str, suffix: str = ".png") -> Path:
        """<id>.json: what the picture depends on; <id>.png: the picture."""
        return self.keyframes / f"{keyframe_id}{suffix}"

    # --- renders and speech ----------------------------------------------------------------------------------

    def render(self, segment_id: str) -> Path:
        return self.root / "renders" / f"{segment_id}.mp4"

    def render_sound(self, segment_id: str) -> Path:
        """The video model's own sound of a render (director.audio: model or mix), as long as the segment."""
        return self.render(segment_id).with_suffix(".wav")

    def frame(self, segment_id: str, which: str) -> Path:
        """The first or last frame of a render: chain anchoring starts the next segment from the last."""
        return self.root / "frames" / f"{segment_id}.{which}.png"

    def model_frame(self, segment_id: str) -> Path:
        """The last frame of a render at the video model's own size (lossless), where that differs from the film's:
        the next segment of a chain starts from it, not from the film-size last frame scaled back up."""
        return self.root / "frames" / f"{segment_id}.last.model.png"

    @property
    def speech(self) -> Path:
        return self.root / "speech"

    def line(self, line_id: str) -> Path:
        """One spoken line's recording."""
        return self.speech / f"{line_id}.wav"

    def takes_folder(self, segment_id: str) -> Path:
        return self.root / "takes" / segment_id

    def takes_file(self, segment_id: str) -> Path:
        return self.takes_folder(segment_id) / "takes.json"

    # --- scores ----------------------------------------------------------------------------------------------

    def score(self, segment_id: str) -> Path:
        return self.root / "scores" / f"{segment_id}.json"

    def features(self, segment_id: str) -> Path:
        return self.root / "scores" / f"{segment_id}.features.npz"

    @property
    def film_score(self) -> Path:
        return self.root / "scores" / "_film.json"

    @property
    def script_score(self) -> Path:
        return self.root / "scores" / "_script.json"

    def thumb(self, segment_id: str, index: int, which: str) -> Path:
        return self.root / "thumbs" / segment_id / f"{index}.{which}.jpg"

    def thumbs(self, segment_id: str, shots: int) -> list[Path]:
        return [self.thumb(segment_id, k, which) for k in range(shots) for which in STRIP]

    # --- the film ---------------------------------------------------------------------------------------------

    @property
    def film(self) -> Path:
        return self.root / "film.mp4"

    @property
    def subtitles(self) -> Path:
        return self.root / "film.srt"

    @property
    def web_subtitles(self) -> Path:
        return self.root / "film.vtt"

    @property
    def timeline(self) -> Path:
        """The cut for an editor's NLE (OpenTimelineIO)."""
        return self.root / "film.otio"

    @property
    def fcpxml(self) -> Path:
        """The cut for Final Cut Pro and DaVinci Resolve (FCPXML; exports.py)."""
        return self.root / "film.fcpxml"

    @property
    def edl(self) -> Path:
        """The cut for Premiere and Avid (a CMX 3600 EDL; exports.py)."""
        return self.root / "film.edl"

    @property
    def report(self) -> Path:
        return self.root / "report.html"

    @property
    def poster(self) -> Path:
        """The still the report's player shows before it plays (report.py writes it with the page)."""
        return self.root / "poster.jpg"

    @property
    def comparison(self) -> Path:
        """compare.md, and compare.json beside it: the build and its variants side by side."""
        return self.root / "compare.md"

    @property
    def variants(self) -> Path:
        return self.root / "variants"

    def variant_folder(self, name: str) -> Path:
        """A variant is a production folder of its own inside this build."""
        return self.variants / name

    def variant(self, name: str) -> BuildLayout:
        return BuildLayout.of(self.variant_folder(name))

    # --- the build's own state ----------------------------------------------------------------------------------

    @property
    def state(self) -> Path:
        """doit's record of what is up to date (sqlite)."""
        return self.root / ".doit.db"

    @property
    def cache(self) -> Path:
        """The render cache, unless $SCRIPTAGENT_CACHE names a shared one (cache.py)."""
        return self.root / "cache"
