"""The scenes being built: a place, a scene (its body, who is there, seen or heard) and an intercut."""

from __future__ import annotations

from dataclasses import dataclass

from .names import DEVICE

BODY_KEYS = {"action", "transition", "speaker", "line", "parenthetical", "off_screen"}  # never a short-form id


@dataclass
class Place:
    key: str
    heading: str
    base: str


class Scene:
    def __init__(self, scene_id: str, heading: str, place: Place, line: int, piece: bool = False):
        self.id, self.heading, self.place, self.line = scene_id, heading, place, line
        self.piece = piece  # a turn of an intercut: no description, present fixed
        self.description: list[str] = []
        self.description_lines: list[int] = []
        self.describing = not piece  # still reading the opening action into the description
        self.before_dialogue = True
        self.body: list[dict] = []
        self.lines: list[int] = []
        self.present: list[str] = []
        self.remote: set[str] = set()  # heard through a device, not (yet) seen
        self.onscreen: set[str] = set()
        self.first_kind: dict[str, str | None] = {}

    def data(self) -> dict:
        scene = {"id": self.id, "heading": self.heading}
        if self.description:
            scene["description"] = " ".join(self.description)
        present = [cast_id for cast_id in self.present if self.piece or self.first_kind.get(cast_id) not in
                   (DEVICE | {"os"})]
        if present:
            scene["present"] = present
        scene["body"] = self.body
        return scene


class Intercut:
    def __init__(self, places: list[Place], line: int):
        self.places = places
        self.line = line
        self.assigned: dict[str, Place] = {}
        self.piece: Scene | None = None
        self.held: list[tuple[str, int]] = []  # action before the first turn
