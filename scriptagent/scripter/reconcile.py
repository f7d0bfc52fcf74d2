"""script.yaml across edits of production.yaml: stable shot ids, and dialogue edits carried into a hand-edited script.

What makes it work is a note scriptagent writes on each shot's id line:

    - id: sh05 # made 3f9a0c12 from 7be41d09

`made` is the digest of the shot as scriptagent wrote it: a shot whose content no longer has it was edited by hand.
`from` holds, per dialogue entry of the shot, the digest of the production line it says (speaker, parenthetical and
words): an entry whose production line no longer has it was edited in production.yaml. A note changes only with
its own shot, so two branches that edit different dialogue lines change different lines of script.yaml, and git
merges them cleanly; nothing that describes the whole script changes with a dialogue edit.

- `keep_shot_ids`: a regenerated script takes the ids of the previous one. Old and new shots are aligned with
  difflib.SequenceMatcher on what they say (their speakers and lines; size and camera movement for shots without
  lines); aligned shots keep their id, a new shot gets one after its predecessor's (`sh07a`), never one in use.
- `dialogue_changes`: production.yaml's dialogue against the lines the script says, read through the notes: which
  lines production.yaml edited, added, removed or gave to another speaker since the script was made.
- `follow_dialogue_edits`: an edited line's new words written into the shots that say it, in a round trip that
  keeps every comment and every other hand edit.
"""

from __future__ import annotations

import difflib
import io
import itertools
import re
import string
from dataclasses import dataclass, field

from ruamel.yaml.util import load_yaml_guess_indent

from ..schema import DialogueLine, Production, Script, Shot, digest
from ..timing import dialogue_seconds, shot_seconds
from ..yamlio import _yaml

DIGEST_LENGTH = 8  # per shot and per line: short, since a note sits on every shot's id line
UNRECORDED = "-"  # a dialogue entry whose production line was not known when the note was written
SIMILAR_TEXT = 0.6  # a text this similar to another is that text, edited (as the dialogue validator reads it)
NOTE = re.compile(r"^#\s*made\s+(?P<made>[0-9a-f]+)(?:\s+from(?P<sources>(?:\s+(?:[0-9a-f]+|-))*))?\s*$")


def line_digest(line: DialogueLine) -> str:
    # defaults left out: a field added to DialogueLine later must not make every recorded line look edited
    return digest(line.model_dump(mode="json", exclude_defaults=True))[:DIGEST_LENGTH]


def shot_digest(shot: Shot) -> str:
    return digest(shot.model_dump(mode="json"))[:DIGEST_LENGTH]


# --- the note on each shot ------------------------------------------------------------------------------------

def shot_note(shot: Shot, sources: list[str]) -> str:
    """'made <digest of the shot> from <one digest per dialogue entry>' (no `from` for a shot without lines)."""
    return f"made {shot_digest(shot)}" + (f" from {' '.join(sources)}" if sources else "")


def notes_in(tree) -> dict[str, tuple[str, list[str]]]:
    """shot id -> (made digest, per-entry line digests) for every shot of a script.yaml tree that has its note."""
    notes = {}
    for scene in _items(tree.get("scenes") if isinstance(tree, dict) else None):
        for shot_map in _items(scene.get("shots") if isinstance(scene, dict) else None):
            note = _note_of(shot_map)
            if note and isinstance(shot_map.get("id"), str):
                notes[shot_map["id"]] = note
    return notes


def _items(value) -> list:
    return value if isinstance(value, list) else []


def _note_token(shot_map):
    """The comment token at the end of a shot's `id:` line in a round-trip tree, or None."""
    try:
        return shot_map.ca.items["id"][2]
    except (AttributeError, KeyError, IndexError, TypeError):
        return None


def _note_of(shot_map) -> tuple[str, list[str]] | None:
    token = _note_token(shot_map)
    match = NOTE.match(token.value.split("\n")[0].strip()) if token is not None else None
    return (match["made"], (match["sources"] or "").split()) if match else None


# --- aligning two sequences -----------------------------------------------------------------------------------

