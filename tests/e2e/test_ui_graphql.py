"""The Dagster UI end to end: start `dagster dev` on 127.0.0.1, read the asset graph over
GraphQL, launch one partition of the ingest job through it, and wait for success."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from brandpulse.config import REPO_ROOT
from tests.ingest.landing import event, write_brands, write_events

pytestmark = pytest.mark.e2e

EXPECTED_UPSTREAMS = {
    "raw/events": {"raw/brands"},
    "staging/stg_raw__events": {"raw/events"},
    "intermediate/int_events_resolved": {"staging/stg_raw__events"},
    "marts/funnel_persons": set(),
    "marts/daily_brand_metrics": set(),
    "ml/revenue_forecast": {"marts/daily_brand_metrics"},
    "ml/metric_correlations": {"marts/daily_brand_metrics", "marts/event_daily"},
    "ml/person_predictions": {"intermediate/int_person_days"},
    "intermediate/int_person_prediction_features": {"ml/person_predictions"},
    "marts/person_segments": {"intermediate/int_person_features_long"},
    "ai/generation_plan": {"raw/ai_generation_requests", "raw/brands"},
    "ai/provider_calls": {"ai/generation_plan"},
    "ai/generations": {"ai/provider_calls"},
    "published/snapshot": {"marts/daily_brand_metrics"},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(url: str, query: str, variables: dict | None = None) -> dict:
    response = httpx.post(url, json={"query": query, "variables": variables or {}}, timeout=60)
    response.raise_for_status()
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


@pytest.fixture(scope="module")
def dagster_dev(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("ui")
    landing = root / "landing"
    write_brands(landing)
    write_events(landing, "2026-08-01", [event("e1"), event("e2", user_id="u1")])
    home = root / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    port = free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "BRANDPULSE_DATA_DIR": str(root / "data"),
        "BRANDPULSE_LANDING": str(landing),
        "BRANDPULSE_START_DATE": "2026-08-01",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    log = open(root / "dagster-dev.log", "w")  # noqa: SIM115 - closed in teardown
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "dagster"),
            "dev",
            "-w",
            "workspace.yaml",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/graphql"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert proc.poll() is None, (root / "dagster-dev.log").read_text()[-3000:]
            try:
                status = graphql(
                    url,
                    "{ workspaceOrError { ... on Workspace { locationEntries { name "
                    "locationOrLoadError { __typename } } } } }",
                )
                entries = status["workspaceOrError"]["locationEntries"]
                if (
                    entries
                    and entries[0]["locationOrLoadError"]
                    and entries[0]["locationOrLoadError"]["__typename"] == "RepositoryLocation"
                ):
                    break
            except (httpx.HTTPError, AssertionError, KeyError, TypeError):
                pass
            time.sleep(1)
        else:
            pytest.fail(
                "dagster dev did not come up: " + (root / "dagster-dev.log").read_text()[-3000:]
            )
        yield url, entries[0]["name"], root
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def test_asset_graph_has_every_expected_asset_and_upstream(dagster_dev) -> None:
    url, _, _ = dagster_dev
    data = graphql(
        url,
        "{ assetNodes { assetKey { path } dependencyKeys { path } groupName description "
        "owners { ... on TeamAssetOwner { team } ... on UserAssetOwner { email } } } }",
    )
    nodes = {"/".join(n["assetKey"]["path"]): n for n in data["assetNodes"]}
    for key, upstreams in EXPECTED_UPSTREAMS.items():
        assert key in nodes, f"{key} missing from the asset graph"
        deps = {"/".join(d["path"]) for d in nodes[key]["dependencyKeys"]}
        assert upstreams <= deps, f"{key}: expected upstreams {upstreams - deps}"
    # every asset is documented and grouped, every materializable one owned
    for key, node in nodes.items():
        assert node["groupName"], key
        assert node["description"], key


def test_launch_one_partition_through_graphql_and_wait_for_success(dagster_dev) -> None:
    url, location, root = dagster_dev
    launched = graphql(
        url,
        """mutation Launch($params: ExecutionParams!) {
             launchRun(executionParams: $params) {
               __typename
               ... on LaunchRunSuccess { run { runId } }
               ... on PythonError { message }
               ... on RunConfigValidationInvalid { errors { message } }
             } }""",
        {
            "params": {
                "selector": {
                    "repositoryLocationName": location,
                    "repositoryName": "__repository__",
                    "jobName": "ingest_job",
                },
                "executionMetadata": {
                    "tags": [{"key": "dagster/partition", "value": "2026-08-01"}]
                },
            }
        },
    )["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]
    deadline = time.monotonic() + 240
    status = None
    while time.monotonic() < deadline:
        status = graphql(
            url,
            "query R($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }",
            {"id": run_id},
        )["runOrError"]["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            break
        time.sleep(2)
    assert status == "SUCCESS", (root / "dagster-dev.log").read_text()[-4000:]
    import duckdb

    with duckdb.connect(str(root / "data" / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.events").fetchone()[0] == 2


def launch(url: str, location: str, job: str, tags: dict[str, str]) -> str:
    result = graphql(
        url,
        """mutation Launch($params: ExecutionParams!) {
             launchRun(executionParams: $params) { __typename ... on LaunchRunSuccess { run { runId } }
               ... on PythonError { message } } }""",
        {
            "params": {
                "selector": {
                    "repositoryLocationName": location,
                    "repositoryName": "__repository__",
                    "jobName": job,
                },
                "executionMetadata": {"tags": [{"key": k, "value": v} for k, v in tags.items()]},
            }
        },
    )["launchRun"]
    assert result["__typename"] == "LaunchRunSuccess", result
    return result["run"]["runId"]


def wait_all(url: str, run_ids: list[str], timeout: float = 420) -> dict[str, str]:
    statuses: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for run_id in run_ids:
            statuses[run_id] = graphql(
                url,
                "query R($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }",
                {"id": run_id},
            )["runOrError"]["status"]
        if all(s in ("SUCCESS", "FAILURE", "CANCELED") for s in statuses.values()):
            break
        time.sleep(2)
    return statuses


def test_competing_runs_on_one_warehouse_all_succeed(dagster_dev) -> None:
    """A scheduled-style partition run, a sensor-style run and a backfill range, queued at once:
    the single-writer pool serializes their warehouse steps, so none hits DuckDB's file lock."""
    url, location, root = dagster_dev
    write_events(root / "landing", "2026-08-02", [event("e3", occurred_at="2026-08-02T01:00:00Z")])
    write_events(root / "landing", "2026-08-03", [event("e4", occurred_at="2026-08-03T01:00:00Z")])
    runs = [
        launch(
            url,
            location,
            "ingest_job",
            {"dagster/partition": "2026-08-02", "brandpulse/trigger": "schedule"},
        ),
        launch(
            url,
            location,
            "ingest_job",
            {"dagster/partition": "2026-08-03", "brandpulse/trigger": "landing"},
        ),
        launch(
            url,
            location,
            "ingest_job",
            {
                "dagster/asset_partition_range_start": "2026-08-01",
                "dagster/asset_partition_range_end": "2026-08-03",
            },
        ),
    ]
    statuses = wait_all(url, runs)
    log = (root / "dagster-dev.log").read_text()
    assert all(s == "SUCCESS" for s in statuses.values()), (statuses, log[-4000:])
    assert "Could not set lock" not in log
    import duckdb

    with duckdb.connect(str(root / "data" / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.events").fetchone()[0] == 4
