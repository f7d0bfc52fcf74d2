"""A jinja2 sandbox that also bounds what a template builds (a production's prompt templates are input, not code we
trust: scripter/prompts.py).

jinja2's sandbox keeps a template from reaching Python; BoundedSandbox also keeps it from exhausting the machine:
- the text a render gives: MAX_PROMPT_CHARS;
- every string or list an operator, filter or call makes: MAX_VALUE_SIZE, checked before it is made where it could
  be much larger than its inputs (`'x' * 10000000000`, `s ~ s`, `s|replace('', s)`, `s|indent(99999)`,
  `'%999999999d' % 1`, `s.center(10**9)`);
- the counts it hands to filters that make that many things (MAX_NUMBER: `xs|batch(10**9, 'x')`; a range is
  jinja2's, at most 100,000 items) and the integers it computes (MAX_INT_BITS: `10 ** (10 ** 10)`);
- the loop iterations, calls and filters of one render (MAX_TEMPLATE_STEPS: nested `range(100000)` loops, a macro
  calling itself twice) and its time (MAX_TEMPLATE_SECONDS).
Lists and dicts are immutable there (`xs.append(xs)` is refused).
"""

from __future__ import annotations

import functools
import inspect
import operator
import re
import threading
import time

# The largest text a render may give, and the largest string or list it may build on the way: above what the
# default templates make of the largest production (its text, at most 2 MB of production.yaml and 2 MB of
# screenplay, quoted once and JSON-escaped; 10,000 short lines make 150 KB), far above what any model reads.
MAX_PROMPT_CHARS = 8_000_000
MAX_VALUE_SIZE = MAX_PROMPT_CHARS
MAX_NUMBER = 100_000  # a count of things a filter makes (jinja2's MAX_RANGE)
MAX_INT_BITS = 4096  # an integer a template computes (10 ** 1000 is fine; 10 ** (10 ** 10) is not)
# Loop iterations, calls and filters of one render: the default templates take 2 per line (20,000 for 10,000 lines).
MAX_TEMPLATE_STEPS = 2_000_000
MAX_TEMPLATE_SECONDS = 30.0


def bounded_sandbox(loader, filters: dict, **options):
    """A jinja2 ImmutableSandboxedEnvironment whose templates cannot build without bound (see the module's doc)."""
    from jinja2 import nodes
    from jinja2.compiler import CodeGenerator
    from jinja2.exceptions import SecurityError
    from jinja2.runtime import Macro
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class BoundedCode(CodeGenerator):
        def visit_For(self, node, frame):  # every loop iterates through BoundedSandbox.counted
            counted = isinstance(node.iter, nodes.Call) and isinstance(node.iter.node, nodes.EnvironmentAttribute) \
                and node.iter.node.name == "counted"
            if not node.recursive and not counted:
                node.iter = nodes.Call(nodes.EnvironmentAttribute("counted", lineno=node.lineno), [node.iter], [],
                                       None, None, lineno=node.lineno)
            super().visit_For(node, frame)

        def visit_Concat(self, node, frame):  # `a ~ b`: joined by BoundedSandbox.concat, which checks the size
            self.write("environment.concat((")
            for argument in node.nodes:
                self.visit(argument, frame)
                self.write(", ")
            self.write("))")

    class BoundedSandbox(ImmutableSandboxedEnvironment):
        code_generator_class = BoundedCode
        intercepted_binops = frozenset({"*", "+", "%", "**"})

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self._render_state = threading.local()  # the steps and deadline of the render under way
            self.filters.update(filters)
            self.filters = {name: self._bounded_filter(name, function) for name, function in self.filters.items()}

        def render_bounded(self, template, context: dict) -> str:
            state = self._render_state
            state.steps, state.deadline = 0, time.monotonic() + MAX_TEMPLATE_SECONDS
            parts, size = [], 0
            try:
                for part in template.generate(context):
                    size += len(part)
                    if size > MAX_PROMPT_CHARS:
                        raise SecurityError(f"the template renders more than {MAX_PROMPT_CHARS} characters")
                    parts.append(part)
            finally:
                state.deadline = None
            return "".join(parts)

        def step(self) -> None:
            state = self._render_state
            if getattr(state, "deadline", None) is None:
                return  # not rendering (jinja2 evaluating a constant while compiling): no budget to keep
            state.steps += 1
            if state.steps > MAX_TEMPLATE_STEPS:
                raise SecurityError(f"the template loops or calls more than {MAX_TEMPLATE_STEPS} times")
            if time.monotonic() > state.deadline:
                raise SecurityError(f"the template takes more than {MAX_TEMPLATE_SECONDS:g} s to render")

        def counted(self, iterable):
            for item in iterable:
                self.step()
                yield item

        def concat(self, values) -> str:
            texts, size = [], 0
            for value in values:
                texts.append(str(value))
                size += len(texts[-1])
                check_size(size, "`~`")
            return "".join(texts)

        def call_binop(self, context, operator_name, left, right):
            if _int_bits(operator_name, left, right) > MAX_INT_BITS:
                raise SecurityError(f"`{operator_name}` would make a number of more than {MAX_INT_BITS} bits")
            check_size(_binop_size(operator_name, left, right), f"`{operator_name}`")
            return BINOPS[operator_name](left, right)

        def call(__self, __context, __obj, *args, **kwargs):
            __self.step()
            name = f"{getattr(__obj, '__name__', 'the call')}()"
            if not isinstance(__obj, Macro):
                check_size(_call_size(__obj, args, kwargs), name)
            result = super().call(__context, __obj, *args, **kwargs)
            check_size(_size(result), name)
            return result

        def _bounded_filter(self, name, function):
            estimate = FILTER_SIZES.get(name)
            signature = inspect.signature(function) if estimate else None

            @functools.wraps(function)  # keeps jinja2's pass_context marks
            def bounded(*args, **kwargs):
                self.step()
                if estimate:
                    try:
                        bound = signature.bind(*args, **kwargs)
                    except TypeError:
                        pass  # the filter itself says what is wrong with its arguments
                    else:
                        bound.apply_defaults()
                        check_size(estimate(bound.arguments), f"the {name} filter")
                result = function(*args, **kwargs)
                check_size(_size(result), f"the {name} filter")
                return result
            return bounded

    def check_size(size: int, what: str) -> None:
        if size > MAX_VALUE_SIZE:
            raise SecurityError(f"{what} would make a value of more than {MAX_VALUE_SIZE} characters or items")

    return BoundedSandbox(loader=loader, **options)


