"""Every relative link of the README and docs/ resolves to a file inside the repository
(a link to ../shared/... works only in one engineer's checkout)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from brandpulse.config import REPO_ROOT

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
DOCS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_relative_links_resolve_inside_the_repository(doc: Path) -> None:
    for target in LINK.findall(doc.read_text(encoding="utf-8")):
        if re.match(r"^[a-z]+://", target) or target.startswith(("#", "mailto:")):
            continue
        path = (doc.parent / target.split("#", 1)[0]).resolve()
        assert path.is_relative_to(REPO_ROOT), f"{doc.name}: {target} points outside the repository"
        assert path.exists(), f"{doc.name}: {target} does not exist"


def test_readme_links_the_landing_contract() -> None:
    assert "(docs/landing_contract.md)" in (REPO_ROOT / "README.md").read_text(encoding="utf-8")
