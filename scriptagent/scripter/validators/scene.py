"""3. Scene coherence: who speaks is in the shot, the lines fit the shot's time, an empty shot shows the place."""

from __future__ import annotations

from ...schema import MAX_SHOT_SECONDS, Production, Script, Shot, ShotSize
from ...timing import TAIL_SECONDS, dialogue_seconds, shot_seconds
from .findings import ERROR, WARNING, Finding, shots

TIMING_TOLERANCE = 1.15  # lines may need up to 15% more than the shot has before we warn
TIMING_LIMIT = 1.5  # past this the lines cannot be played in the shot at a natural pace
OPEN_SHOT_SIZES = {ShotSize.extreme_wide, ShotSize.wide, ShotSize.full}  # may show only the setting


def check_scene_coherence(script: Script, production: Production) -> list[Finding]:
    """Who speaks is in the shot, the lines fit the shot's time, and an empty shot shows the setting."""
    words_per_second = production.scripter.words_per_second
    findings = []
    for path, shot in shots(script):
        in_frame = {character.id for character in shot.characters}
        for index, line in enumerate(shot.dialogue):
            if not line.off_screen and line.speaker not in in_frame:
                findings.append(Finding("scene", ERROR, f"{line.speaker} speaks on screen but is not in the shot",
                                        shot.id, (*path, "dialogue", index, "speaker"),
                                        f"add {line.speaker} to the shot's characters or mark the line "
                                        "off_screen: true"))
        findings += _timing_findings(path, shot, words_per_second)
        if not shot.characters and not shot.dialogue and shot.shot_size not in OPEN_SHOT_SIZES:
            findings.append(Finding("scene", WARNING, f"a {shot.shot_size.value} shot with no characters and no "
                                    "dialogue shows nothing in particular", shot.id, (*path, "shot_size"),
                                    "make it wide, extreme-wide or full to show the setting, or put someone in it"))
    return findings


def _timing_findings(path: tuple, shot: Shot, words_per_second: float) -> list[Finding]:
    texts = [line.line for line in shot.dialogue]
    needed = dialogue_seconds(texts, words_per_second)
    if needed <= shot.duration * TIMING_TOLERANCE:
        return []
    severity = ERROR if needed > shot.duration * TIMING_LIMIT else WARNING
    wanted = shot_seconds(texts, words_per_second)
    hint = (f"make the duration {wanted:g} s" if needed + TAIL_SECONDS <= MAX_SHOT_SECONDS else
            f"move some lines to another shot (a shot is at most {MAX_SHOT_SECONDS:g} s)")
    return [Finding("scene", severity, f"the lines need about {needed:.1f} s but the shot lasts {shot.duration:g} s",
                    shot.id, (*path, "duration"), hint)]
