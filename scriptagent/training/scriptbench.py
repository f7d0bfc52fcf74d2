"""Building a ScriptBench-style dataset from raw dialogue transcripts, the paper's three stages:

1. Context reconstruction and dialogue fusion: a language model reads the transcript and returns the title,
   setting and characters (with appearances) and the dialogue with fragments of one speaker fused into lines
   (prompt: the recipe's context_prompt, recipes/prompts/context.j2). Without a context model the transcript is
   kept as it is, consecutive lines of one speaker joined.
2. Shot-level planning: the recipe's scripter (any backend) writes the script from that production.
3. Multi-round correction: the scripter's repair loop sends the four validators' findings back to the model
   (scripter.repair_rounds times), as a build does.

Every instance that needs a person's eyes goes to the audit list with its reasons: a script that still failed
the validators (left out of the dataset), validator warnings left in a script, a fusion that changed the
transcript's words, a context reply that could not be used.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from pydantic import Field, ValidationError, model_validator

from ..errors import InputError, Problem, ScriptAgentError
from ..files import write_atomic
from ..schema import CastMember, DialogueLine, Production, Strict
from ..scripter import make_scripter
from ..scripter.dialogue import load_dialogue_file
from ..scripter.validators import ERROR, validate_script
from .data import Instance, cast_for, spoken, to_json_line
from .recipes import ScriptBenchRecipe

TRANSCRIPT_SUFFIXES = (".txt", ".yaml", ".yml")


class Context(Strict):
    """What the context model returns: the scene around the transcript and the fused dialogue."""

    title: str = ""
    setting: str = Field(min_length=1)
    characters: list[CastMember] = Field(min_length=1)
    dialogue: list[DialogueLine] = Field(min_length=1)

    @model_validator(mode="after")
    def _speakers_described(self):
        known = {member.id for member in self.characters}
        for index, line in enumerate(self.dialogue):
            if line.speaker not in known:
                raise ValueError(f"dialogue[{index}]: speaker '{line.speaker}' is not among the characters")
        return self


def transcript_files(folder: str | Path) -> list[Path]:
    return sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in TRANSCRIPT_SUFFIXES)


def words(lines: list[DialogueLine]) -> list[str]:
    return re.findall(r"[a-z0-9']+", " ".join(line.line for line in lines).lower())


def joined_turns(production: Production) -> Production:
    """Without a context model: consecutive lines of one speaker become one line (the simplest fusion)."""
    fused: list[DialogueLine] = []
    for line in production.lines:
        if fused and fused[-1].speaker == line.speaker and not line.parenthetical:
            fused[-1] = fused[-1].model_copy(update={"line": f"{fused[-1].line} {line.line}"})
        else:
            fused.append(line)
    return production.model_copy(update={"dialogue": fused})


def split_of(instance_id: str, test_fraction: float) -> str:
    """A fixed split per id (a hash, not a random draw): adding transcripts never moves the others."""
    bucket = int(hashlib.sha256(instance_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "test" if bucket < test_fraction else "train"


def context_prompt(template: Path, transcript: Production) -> str:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    environment = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
    try:
        source = template.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(Problem(str(template), f"cannot read the context prompt: {error.strerror}")) from None
    lines = [{"speaker": line.speaker, "text": spoken(line)} for line in transcript.dialogue]
    return environment.from_string(source).render(lines=lines, speakers=[m.id for m in transcript.cast]).strip()


def reconstruct_context(recipe: ScriptBenchRecipe, transcript: Production, reasons: list[str]) -> Production:
    """Stage 1 with the context model; the transcript as it is (turns joined) when there is none or it fails."""
    if recipe.context_model is None:
        return joined_turns(transcript)
    from ..lm import chat
    from ..lm.reply import ReplyParseError, parse_reply

    messages = [{"role": "user", "content": context_prompt(Path(recipe.context_prompt), transcript)}]
    try:
        reply = chat(messages, recipe.context_model, seed=recipe.seed, json_schema=Context.model_json_schema(),
                     setting="context_model")
        context = Context.model_validate(parse_reply(reply))
    except (ReplyParseError, ValidationError) as error:
        reasons.append(f"context: the model's reply was not usable ({str(error).splitlines()[0]}); "
                       "the transcript was kept as it is")
        return joined_turns(transcript)
    if words(context.dialogue) != words(transcript.dialogue):
        reasons.append("fusion: the dialogue's words differ from the transcript's (check what the model changed)")
    return Production(title=context.title or transcript.title, setting=context.setting,
                      cast=cast_for(context.dialogue, context.characters), dialogue=context.dialogue)


def build_instance(recipe: ScriptBenchRecipe, scripter, path: Path) -> tuple[Instance | None, list[str]]:
    reasons: list[str] = []
    transcript = load_dialogue_file(path)
    production = reconstruct_context(recipe, transcript, reasons)
    production = production.model_copy(update={"scripter": recipe.scripter, "seed": recipe.seed})
    try:
        script = scripter.write(production)  # stages 2 and 3: planning, then the validators' repair rounds
    except ScriptAgentError as error:
        return None, reasons + [f"script: {str(error).splitlines()[0]} (left out of the dataset)"]
    findings = validate_script(script, production)
    warnings = [f for f in findings if f.severity != ERROR]
    if warnings:
        reasons.append(f"validators: {len(warnings)} warning(s), e.g. [{warnings[0].validator}] {warnings[0].message}")
    instance = Instance(id=path.stem, split=split_of(path.stem, recipe.test_fraction), title=production.title,
                        setting=production.setting, characters=production.cast, dialogue=production.lines,
                        script=script)
    return instance, reasons


def build_scriptbench(recipe: ScriptBenchRecipe) -> dict:
    files = transcript_files(recipe.transcripts)
    if not files:
        raise InputError(Problem(recipe.transcripts, "no transcripts (*.txt with one `Speaker: line` per line, "
                                                     "or *.yaml with a dialogue: list)"))
    scripter = make_scripter(recipe.scripter, ".")
    instances, audit = [], []
    for path in files:
        print(f"scriptbench: {path.name}", flush=True)
        instance, reasons = build_instance(recipe, scripter, path)
        if instance:
            instances.append(instance)
        if reasons:
            audit.append({"id": path.stem, "transcript": str(path), "in_dataset": instance is not None,
                          "reasons": reasons})
    write_atomic(recipe.output, "".join(to_json_line(i) + "\n" for i in instances))
    write_atomic(recipe.audit, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in audit))
    return {"transcripts": len(files), "instances": len(instances), "flagged_for_audit": len(audit),
            "test": sum(i.split == "test" for i in instances)}