def _align(old_keys: list, new_keys: list, pair_replaced) -> list[tuple[int, int]]:
    """(old index, new index) pairs in order: runs with equal keys pair one to one; a replaced run is paired by
    `pair_replaced(old indices, new indices)`; what is inserted or deleted stays unpaired."""
    pairs = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False).get_opcodes():
        if tag == "equal":
            pairs += zip(range(i1, i2), range(j1, j2))
        elif tag == "replace":
            pairs += pair_replaced(list(range(i1, i2)), list(range(j1, j2)))
    return pairs


def _similar_pairs(old: list[int], new: list[int], old_text, new_text) -> list[tuple[int, int]]:
    """A replaced run: position by position when both sides are as long (a line edited in place); otherwise each
    old item takes the most similar new item after the previous pair, if it is similar enough."""
    if len(old) == len(new):
        return list(zip(old, new))
    pairs, first_free = [], 0
    for i in old:
        best_ratio, best = 0.0, None
        for k in range(first_free, len(new)):
            ratio = difflib.SequenceMatcher(None, old_text(i), new_text(new[k])).ratio()
            if ratio > best_ratio:  # the earliest of equals
                best_ratio, best = ratio, k
        if best is not None and best_ratio >= SIMILAR_TEXT:
            pairs.append((i, new[best]))
            first_free = best + 1
    return pairs


# --- stable shot ids ------------------------------------------------------------------------------------------

def _shot_key(shot: Shot) -> tuple:
    if shot.dialogue:
        return tuple((line.speaker, " ".join(line.line.split())) for line in shot.dialogue)
    return (shot.shot_size.value, shot.camera_movement.value)  # the establishing shot, the closing wide, ...


def _shot_text(shot: Shot) -> str:
    return " ".join(f"{line.speaker}: {line.line}" for line in shot.dialogue) or shot.description


def keep_shot_ids(script: Script, previous: Script) -> Script:
    """`script` with the shot ids of `previous` wherever a shot is still there (see the module's docstring).

    Shots are aligned scene by scene, each scene with the previous script's scene of the same id wherever it now
    is: a moved scene keeps every id, and an edit in one scene renames nothing in another."""
    old_scenes = {scene.id: scene.shots for scene in previous.scenes}
    used = {shot.id for _, shot in previous.shots()}  # a removed shot's id is not given to another
    data = script.model_dump(mode="json")
    for scene_data, scene in zip(data["scenes"], script.scenes):
        old, new = old_scenes.get(scene.id, []), scene.shots
        pairs = _align([_shot_key(shot) for shot in old], [_shot_key(shot) for shot in new],
                       lambda o, n: _similar_pairs(o, n, lambda i: _shot_text(old[i]), lambda j: _shot_text(new[j])))
        kept = {j: old[i].id for i, j in pairs}
        ids: list[str] = []
        for j, shot in enumerate(new):
            if j in kept:
                ids.append(kept[j])
            elif shot.id not in used and shot.id not in kept.values():
                ids.append(shot.id)  # a new scene's own ids (or a new shot whose id is free)
            else:
                ids.append(_fresh_id(ids[-1] if ids else re.sub(r"\d+$", "", shot.id) + "00", used))
            used.add(ids[-1])
        for shot_data, shot_id in zip(scene_data["shots"], ids):
            shot_data["id"] = shot_id
    return Script.model_validate(data)


def _fresh_id(previous: str | None, used: set[str]) -> str:
    """An id after `previous` that renumbers nothing: sh07 -> sh07a, sh07b, ...; after sh07a, sh07b."""
    base = re.sub(r"(?<=\d)[a-z]+$", "", previous) if previous else "sh00"
    if not base[-1].isdigit():
        base += "-"  # a hand-chosen id such as 'opening': 'opening-a'
    for length in itertools.count(1):
        for letters in itertools.product(string.ascii_lowercase, repeat=length):
            if base + "".join(letters) not in used:
                return base + "".join(letters)


# --- the dialogue: the script's lines against production.yaml's ---------------------------------------------

Entry = tuple[int, int, int]  # (scene, shot, dialogue entry) indices in the script


@dataclass
class Spoken:
    """A line as the script says it: one dialogue entry, or the consecutive entries that split one line."""

    speaker: str
    entries: list[Entry]
    texts: list[str]
    recorded: str | None  # digest of the production line it was made from (the shot's note), None when unknown
    key: object = None  # what it is aligned on: the digest of the production line it says, as far as known

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.texts).split())


