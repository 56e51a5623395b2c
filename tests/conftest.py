"""Test-session settings: every path points into a temp folder, never the repo's data/.

Set before any brandpulse or pipelines module is imported, because the daily partitions
definition reads the start date at import. The folder is removed when the session ends.
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="brandpulse-tests-"))
atexit.register(shutil.rmtree, _SESSION_DIR, ignore_errors=True)
os.environ.setdefault("BRANDPULSE_DATA_DIR", str(_SESSION_DIR / "data"))
os.environ.setdefault("BRANDPULSE_START_DATE", "2026-08-01")
os.environ.setdefault("DAGSTER_HOME", str(_SESSION_DIR / "dagster_home"))
os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
