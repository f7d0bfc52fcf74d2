"""The JSON Schemas (2020-12) of production.yaml and script.yaml, for editors: completion, hover and checks as you
type, through the YAML language server's modeline (`# yaml-language-server: $schema=.scriptagent/...`).

They start from pydantic's validation-mode schema of the models and add what the models' validators accept or
refuse beyond it, so that a file the schema refuses is one the tool refuses:

- the `- mara: "..."` dialogue shorthand (DialogueLine's before-validator), a line that is not blank, and a body
  item told apart by its `action:` or `transition:` key, as the loader tells it;
- `judge: none`, the known metrics, a retake by `judge` only with a judge;
- even resolutions within 16x16 .. 7680x4320, reference images inside the folder, api_key_env naming a variable;
- a backend (a discriminated union's tag) always given, dictionary keys that are identifiers;
- one scene (`setting:` and `dialogue:`), `scenes:`, or `dialogue_file:`, not two of them;
- an episode of a series (`series:`): what it inherits may be given in part, as the series merge reads it.

What the schemas cannot say is checked by `scriptagent validate` and every build: UNEXPRESSED. Where the tool is
more lenient than the schemas (pydantic's lax conversions), the schemas keep the stricter form: LENIENT.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from .base import ID_PATTERN
from .configs import KNOWN_METRICS
from .production import MAX_BODY_ITEMS, Production
from .script import Script

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_DIR = ".scriptagent"  # in a production folder: the schemas its YAML files name (git-ignored)
SCHEMA_FILES = {"production": "production.schema.json", "script": "script.schema.json",
                "series": "series.schema.json"}
PRODUCTION_SCHEMAS = ("production", "script")  # a production folder's .scriptagent/
SEASON_SCHEMAS = ("series",)  # a season's .scriptagent/, beside series.yaml

# The loader's refusals that no JSON Schema states; `scriptagent validate` and builds check them.
UNEXPRESSED = {
    "unique-ids": "cast ids, scene ids and shot ids are unique (uniqueItems compares whole items, not one key)",
    "known-speakers": "every speaker, `present` id and script character is in the cast",
    "files": "reference images, the screenplay and templates exist, inside the folder, readable (the file system)",
    "file-size": "production.yaml at most 2 MB, script.yaml at most 16 MiB, and YAML itself (syntax, tabs, "
                 "aliases, tags, depth, UTF-8)",
    "total-items": "at most 10,000 lines and beats across all scenes together (each scene's own limit is stated)",
    "variants": "each variant's overrides make a valid production when merged (its keys are stated)",
    "not-a-number": "no number is .nan (JSON has no NaN; .inf is refused wherever a bound applies)",
    "frames": "a shot at least one frame long at the production's fps (two files)",
    "series": "an episode's values merged over its series file make a valid production",
}
# Values the tool converts (pydantic's lax mode) that the schemas refuse: write them as their own type.
LENIENT = ("numbers written as text ('12')", "true/false where a number goes",
           "0/1 and 'yes'/'no'/'on'/'off'/'true'/'false' text where true/false goes")

IDENTIFIER = {"type": "string", "pattern": ID_PATTERN, "maxLength": 40}
BLANK_LINE = r"^\s*(\([^)]*\)\s*)?$"  # nothing but a (parenthetical): DialogueLine's "the line is empty"


def present(key: str) -> dict:
    """The mapping has `key`, with a value other than null."""
    return {"required": [key], "properties": {key: {"not": {"type": "null"}}}}


def production_schema() -> dict:
    schema = Production.model_json_schema(mode="validation")
    defs = schema["$defs"]
    _dialogue_line(defs)
    _body_items(defs)
    _style_and_cast(defs)
    _critic(defs["CriticConfig"])
    _common(schema)
    props = schema["properties"]
    props["dialogue"]["anyOf"][0]["maxItems"] = props["scenes"]["anyOf"][0]["maxItems"] = MAX_BODY_ITEMS
    defs["ProductionScene"]["properties"]["body"]["maxItems"] = MAX_BODY_ITEMS
    fields = [name for name in props if name != "variants"]
    variant = props["variants"]["patternProperties"][ID_PATTERN]
    variant.update(propertyNames={"enum": fields}, description="overrides of this production's settings")
    rules = [{"if": present("dialogue_file"),  # the loader reads the scenes from the screenplay
              "then": {"not": {"anyOf": [{"required": ["dialogue"]}, {"required": ["scenes"]}]}},
              "else": {"oneOf": [{**present("scenes"), "not": {"anyOf": [present("setting"), present("dialogue")]}},
                                 {"allOf": [present("setting"), present("dialogue")], "not": present("scenes")}]}}]
    if "series" in props:
        rules.append(_series(schema))
    schema["allOf"] = rules
    return document(schema, "production.yaml", "what to film: cast, scenes of dialogue, backends (scriptagent)")


def series_schema() -> dict:
    from .series import Series

    schema = Series.model_json_schema(mode="validation")
    _style_and_cast(schema["$defs"])  # reference images inside the series' folder, as the loader checks
    _critic(schema["$defs"]["CriticConfig"])
    _common(schema)
    return document(schema, "series.yaml", "what a series' episodes share: cast, look, seed, backends (scriptagent)")


def _style_and_cast(defs: dict) -> None:
    width, height = defs["Style"]["properties"]["resolution"]["prefixItems"]
    width.update(minimum=16, maximum=7680, multipleOf=2, description="width in pixels, even")
    height.update(minimum=16, maximum=4320, multipleOf=2, description="height in pixels, even")
    _string_branch(defs["CastMember"]["properties"]["reference"]).update(
        {"not": {"pattern": r"^/|(^|/)\.\.(/|$)"}})  # inside the file's folder


def script_schema() -> dict:
    schema = Script.model_json_schema(mode="validation")
    _common(schema)
    return document(schema, "script.yaml", "the shot-level script scriptagent wrote, yours to edit")


def document(schema: dict, file: str, description: str) -> dict:
    from importlib.metadata import PackageNotFoundError, version

    try:
        made_by = f"scriptagent {version('scriptagent')}"
    except PackageNotFoundError:
        made_by = "scriptagent"
    return {"$schema": DIALECT, "$comment": f"{file}, as {made_by} reads it: `scriptagent schema --out DIR` writes "
            "it again; builds refresh .scriptagent/", "title": file, "description": description,
            **{key: value for key, value in schema.items() if key not in ("title", "description")}}


def schema_text(kind: str) -> str:
    schema = {"production": production_schema, "script": script_schema, "series": series_schema}[kind]()
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def modeline(kind: str) -> str:
    """The YAML language server's line naming the schema, relative to the file (both files sit in the folder)."""
    return f"# yaml-language-server: $schema={SCHEMA_DIR}/{SCHEMA_FILES[kind]}\n"


