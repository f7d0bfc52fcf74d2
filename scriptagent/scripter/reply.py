"""Reading a language model's reply as a script: parse it (scriptagent.lm.reply), validate it against the Script
schema, then run the four validators.

The repair loop sends `Review.to_fix` back to the model; `structure_reward` scores the same stages. Both read a
reply the same way, so what training rewards is exactly what the build accepts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from ..lm.reply import ReplyParseError, parse_reply
from ..schema import Production, Script
from ..yamlio import validation_problems
from .released import read_for
from .validators import ERROR, Finding, validate_script

SCRIPT_KEYS = ("scenes",)  # what a script's mapping holds: {"script": {"scenes": ...}} is read as the script
MAX_SCHEMA_PROBLEMS = 20  # a garbled reply can break hundreds of fields; the first ones are enough to act on


@dataclass
class Review:
    """What a reply is worth: the script if it parsed and validated, and what the model must fix."""

    data: dict | None = None  # the parsed reply
    script: Script | None = None  # the reply as a Script, when it fits the schema
    findings: list[Finding] = field(default_factory=list)  # the validators' findings on `script`
    to_fix: list[str] = field(default_factory=list)  # one line each, sent back through the repair template

    @property
    def ok(self) -> bool:
        return self.script is not None and not self.to_fix

    @property
    def stage(self) -> str:
        """How far the reply got: 'parse', 'schema', 'validators' or 'ok'."""
        if self.data is None:
            return "parse"
        if self.script is None:
            return "schema"
        return "validators" if self.to_fix else "ok"


def must_fix(finding: Finding) -> bool:
    """Errors, and reworded dialogue: a person may keep a reworded line, a generated script must say it as written."""
    return finding.severity == ERROR or finding.validator == "dialogue"


def review_reply(text: str, production: Production, format: str = "json") -> Review:
    """`format`: json (our schema, as JSON or YAML) or released (the released ScriptAgent's sectioned text,
    scripter/released_format.py), read into the same schema and checked the same way."""
    if format == "released":
        reading = read_for(production, text)
        if reading.problems:
            return Review(to_fix=reading.problems)
        data = reading.data
    else:
        try:
            data = parse_reply(text, SCRIPT_KEYS)
        except ReplyParseError as error:
            return Review(to_fix=[f"the reply is not a script ({error}); answer with exactly one JSON object"])
    try:
        script = Script.model_validate(data)
    except ValidationError as error:
        return Review(data=data, to_fix=schema_problems(error, data))
    findings = validate_script(script, production)
    return Review(data=data, script=script, findings=findings,
                  to_fix=[describe_finding(finding) for finding in findings if must_fix(finding)])


def schema_problems(error: ValidationError, data: dict) -> list[str]:
    problems = []
    for problem in validation_problems(error, data, "reply", Script):
        text = f"{problem.field}: {problem.message}" if problem.field else problem.message
        problems.append(text + (f" ({problem.hint})" if problem.hint else ""))
    if len(problems) > MAX_SCHEMA_PROBLEMS:
        problems = problems[:MAX_SCHEMA_PROBLEMS] + [f"... and {len(problems) - MAX_SCHEMA_PROBLEMS} more"]
    return problems


def describe_finding(finding: Finding) -> str:
    where = f"shot {finding.shot_id}: " if finding.shot_id else ""
    hint = f" ({finding.hint})" if finding.hint else ""
    return f"[{finding.validator}] {where}{finding.message}{hint}"
