"""The scripters that ask a language model, and the paper's multi-round adaptive error correction.

    system.j2 + user.j2 ─> model ─> reply ─> parse ─> Script schema ─> four validators ─> script
                             ^                          │ problems
                             └──── repair.j2 <──────────┘ (up to repair_rounds times)

The model is asked through `scriptagent.lm.chat`, which picks the backend by `config.backend` (transformers,
openai); the backends' subclasses here only name the model and find checkpoints.

`scripter.format: released` (or `auto` finding the authors' released adapter, XD-MU/ScriptAgent) asks as they
do: the raw dialogue as the user message (templates/scripter/released_*.j2), the reply in their sectioned text,
read into the same schema (released_format.py) and through the same validators and repair rounds, the problems
put in the terms of their format (node numbers, sections).
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

from ..errors import BackendError
from ..lm import chat
from ..schema import Character, Production, Scene, Script
from .prompts import RELEASED_TEMPLATE_NAMES, TEMPLATE_NAMES, Prompts, production_context
from .released import released_terms
from .reply import review_reply


@functools.cache
def script_json_schema() -> dict:
    return Script.model_json_schema()


class ScriptGenerationError(BackendError):
    """The model's script still had problems after the last repair round."""


def say(message: str) -> None:
    print(f"scripter: {message}", file=sys.stderr, flush=True)


class LanguageModelScripter:
    """production.yaml -> Script by asking a language model, repairing its script until the validators pass."""

    def __init__(self, config, folder: str | Path | None = None):
        self.config = config
        self.chat_config = config  # what the model is asked with (a subclass may resolve the model's path)
        self.folder = Path(folder if folder is not None else ".")
        self.prompts = Prompts(self.folder)
        self.provenance: dict = {}  # filled by write(): what script.yaml's header records
        self._format: str | None = None

    @property
    def format(self) -> str:
        """json or released: what the model is asked with and answers in (config.format; auto asks detect_format)."""
        if self._format is None:
            self._format = self.detect_format() if self.config.format == "auto" else self.config.format
        return self._format

    def detect_format(self) -> str:
        """What `format: auto` means for this backend: json, unless a subclass recognises the released model."""
        return "json"

    def ask(self, messages: list[dict], seed: int) -> str:
        if self.format == "released":  # their model answers in text: no JSON asked of a server
            config = self.chat_config
            if getattr(config, "response_format", None) == "auto":
                config = config.model_copy(update={"response_format": "text"})
            return chat(messages, config, seed=seed, json_schema=None, setting="scripter")
        return chat(messages, self.chat_config, seed=seed, json_schema=script_json_schema(), setting="scripter")

    def opening(self, production: Production) -> list[dict]:
        """The conversation a scene's script starts from."""
        if self.format != "released":
            return self.prompts.opening(production)
        context = production_context(production)
        system = self.prompts._render("released_system.j2", context).strip()
        return ([{"role": "system", "content": system}] if system else []) + [
            {"role": "user", "content": self.prompts._render("released_user.j2", context)}]

    def repair(self, problems: list[str], production: Production, attempt: int, rounds: int) -> str:
        if self.format != "released":
            return self.prompts.repair(problems, production, attempt, rounds)
        return self.prompts._render("released_repair.j2", {**production_context(production), "round": attempt,
                                                           "rounds": rounds,
                                                           "problems": [released_terms(p) for p in problems]})

    def label(self) -> str:
        return self.config.model

    def write(self, production: Production) -> Script:
        """The script of every scene. A production of many scenes is asked one scene at a time, with the whole
        cast in view: a long screenplay never goes to the model as one prompt, and each scene is repaired on its
        own."""
        seed = production.seed if self.config.seed is None else self.config.seed
        released = self.format == "released"  # their model is asked with their templates: those are the inputs
        templates = self.prompts.digest(RELEASED_TEMPLATE_NAMES if released else TEMPLATE_NAMES)
        self.provenance = {"model": self.config.model, "templates": templates, "seed": seed,
                           **({"format": "released"} if self.format == "released" else {})}
        scenes = production.scene_list
        if len(scenes) == 1:
            script, self.provenance["repairs"] = self._write_one(production, seed)
            return script
        written, repairs = [], 0
        for number, scene in enumerate(scenes, 1):
            say(f"scene {number} of {len(scenes)}: {scene.id} ({scene.heading})")
            part, rounds = self._write_one(production.scene_production(scene), seed)
            repairs += rounds
            shots = [shot for piece in part.scenes for shot in piece.shots]
            prefix = f"{scene.id[:36]}-"  # the model numbers each scene from sh01: ids made unique per scene
            shots = [shot.model_copy(update={"id": f"{prefix}{index:02d}"}) for index, shot in enumerate(shots, 1)]
            written.append(Scene(id=scene.id, setting=scene.setting, shots=shots))
        self.provenance["repairs"] = repairs
        characters = {member.id: Character(name=member.name, appearance=member.appearance)
                      for member in production.cast}
        return Script(title=production.title, characters=characters, scenes=written)

    def _write_one(self, production: Production, seed: int) -> tuple[Script, int]:
        """One scene's script and the repair rounds it took."""
        rounds = self.config.repair_rounds
        opening = self.opening(production)
        messages = opening
        for attempt in range(rounds + 1):
            say(f"asking {self.label()} for the script" if attempt == 0 else
                f"asking {self.label()} to repair it (round {attempt} of {rounds})")
            reply = self.ask(messages, seed + attempt)
            review = review_reply(reply, production, self.format)
            if review.ok:
                say("the script passed the validators" + (f" after {attempt} repair round(s)" if attempt else ""))
                return review.script, attempt
            count = len(review.to_fix)
            cut = " (it stopped at max_new_tokens before it ended)" if getattr(reply, "cut_short", False) else ""
            say(f"the reply has {count} problem{'s' if count != 1 else ''}{cut}, e.g. {review.to_fix[0]}")
            # Only the last attempt goes back: the conversation stays the same length however many rounds it takes.
            messages = opening + [{"role": "assistant", "content": reply},
                                  {"role": "user", "content": self.repair(review.to_fix, production, attempt + 1,
                                                                          rounds)}]
        problems = "\n".join(f"  - {problem}" for problem in review.to_fix)
        raise ScriptGenerationError(
            f"script.yaml: not written: the script from {self.label()} still has {count} "
            f"problem{'s' if count != 1 else ''} after {rounds} repair round{'s' if rounds != 1 else ''}:\n"
            f"{problems}\n"
            + (f"(hint: its last reply stopped at max_new_tokens ({self.config.max_new_tokens}) before it ended: raise "
               "scripter.max_new_tokens)" if getattr(reply, "cut_short", False) else
               "(hint: try a larger or fine-tuned model, raise scripter.repair_rounds, or use backend: rule-based)"))