def write_schemas(folder: str | Path, kinds=PRODUCTION_SCHEMAS) -> list[Path]:
    """Write the schemas into `folder` (made if missing), each only when its content changed; the files written."""
    from ..files import write_if_changed

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [folder / SCHEMA_FILES[kind] for kind in kinds if write_if_changed(folder / SCHEMA_FILES[kind],
                                                                                schema_text(kind))]


def refresh_schemas(production_folder: str | Path, file: str = "production.yaml",
                    kinds=PRODUCTION_SCHEMAS) -> None:
    """At a build: the production's .scriptagent/ schemas made current (after an upgrade they would lie), when it
    uses them: the folder exists, or production.yaml names it (a season's root: series.yaml, SEASON_SCHEMAS).
    Never a reason for a build to fail."""
    folder = Path(production_folder)
    try:
        with open(folder / file, encoding="utf-8", errors="replace") as opened:
            named = f"$schema={SCHEMA_DIR}/" in opened.read(4096)
        if named or (folder / SCHEMA_DIR).is_dir():
            write_schemas(folder / SCHEMA_DIR, kinds)
    except OSError:
        pass  # a read-only folder, a full disk, no such file: the build says so where it matters


# --- what the models' validators add ------------------------------------------------------------------------

def _dialogue_line(defs: dict) -> None:
    full = defs["DialogueLine"]
    full["properties"]["line"]["pattern"] = r"\S"
    shorthand = {"type": "object", "minProperties": 1, "maxProperties": 1,
                 "propertyNames": {**IDENTIFIER, "not": {"const": "speaker"}},
                 "additionalProperties": {"type": "string", "not": {"pattern": BLANK_LINE},
                                          "description": "the line; a leading (parenthetical) directs its delivery"}}
    defs["DialogueLine"] = {"title": "DialogueLine", "description": "`- speaker: \"(quietly) the line\"`, or "
                            "{speaker, line, parenthetical, off_screen}", "anyOf": [shorthand, full]}