BINOPS = {"*": operator.mul, "+": operator.add, "%": operator.mod, "**": operator.pow}
SEQUENCES = (str, list, tuple)
NUMBER = (int, float)


def _size(value, limit: int = MAX_VALUE_SIZE) -> int:
    """Characters and items in a value (strings, lists, tuples, dicts, nested), counted up to just past `limit`."""
    if isinstance(value, str):
        return len(value)
    if not isinstance(value, (list, tuple, dict, set, frozenset)):
        return 1
    total, pending = 0, [value]
    while pending and total <= limit:
        item = pending.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, dict):
            total += len(item)
            pending.extend(item.values())
            pending.extend(key for key in item if isinstance(key, str))
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += len(item)
            pending.extend(item)
        else:
            total += 1
    return total


def _binop_size(name: str, left, right) -> int:
    """How large `left <name> right` would be, before it is made."""
    if name == "*":
        for sequence, times in ((left, right), (right, left)):
            if isinstance(sequence, SEQUENCES) and isinstance(times, int):
                return _size(sequence) * max(times, 0)
    elif name == "+" and isinstance(left, SEQUENCES) and isinstance(right, SEQUENCES):
        return _size(left) + _size(right)
    elif name == "%" and isinstance(left, str):
        return _format_size(left, right if isinstance(right, (tuple, dict)) else (right,), PERCENT_SPEC)
    return 0


def _int_bits(name: str, left, right) -> int:
    """How many bits `left <name> right` would take, for integers (0 for anything else)."""
    if not (isinstance(left, int) and isinstance(right, int)):
        return 0
    if name == "*":
        return left.bit_length() + right.bit_length()
    if name == "**":
        return left.bit_length() * right if right > 0 and abs(left) > 1 else 0
    return max(left.bit_length(), right.bit_length()) + 1


# the widths and precisions of `%` and `{}` formatting: `%-12.3f`, `%*d`, `{:>12}`, `{:{width}}`
PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?P<numbers>(?:\*|\d*)(?:\.(?:\*|\d*))?)[a-zA-Z%]")
BRACE_SPEC = re.compile(r"\{[^{}:]*:(?P<numbers>[^{}]*(?:\{[^{}]*\}[^{}]*)*)\}")


