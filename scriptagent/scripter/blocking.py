"""Screen geography for the rule-based scripter: who enters and leaves, and one place in the frame per character
for a whole scene (the 180° rule)."""

from __future__ import annotations

import re

from ..schema import ActionBeat, DialogueLine, Production, ProductionScene

EXIT_WORDS = re.compile(r"\b(leaves|exits|walks out|goes out|storms out|hurries out|steps out|is gone)\b", re.I)


ENTRANCE_WORDS = ("enters", "enter", "walks in", "comes in", "come in", "arrives", "arrive", "appears", "steps in",
                  "shuffles in", "bursts in", "runs in", "hurries in", "returns", "is there", "sits", "stands")


def named_in(text: str, names: dict[str, str], acting: bool = False) -> list[str]:
    """The cast ids whose name (or id) an action names, in the order the text names them. With `acting`, only
    those it names as doing something there: at the head of a sentence or of a clause after 'and', or before an
    entrance word ("Ben walks in"); "Scott dials NAK" brings Scott into the shot, not Nak."""
    found = []
    for cast_id, name in names.items():
        for match in re.finditer(rf"\b({re.escape(name)}|{re.escape(cast_id)})\b", text, re.I):
            before = text[:match.start()].rstrip()
            after = text[match.end():].lstrip(" ,").lower()
            heads = not before or before.endswith((".", "!", "?", ";", ":")) or re.search(r"\band$", before)
            if not acting or heads or after.startswith(ENTRANCE_WORDS):
                found.append((match.start(), cast_id))
                break
    return [cast_id for _, cast_id in sorted(found)]


def scene_order(production: Production, scene: ProductionScene) -> list[str]:
    """Who is in the scene, in the order that decides the sides of the frame: speakers seen on screen in the order
    they first speak, then those present or named in an action. In the one-scene form the whole cast is there."""
    names = {member.id: member.name for member in production.cast}
    order = []
    for item in scene.body:
        if isinstance(item, DialogueLine) and not item.off_screen and item.speaker not in order:
            order.append(item.speaker)
    order += [cast_id for cast_id in scene.present if cast_id not in order]
    for item in scene.body:
        if isinstance(item, ActionBeat):
            order += [cast_id for cast_id in named_in(item.action, names, acting=True) if cast_id not in order]
    if production.scenes is None:  # one scene: the silent cast stands there too
        order += [member.id for member in production.cast if member.id not in order]
    return order


def home_positions(order: list[str]) -> dict[str, str]:
    """One place per character for the whole scene: first speaker left, second right, the rest at the back."""
    if len(order) == 1:
        return {order[0]: "center, facing camera"}
    places = ["left third, facing right", "right third, facing left", "center background, facing camera"]
    return {character: places[index] if index < len(places) else f"center background, behind the others "
            f"(place {index - 1})" for index, character in enumerate(order)}


def frame_side(position: str) -> str:
    return "left" if position.startswith("left") else "right" if position.startswith("right") else "center"


def frame_place(position: str) -> str:
    """Where a position puts someone, in description words."""
    side = frame_side(position)
    if side != "center":
        return f"frame {side}"
    if position.startswith("center,"):
        return "center frame"
    return "further back" if "behind the others" in position else "in the background"