@dataclass
class DialogueChanges:
    """What production.yaml's dialogue changed since the script was made, as the script's notes tell."""

    spoken: list[Spoken]
    digests: list[str]  # of production.yaml's lines
    pairs: list[tuple[int, int]]  # (index in spoken, index in production.lines)
    edited: list[tuple[Spoken, int]] = field(default_factory=list)  # new words (or parenthetical), same speaker
    reassigned: list[tuple[Spoken, int]] = field(default_factory=list)  # production gives the line to another
    added: list[int] = field(default_factory=list)  # production lines no shot was made from
    removed: list[Spoken] = field(default_factory=list)  # lines made from production lines that are gone

    @property
    def in_step(self) -> bool:
        """True when the script says exactly production.yaml's lines, each made from the line as it is now."""
        return [item.key for item in self.spoken] == self.digests


def spoken_lines(script: Script, production: Production, sources: dict[str, list[str]]) -> list[Spoken]:
    """The script's lines in order. Entries recorded from the same production line are one line (its parts);
    unrecorded entries are joined where that gives a production line's words exactly."""
    flat: list[tuple[Entry, str, str, str | None]] = []
    for scene_index, scene in enumerate(script.scenes):
        for shot_index, shot in enumerate(scene.shots):
            recorded = sources.get(shot.id, [])
            if len(recorded) != len(shot.dialogue):  # entries added or removed by hand: the note no longer fits
                recorded = [UNRECORDED] * len(shot.dialogue)
            for index, (line, source) in enumerate(zip(shot.dialogue, recorded)):
                flat.append(((scene_index, shot_index, index), line.speaker, line.line,
                             None if source == UNRECORDED else source))
    by_words = {}
    for line in production.lines:
        by_words.setdefault((line.speaker, " ".join(line.line.split())), line_digest(line))
    spoken, start = [], 0
    while start < len(flat):
        _, speaker, _, recorded = flat[start]
        end = start + 1
        if recorded:
            while end < len(flat) and flat[end][1] == speaker and flat[end][3] == recorded:
                end += 1
        else:
            for stop in range(start + 1, len(flat) + 1):
                if flat[stop - 1][1] != speaker or flat[stop - 1][3]:
                    break
                if (speaker, " ".join(" ".join(item[2] for item in flat[start:stop]).split())) in by_words:
                    end = stop  # the longest run that is a whole production line
        item = Spoken(speaker, [e[0] for e in flat[start:end]], [e[2] for e in flat[start:end]], recorded)
        item.key = recorded or by_words.get((speaker, item.text)) or object()  # object(): equal to nothing
        spoken.append(item)
        start = end
    return spoken


def dialogue_changes(script: Script, production: Production, sources: dict[str, list[str]]) -> DialogueChanges:
    """Align the script's lines with production.yaml's (SequenceMatcher on line digests; a replaced run pairs
    position by position, by speaker runs or by similar words) and sort out what production.yaml changed."""
    spoken = spoken_lines(script, production, sources)
    lines = production.lines
    digests = [line_digest(line) for line in lines]

    def pair_replaced(old: list[int], new: list[int]) -> list[tuple[int, int]]:
        runs: list[list[int]] = []
        for i in old:  # the parts of one reworded line, split across shots, are one speaker's run
            if runs and spoken[runs[-1][0]].speaker == spoken[i].speaker:
                runs[-1].append(i)
            else:
                runs.append([i])
        if len(old) != len(new) and len(runs) == len(new) and all(
                spoken[run[0]].speaker == lines[j].speaker for run, j in zip(runs, new)):
            return [(i, j) for run, j in zip(runs, new) for i in run]
        return _similar_pairs(old, new, lambda i: spoken[i].text, lambda j: " ".join(lines[j].line.split()))

    pairs = _align([item.key for item in spoken], digests, pair_replaced)
    changes = DialogueChanges(spoken, digests, pairs)
    claimed = set()
    for i, j in pairs:
        item = spoken[i]
        if item.recorded is None or item.recorded == digests[j]:
            continue  # unchanged, or a line written by hand: the validators judge those
        if j in claimed:
            changes.removed.append(item)  # two lines made one in production.yaml: this one is gone
        elif item.speaker != lines[j].speaker:
            changes.reassigned.append((item, j))
        else:
            changes.edited.append((item, j))
        claimed.add(j)
    paired_spoken, paired_lines = {i for i, _ in pairs}, {j for _, j in pairs}
    recorded = {item.recorded for item in spoken if item.recorded}
    changes.added = [j for j in range(len(lines)) if j not in paired_lines and digests[j] not in recorded]
    changes.removed += [item for i, item in enumerate(spoken)
                        if i not in paired_spoken and item.recorded and item.recorded not in digests]
    return changes