def _format_size(text: str, arguments, specs: re.Pattern) -> int:
    """An upper bound on what formatting `text` with `arguments` makes: the text, the arguments, the widths its
    specs write out, and (where a spec takes its width from the arguments: `%*d`, `{:{w}}`) every number given."""
    values = list(arguments.values()) if isinstance(arguments, dict) else list(arguments)
    widths, dynamic = 0, False
    for spec in specs.finditer(text):
        numbers = spec["numbers"]
        dynamic = dynamic or "*" in numbers or "{" in numbers
        for written in re.findall(r"\d+", numbers):
            widths += int(written) if len(written) < 10 else MAX_VALUE_SIZE + 1
    numbers = sum(min(abs(int(value)), MAX_VALUE_SIZE + 1) for value in values if isinstance(value, NUMBER)
                  and not isinstance(value, bool) and value == value and abs(value) != float("inf")) if dynamic else 0
    return len(text) + widths + numbers + sum(_size(value) + 20 for value in values)


def _call_size(function, args, kwargs) -> int:
    """How large a call's result could be, for the calls that can make much more than they are given: str methods
    (`replace`, `join`, `center`, `format`, ...) and `lipsum`."""
    target = getattr(function, "__wrapped__", function)  # the sandbox wraps str.format
    owner, name = getattr(target, "__self__", None), getattr(target, "__name__", "")
    if name == "generate_lorem_ipsum":  # lipsum(n, html, min, max): n paragraphs of up to max words
        given = dict(zip(("n", "html", "min", "max"), args), **kwargs)
        count, words = given.get("n", 5), given.get("max", 100)
        return (count if isinstance(count, int) else 1) * (words if isinstance(words, int) else 1) * 12
    if not isinstance(owner, str):
        return 0
    if name == "replace" and len(args) >= 2:
        return _replace_size(owner, args[0], args[1], args[2] if len(args) > 2 else -1)
    if name == "join" and args:
        return _join_size(args[0], owner)
    if name in ("center", "ljust", "rjust", "zfill") and args and isinstance(args[0], int):
        return max(len(owner), args[0])
    if name == "expandtabs":
        width = args[0] if args else kwargs.get("tabsize", 8)
        return len(owner) + owner.count("\t") * (width if isinstance(width, int) else 8)
    if name in ("format", "format_map"):
        values = list(args[0].values()) if name == "format_map" and args and isinstance(args[0], dict) else \
            list(args) + list(kwargs.values())
        return _format_size(owner, values, BRACE_SPEC)
    if name == "translate" and args and isinstance(args[0], dict):
        return len(owner) * max((_size(value) for value in args[0].values()), default=1)
    return 0


def _replace_size(text, old, new, count) -> int:
    if not (isinstance(text, str) and isinstance(old, str) and isinstance(new, str)):
        return 0
    times = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        times = min(times, count)
    return len(text) + times * len(new)


def _join_size(values, separator) -> int:
    if not isinstance(values, (list, tuple, dict, str)):
        return 0  # a generator: its items are bounded as they are made; the result is checked after
    return _size(values) + len(values) * len(str(separator))


def _count(value) -> int:
    """A count a filter makes that many things of: more than MAX_NUMBER counts as too large."""
    return MAX_VALUE_SIZE + 1 if isinstance(value, int) and value > MAX_NUMBER else 0


# Filters that can make much more than they are given: what their result could be, from their arguments.
FILTER_SIZES = {
    "replace": lambda a: _replace_size(str(a["s"]), str(a["old"]), str(a["new"]), a["count"]),
    "join": lambda a: _join_size(a["value"], a["d"]),
    "center": lambda a: max(len(str(a["value"])), a["width"] if isinstance(a["width"], int) else 0),
    "indent": lambda a: len(str(a["s"])) + (str(a["s"]).count("\n") + 1) * (
        a["width"] if isinstance(a["width"], int) else len(str(a["width"]))),
    "wordwrap": lambda a: len(str(a["s"])) + (len(str(a["s"])) // max(int(a["width"]), 1) + str(a["s"]).count("\n")
                                              + 1) * len(str(a["wrapstring"] or "\n")),
    "format": lambda a: _format_size(str(a["value"]), list(a["args"]) + list(a["kwargs"].values()), PERCENT_SPEC),
    "batch": lambda a: _count(a["linecount"]),
    "slice": lambda a: _count(a["slices"]),
}
