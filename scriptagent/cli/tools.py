"""Commands across builds and for editors: compare, cache, schema."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import InputError, Problem
from .common import say


def cmd_compare(args) -> int:
    from ..critic.compare import build_folder, comparison, markdown, write_comparison

    builds = {}
    for value in args.dirs:
        build = build_folder(Path(value))
        if not build.film_score.is_file():
            raise InputError(Problem(value, "no film scores here", hint="build it first with `doit`, or pass a "
                                                                         "production or build folder"))
        name = Path(value).resolve().name if Path(value).resolve().name != "build" else \
            Path(value).resolve().parent.name
        builds[name if name not in builds else value] = build
    if args.out:
        table = write_comparison(builds, Path(args.out).with_suffix(".md"), Path(args.out).with_suffix(".json"))
    else:
        table = comparison(builds)
    sys.stdout.write(markdown(table))
    return 0


def cmd_cache(args) -> int:
    """Show the render cache (entries and size per kind), or prune it to a size (`--max-size 0` empties it)."""
    from ..cache import ArtifactCache, human_size, parse_size
    from ..layout import BuildLayout

    cache = ArtifactCache.for_build(BuildLayout.of(args.dir))
    if args.action == "prune":
        limit = parse_size(args.max_size) if args.max_size is not None else cache.max_bytes
        removed = cache.evict(limit)
        print(f"removed {len(removed)} entries ({human_size(sum(e.bytes for e in removed))}) from {cache.root}")
    entries = cache.entries()
    print(f"{cache.root}: {len(entries)} entries, {human_size(sum(e.bytes for e in entries))} "
          f"(limit {human_size(cache.max_bytes)}; set $SCRIPTAGENT_CACHE_SIZE)")
    for kind in sorted({e.kind for e in entries}):
        mine = [e for e in entries if e.kind == kind]
        print(f"  {kind:<9} {len(mine):>6} entries  {human_size(sum(e.bytes for e in mine)):>10}")
    return 0


def cmd_schema(args) -> int:
    """The JSON Schema (2020-12) of production.yaml or script.yaml on stdout; with --out DIR, both written there."""
    from ..schema.export import SCHEMA_FILES, schema_text, write_schemas

    if args.out is None:
        sys.stdout.write(schema_text(args.kind or "production"))
        return 0
    kinds = [args.kind] if args.kind else list(SCHEMA_FILES)
    written = write_schemas(Path(args.out), kinds)
    files = ", ".join(str(Path(args.out) / SCHEMA_FILES[kind]) for kind in kinds)
    say(args, f"{files}: {'written' if written else 'up to date'} (name one in its YAML file: "
              f"`# yaml-language-server: $schema=PATH`)")
    return 0


def add_commands(commands) -> None:
    compare = commands.add_parser("compare", help="every metric and rubric of several builds side by side")
    compare.add_argument("dirs", nargs="+", metavar="DIR", help="production folders (or their build/ folders)")
    compare.add_argument("--out", metavar="FILE", help="also write FILE.md and FILE.json")
    compare.set_defaults(run=cmd_compare)

    cache = commands.add_parser("cache", help="show or prune the render cache (build/cache, or $SCRIPTAGENT_CACHE)")
    cache.add_argument("action", nargs="?", choices=["show", "prune"], default="show")
    cache.add_argument("dir", nargs="?", default=".", help="a production folder (default: here)")
    cache.add_argument("--max-size", metavar="SIZE", help="prune: keep at most SIZE, least recently used go first "
                                                          "(e.g. 5G; 0 empties the cache; default: the limit)")
    cache.set_defaults(run=cmd_cache)

    schema = commands.add_parser("schema", help="the JSON Schema of production.yaml or script.yaml, for editors",
                                 description="Prints the JSON Schema (2020-12) of one file; --out DIR writes "
                                             "production.schema.json, script.schema.json and series.schema.json "
                                             "into DIR (a production's "
                                             ".scriptagent/ is written by `scriptagent new` and kept current by "
                                             "every build).")
    schema.add_argument("--kind", choices=["production", "script", "series"],
                        help="which file's schema (default: production; with --out, all three)")
    schema.add_argument("--out", metavar="DIR", help="write the schema files into DIR instead of printing one")
    schema.set_defaults(run=cmd_schema)
