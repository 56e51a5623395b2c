"""`make docs`: dbt's static documentation site of the warehouse, under <data dir>/docs.

`dbt docs generate --static` writes index.html (open it through a web server) and
static_index.html (manifest and catalog inlined: open the file directly). The catalog
(column types, row counts) is read from the warehouse, so it must exist: `make run` first.
The same descriptions are in the published snapshot as DuckDB comments.
"""

from __future__ import annotations

import os
import subprocess
import sys

from brandpulse.config import get_settings
from brandpulse.dbt_cli import PROJECT_ARGS, dbt_executable


def main() -> int:
    settings = get_settings()
    if not settings.warehouse_path.exists():
        print(f"No warehouse at {settings.warehouse_path}: run `make run` first.", file=sys.stderr)
        return 1
    target = settings.data_dir / "docs"
    proc = subprocess.run(
        [
            dbt_executable(),
            "--quiet",
            "docs",
            "generate",
            "--static",
            *PROJECT_ARGS,
            "--target-path",
            str(target),
        ],
        env={**os.environ, **settings.env(), "DBT_LOG_PATH": str(settings.data_dir / "logs")},
        check=False,
    )
    if proc.returncode != 0:
        return proc.returncode
    print(f"dbt docs: {target / 'static_index.html'} (open it in a browser)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
