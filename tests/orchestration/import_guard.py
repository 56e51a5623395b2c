"""Run one Python statement under I/O guards and print, as JSON, every guarded thing it did.

Usage: `python import_guard.py "import pipelines.definitions"` (in a fresh interpreter, so
nothing of the project is imported yet). Python's audit hooks (PEP 578) see every file
open, directory scan, process start, environment write, SQLite and socket connection;
`duckdb.connect` (a C extension, no audit event) is replaced by a recorder. A guarded
event is recorded and then refused (raised), so code cannot go on as if it had worked.

Allowed: reading code and the files a definition is made of (Python sources, the dbt
project's files and its manifest, /proc and /etc that libraries read). Refused: any
write, creating or removing a path, reading or listing the data folder, the landing zone,
the warehouse, the published snapshots or DAGSTER_HOME, starting a process, changing the
environment, connecting to SQLite, DuckDB or the network.

Third-party libraries whose own import does such things (dagster's vendored croniter asks
`file` about the interpreter, numpy and polars set allocator variables, matplotlib creates
its config folder) are imported before the guards go up: they are not the project's I/O.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
REFUSED_EVENTS = (
    "subprocess.Popen",
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "os.fork",
    "os.forkpty",
    "os.putenv",
    "os.unsetenv",
    "os.mkdir",
    "os.remove",
    "os.rmdir",
    "os.rename",
    "os.truncate",
    "os.symlink",
    "os.link",
    "os.chmod",
    "os.utime",
    "shutil.",
    "sqlite3.connect",
    "socket.connect",
    "socket.getaddrinfo",
)
LISTING_EVENTS = ("os.scandir", "os.listdir", "glob.glob", "os.walk")


def data_roots() -> list[str]:
    """Folders holding data, not code: nothing may be read or listed there at import."""
    from brandpulse.config import get_settings

    settings = get_settings()
    roots = {
        settings.data_dir,
        settings.landing_dir,
        settings.warehouse_path,
        settings.published_dir,
        settings.dagster_home,
    }
    return sorted(str(p) for p in roots)


def main(statement: str) -> None:
    import dagster  # noqa: F401  (croniter: platform.architecture() runs `file`)
    import duckdb
    import matplotlib  # noqa: F401  (creates ~/.config/matplotlib)
    import numpy  # noqa: F401  (os.putenv OPENBLAS_MAIN_FREE)
    import polars  # noqa: F401  (os.environ['_RJEM_MALLOC_CONF'])

    roots = data_roots()
    touched: list[str] = []

    def refuse(what: str) -> None:
        touched.append(what)
        raise PermissionError(f"I/O at import: {what}")

    def under_data(path: object) -> bool:
        text = os.path.abspath(os.fsdecode(path)) if isinstance(path, str | bytes) else ""
        return any(text == root or text.startswith(root + os.sep) for root in roots)

    def hook(event: str, args: tuple) -> None:
        if event == "open":
            path, mode, flags = args
            writes = bool((flags or 0) & WRITE_FLAGS) or any(c in (mode or "") for c in "wax+")
            if writes:
                refuse(f"open for writing {path}")
            elif under_data(path):
                refuse(f"open {path}")
        elif event in LISTING_EVENTS:
            if args and under_data(args[0]):
                refuse(f"{event} {args[0]}")
        elif event.startswith(REFUSED_EVENTS):
            refuse(f"{event} {str(args)[:120]}")

    def no_duckdb(*args: object, **kwargs: object) -> None:
        refuse(f"duckdb.connect {args[:1]}")

    duckdb.connect = no_duckdb
    sys.addaudithook(hook)
    with contextlib.suppress(PermissionError):  # recorded in `touched`
        exec(statement, {})
    sys.stdout.write(json.dumps({"touched": touched}) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