def line_sources(script: Script, production: Production) -> dict[str, list[str]]:
    """shot id -> the digest of the production line each of its dialogue entries says: the notes of a script just
    generated from `production`."""
    changes = dialogue_changes(script, production, {})
    by_entry = {entry: changes.digests[j] for i, j in changes.pairs for entry in changes.spoken[i].entries}
    return {shot.id: [by_entry.get((scene_index, shot_index, index), UNRECORDED) for index in range(len(shot.dialogue))]
            for scene_index, scene in enumerate(script.scenes) for shot_index, shot in enumerate(scene.shots)}


# --- carrying dialogue edits into a hand-edited script ---------------------------------------------------------

def spread_words(text: str, parts: list[str]) -> list[str] | None:
    """`text` cut into as many parts as `parts`, each new word going to the part whose old word it is or replaces;
    None when a part would be left without words."""
    if len(parts) == 1:
        return [text]
    old_words, owner = [], []
    for index, part in enumerate(parts):
        words = part.split()
        old_words += words
        owner += [index] * len(words)
    new_words = text.split()
    spread: list[list[str]] = [[] for _ in parts]
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2)):
                spread[owner[i]].append(new_words[j])
        elif j1 < j2:  # replaced or inserted words join the part they replace, else the part before them
            spread[owner[i1] if i1 < i2 else owner[max(i1 - 1, 0)]] += new_words[j1:j2]
    return [" ".join(words) for words in spread] if all(spread) else None


def follow_dialogue_edits(text: str, production: Production,
                          edited: list[tuple[Spoken, int]]) -> tuple[str, list[tuple[Spoken, int]]]:
    """script.yaml's text with production.yaml's edited lines written into the shots that say them.

    A round trip through ruamel keeps comments, order, quoting and every other hand edit; a shot's note takes the
    new line's digest (so the next build sees the line as followed), and a shot too short for its new words is
    lengthened. Returns the new text and the edits that could not be spread over the parts of a split line.
    """
    yaml = _yaml()
    yaml.preserve_quotes = True
    _, indent, offset = load_yaml_guess_indent(text)
    if indent is not None and offset is not None and indent > offset:
        yaml.indent(mapping=indent - offset, sequence=indent, offset=offset)  # the file's own indentation
    tree = yaml.load(text)
    touched = {}  # (scene, shot) -> (the shot's map in the tree, its line digests)
    unfitting = []
    for item, index in edited:
        line = production.lines[index]
        texts = spread_words(line.line, item.texts)
        if texts is None:
            unfitting.append((item, index))
            continue
        for (scene, shot, entry), words in zip(item.entries, texts):
            if (scene, shot) not in touched:
                shot_map = tree["scenes"][scene]["shots"][shot]
                touched[(scene, shot)] = (shot_map, _note_of(shot_map)[1])  # recorded lines: the shot has its note
            shot_map, line_digests = touched[(scene, shot)]
            shot_map["dialogue"][entry]["line"] = words
            line_digests[entry] = line_digest(line)
    words_per_second = production.scripter.words_per_second
    for shot_map, line_digests in touched.values():
        lines = [entry["line"] for entry in shot_map["dialogue"]]
        if dialogue_seconds(lines, words_per_second) > float(shot_map["duration"]):
            shot_map["duration"] = shot_seconds(lines, words_per_second)
        made, _ = _note_of(shot_map)  # `made` stays: the shot is no longer as it was made
        _note_token(shot_map).value = f"# made {made} from {' '.join(line_digests)}\n"
    stream = io.StringIO()
    yaml.dump(tree, stream)
    return stream.getvalue(), unfitting
