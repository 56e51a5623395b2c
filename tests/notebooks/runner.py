"""Execute the jupytext notebooks with nbclient on a kernel of this venv.

The kernelspec is written into a temp folder that JUPYTER_PATH points at, with argv[0]
= this interpreter, so the tests run from a fresh clone with no `ipykernel install`
step and never pick up another Python's kernel.

Starting a kernel and importing pandas/matplotlib/duckdb costs several seconds on the
shared 2-core box, so `SharedKernel` starts one kernel and runs the notebooks in it one
after the other, clearing the user namespace (`%reset -f`) before each: a notebook
that leaned on a name defined by another one still fails.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import jupytext
import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.util import run_sync

KERNEL_NAME = "brandpulse-test"
NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"
RESET = "get_ipython().run_line_magic('reset', '-f')"


def write_kernelspec(root: Path) -> Path:
    """A kernelspec for this interpreter under `root`/kernels; returns `root` (for JUPYTER_PATH)."""
    spec_dir = root / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "brandpulse tests",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    return root


def notebook_paths() -> list[Path]:
    return sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.py"))


def read_notebook(path: Path) -> nbformat.NotebookNode:
    return jupytext.read(path)


class SharedKernel:
    """One kernel (started on first use) that runs notebooks in turn."""

    def __init__(self, workdir: Path, env: dict[str, str], timeout: int = 120) -> None:
        self.workdir = workdir
        self.env = {**os.environ, **env}
        self.timeout = timeout
        self.km: KernelManager | None = None

    def run(self, path: Path) -> nbformat.NotebookNode:
        """Execute every cell of `path` top to bottom; raises CellExecutionError on an error."""
        nb = read_notebook(path)
        reset = nbformat.v4.new_code_cell(RESET)
        nb.cells.insert(0, reset)
        client = NotebookClient(
            nb,
            km=self.km,
            kernel_name=KERNEL_NAME,
            timeout=self.timeout,
            resources={"metadata": {"path": str(self.workdir)}},
        )
        client.execute(cleanup_kc=False, env=self.env, cwd=str(self.workdir))
        self.km = client.km
        nb.cells.remove(reset)
        return nb

    def shutdown(self) -> None:
        if self.km is not None:
            run_sync(self.km.shutdown_kernel)(now=True)
            self.km = None


def run_once(
    path: Path, workdir: Path, env: dict[str, str], timeout: int = 120
) -> nbformat.NotebookNode:
    """Execute `path` in a kernel of its own (started and shut down here)."""
    nb = read_notebook(path)
    client = NotebookClient(
        nb, kernel_name=KERNEL_NAME, timeout=timeout, resources={"metadata": {"path": str(workdir)}}
    )
    client.execute(env={**os.environ, **env}, cwd=str(workdir))
    return nb


def outputs(nb: nbformat.NotebookNode) -> list[dict]:
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])]


def images(nb: nbformat.NotebookNode) -> int:
    return sum(1 for out in outputs(nb) if "image/png" in out.get("data", {}))


def text(nb: nbformat.NotebookNode) -> str:
    parts = []
    for out in outputs(nb):
        parts.append(out.get("text", ""))
        for mime in ("text/plain", "text/markdown", "text/html"):
            parts.append(str(out.get("data", {}).get(mime, "")))
    return "\n".join(parts)
