"""Property-based tests of the YAML loaders: any text either loads or fails with one located line per problem.

`load_yaml_text` + `validate_yaml` are what every command runs on production.yaml and script.yaml. Whatever the
input (random text, YAML-looking token soup, a valid file with one node replaced by something odd, a valid file
with its text cut and spliced), the only exception allowed is `InputError`, and each line of its message is
`FILE[:LINE:COL]: ...`: never a traceback from ruamel, pydantic or our own validators.
"""

from __future__ import annotations

import copy
import os
import re

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from conftest import DEMO, SMALL_PRODUCTION

from scriptagent.errors import InputError
from scriptagent.schema import Production, Script
from scriptagent.yamlio import dump_yaml, load_yaml_text, validate_yaml

ONE_PROBLEM = re.compile(r"^[^:]+(:\d+:\d+)?: ")
GOOD_PRODUCTION = SMALL_PRODUCTION.replace("ANCHORING", "chain")
GOOD_SCRIPT = (DEMO / "script.yaml").read_text()
MODELS = {"production.yaml": (Production, GOOD_PRODUCTION), "script.yaml": (Script, GOOD_SCRIPT)}

# SCRIPTAGENT_PROPERTY_EXAMPLES=5000 searches harder (minutes)
PROPERTY = settings(max_examples=int(os.environ.get("SCRIPTAGENT_PROPERTY_EXAMPLES", 60)), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def load_or_fail_cleanly(text: str, file: str) -> None:
    model = MODELS[file][0]
    try:
        validate_yaml(model, load_yaml_text(text, file), file)
    except InputError as error:
        lines = str(error).splitlines()
        assert lines, "an InputError with no message"
        for line in lines:
            assert ONE_PROBLEM.match(line), line
            assert line.startswith(file), line


files = st.sampled_from(sorted(MODELS))

# Pieces YAML is made of, so that random sequences of them reach the parser's and the schema's corners.
TOKENS = ["\n", "  ", "\t", "- ", ": ", "? ", "[", "]", "{", "}", ",", "&a ", "*a", "!!python/object:os.system ",
          "!!binary ", "!tag ", "!!int ", "!!str ", "<<: ", "|\n", ">-\n", "'", '"', "#", "---\n", "...\n",
          "%YAML 1.1\n",
          "title", "cast", "id", "name", "dialogue", "scenes", "shots", "duration", "style", "resolution", "fps",
          "director", "backend", "characters", "speaker", "line", "setting", "reference", "seed", "0", "-1", "1e309",
          ".nan", ".inf", "null", "~", "yes", "2024-13-45", "0x1F", "0o17", "1_000", "12:30:00", "\u2028", "\x85",
          "\ud800", "\x00", "\ufeff", "ana", "sh01", "wide", "é", "\\u00e9", "\\ud800", "..", "/etc/passwd"]


@PROPERTY
@given(file=files, text=st.text(max_size=300))
def test_any_text_loads_or_fails_with_located_lines(file, text):
    load_or_fail_cleanly(text, file)


@PROPERTY
@given(file=files, pieces=st.lists(st.sampled_from(TOKENS), max_size=60))
def test_yaml_token_soup_loads_or_fails_with_located_lines(file, pieces):
    load_or_fail_cleanly("".join(pieces), file)


ODD_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | st.sampled_from(TOKENS),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)


def paths(node, prefix=()):
    """Every (path) to a value in a plain tree, the root excluded."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield prefix + (key,)
            yield from paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield prefix + (index,)
            yield from paths(value, prefix + (index,))


@PROPERTY
@given(file=files, data=st.data())
def test_a_valid_file_with_one_odd_value_loads_or_fails_cleanly(file, data):
    tree = copy.deepcopy(load_yaml_text(MODELS[file][1], file))
    where = data.draw(st.sampled_from(list(paths(tree))))
    parent = tree
    for key in where[:-1]:
        parent = parent[key]
    action = data.draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "replace":
        parent[where[-1]] = data.draw(ODD_VALUES)
    elif action == "delete":
        del parent[where[-1]]
    elif isinstance(parent, dict):
        parent[data.draw(st.text(min_size=1, max_size=12))] = data.draw(ODD_VALUES)
    else:
        parent.append(data.draw(ODD_VALUES))
    try:
        text = dump_yaml(tree)
    except Exception:  # should the representer refuse a value, nothing a user can write: not an example at all
        reject()  # (counted as invalid, not as a pass; hypothesis fails the test if that is most of them)
    load_or_fail_cleanly(text, file)


@PROPERTY
@given(file=files, data=st.data())
def test_a_valid_file_cut_and_spliced_loads_or_fails_cleanly(file, data):
    text = MODELS[file][1]
    for _ in range(data.draw(st.integers(1, 4))):
        start = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(start, min(len(text), start + 40)))
        text = text[:start] + data.draw(st.sampled_from(TOKENS) | st.text(max_size=5)) + text[end:]
    load_or_fail_cleanly(text, file)


@pytest.mark.parametrize("file", sorted(MODELS))
def test_the_valid_files_load(file):
    model, text = MODELS[file]
    assert isinstance(validate_yaml(model, load_yaml_text(text, file), file), model)