def _body_items(defs: dict) -> None:
    """A scene's body item is told apart as the loader tells it: by an `action` key, else a `transition` key, else
    it is a line (so a cast member may be called neither)."""
    body = defs["ProductionScene"]["properties"]["body"]
    body["items"] = {"if": {"type": "object", "required": ["action"]}, "then": {"$ref": "#/$defs/ActionBeat"},
                     "else": {"if": {"type": "object", "required": ["transition"]},
                              "then": {"$ref": "#/$defs/TransitionBeat"}, "else": {"$ref": "#/$defs/DialogueLine"}}}


def _critic(critic: dict) -> None:
    props = critic["properties"]
    props["judge"]["anyOf"].append({"const": "none", "description": "no judge"})
    props["metrics"]["items"] = {"enum": list(KNOWN_METRICS)}
    judged = {"type": "object", "required": ["metric"], "properties": {"metric": {"const": "judge"}}}
    critic["if"] = {"required": ["retake"], "properties": {"retake": judged}}
    critic["then"] = {"required": ["judge"], "properties": {"judge": {"type": "object"}}}


def _string_branch(prop: dict) -> dict:
    return next(branch for branch in prop.get("anyOf", [prop]) if branch.get("type") == "string")


def _common(schema: dict) -> None:
    """Throughout: a discriminated union's tag is required (pydantic cannot choose without it), a dictionary's keys
    must match its key pattern, api_key_env is the name of a variable."""
    for node in _nodes(schema):
        discriminator = node.get("discriminator")
        if isinstance(discriminator, dict) and "oneOf" in node:
            node["required"] = [discriminator["propertyName"]]
            node.setdefault("type", "object")
        patterns = node.get("patternProperties")
        if isinstance(patterns, dict) and len(patterns) == 1 and "additionalProperties" not in node:
            node["additionalProperties"] = False
            node.setdefault("propertyNames", {})["pattern"] = next(iter(patterns))
        variable = node.get("properties", {}).get("api_key_env") if isinstance(node.get("properties"), dict) else None
        if isinstance(variable, dict) and variable.get("type") == "string":
            variable["pattern"] = r"^[A-Z_][A-Z0-9_]*$"


def _nodes(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


# --- an episode of a series ------------------------------------------------------------------------------------

def _series(schema: dict) -> dict:
    """An episode (`series:` given) may give what it inherits in part: a mapping is merged key by key over the
    series' (so no key is required and any backend's keys may come), a cast member by its id. The loosest form is
    what `properties` says; a production without a series must give each in full (the rule returned)."""
    from .series import INHERITED

    defs, props = schema["$defs"], schema["properties"]
    _string_branch(props["series"]).update(pattern=r"\.ya?ml$", **{"not": {"pattern": "^/"}})
    full = {key: props[key] for key in INHERITED if key in props}
    for key, value in full.items():
        props[key] = _partial(value)
    if "cast" in full:
        props["cast"] = {key: value for key, value in full["cast"].items() if key != "minItems"}
        props["cast"]["items"] = {"$ref": "#/$defs/PartialCastMember", "required": ["id"]}
    todo = _partial_refs(props)
    while todo:  # the partial forms of the definitions these name, and of those they name
        name = todo.pop()[len(PARTIAL):]
        if f"Partial{name}" not in defs:
            defs[f"Partial{name}"] = _partial(defs[name])
            todo += _partial_refs(defs[f"Partial{name}"])
    return {"if": present("series"), "else": {"properties": full, "required": ["cast"]}}


PARTIAL = "#/$defs/Partial"


def _partial_refs(node) -> list[str]:
    return [item["$ref"] for item in _nodes(node) if str(item.get("$ref", "")).startswith(PARTIAL)]


def _partial(node):
    """`node` as a part of a mapping merged over another: nothing required, a union any of its parts, a mapping's
    own mappings partial too; a list is taken whole, so it keeps its full form."""
    if isinstance(node, list):
        return [_partial(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {}
    for key, value in node.items():
        if key in ("required", "discriminator", "if", "then", "else"):  # what the merged whole must be
            continue
        if key in ("items", "prefixItems", "default"):
            result[key] = copy.deepcopy(value)
        elif key == "$ref":
            result[key] = value.replace("#/$defs/", "#/$defs/Partial", 1)
        elif key == "oneOf":
            result["anyOf"] = _partial(value)  # {} matches every part: oneOf would refuse it
        else:
            result[key] = _partial(value)
    return result
