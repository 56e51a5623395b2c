"""Turn the jupytext notebooks into executed .ipynb files (outputs included).

    python -m brandpulse.report.notebooks                 every notebooks/NN_*.py
    python -m brandpulse.report.notebooks --brand acme notebooks/02_funnel_explorer.py
    python -m brandpulse.report.notebooks --no-execute    convert only

The .py files (percent format) are the source; the .ipynb beside them are generated
and git-ignored. Execution uses nbclient and the venv's `python3` kernel (installed
with ipykernel), on the current published snapshot.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import jupytext
import nbformat

from brandpulse.config import REPO_ROOT
from brandpulse.report.notebook import BRAND_ENV

NOTEBOOKS_DIR = REPO_ROOT / "notebooks"


def notebook_sources(directory: Path = NOTEBOOKS_DIR) -> list[Path]:
    return sorted(directory.glob("[0-9][0-9]_*.py"))


def build_notebook(
    source: Path, execute: bool = True, kernel_name: str = "python3", timeout: int = 600
) -> Path:
    """Write `source` as .ipynb beside it, executed top to bottom unless `execute` is False."""
    nb = jupytext.read(source)
    if execute:
        from nbclient import NotebookClient

        client = NotebookClient(
            nb,
            kernel_name=kernel_name,
            timeout=timeout,
            resources={"metadata": {"path": str(source.parent)}},
        )
        client.execute()
    target = source.with_suffix(".ipynb")
    tmp = target.with_name(f".{target.name}.tmp")
    nbformat.write(nb, str(tmp))
    os.replace(tmp, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m brandpulse.report.notebooks", description=__doc__
    )
    parser.add_argument("sources", nargs="*", type=Path, help="notebooks/NN_*.py (default: all)")
    parser.add_argument("--brand", help=f"brand to analyse (sets {BRAND_ENV})")
    parser.add_argument("--no-execute", action="store_true", help="convert only")
    parser.add_argument("--kernel", default="python3", help="kernel name (default: python3)")
    args = parser.parse_args(argv)
    if args.brand:
        os.environ[BRAND_ENV] = args.brand
    failed = 0
    for source in args.sources or notebook_sources():
        try:
            target = build_notebook(source, execute=not args.no_execute, kernel_name=args.kernel)
        except Exception as exc:  # report every notebook, then fail
            failed += 1
            print(
                f"FAILED {source}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else exc}",
                file=sys.stderr,
            )
            continue
        print(f"wrote {target}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
