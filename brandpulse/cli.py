"""The `brandpulse` command: one entry point, one sub-command per module."""

from __future__ import annotations

import argparse
import importlib
import sys

# sub-command -> module exposing `add_arguments(parser)` and `run(args) -> int`
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "generate": ("brandpulse.generator.cli", "Generate a deterministic demo landing zone."),
    "ingest": ("brandpulse.ingest.cli", "Load landing partitions into raw.* without Dagster."),
    "app-sync": (
        "brandpulse.app.cli",
        "Extract the app database into raw.* (incremental; --full re-syncs).",
    ),
    "query": ("brandpulse.query", "Run SQL on the published snapshot (optionally brand-scoped)."),
    "publish": ("brandpulse.publish", "Publish a read-only snapshot of marts and ml."),
    "report": ("brandpulse.report", "Write a static HTML report for a brand."),
    "summary": ("brandpulse.summary", "Print what the warehouse holds: loads, rejects, marts."),
    "ai": (
        "assets.ai.cli",
        "AI Studio: re-queue failed generations, cancel a request, optimize a prompt.",
    ),
}


def main(argv: list[str] | None = None) -> int:
    """Import only the chosen sub-command's module: the others pull in Dagster, prophet, ..."""
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="brandpulse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = next((a for a in argv if not a.startswith("-")), None)
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        sp = sub.add_parser(name, help=help_text)
        if name == chosen:
            module = importlib.import_module(module_name)
            sp.description = module.__doc__
            module.add_arguments(sp)
            sp.set_defaults(_run=module.run)
            # a sub-command may say which of its arguments are never options (query's SQL)
            prepare = getattr(module, "prepare_argv", None)
            if prepare is not None:
                at = argv.index(name) + 1
                argv = [*argv[:at], *prepare(argv[at:])]
    args = parser.parse_args(argv)
    return int(args._run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
