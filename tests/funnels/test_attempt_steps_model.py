"""The dbt Python model int_funnel_attempt_steps outside dbt: its join of the events' strings
back by int_events_resolved's rowid, and the check that fails the build when a checkpoint
moved those rows between the model's two statements (a compaction of deleted rows).

dbt runs the model as `model(dbtObj(load_df_function), cursor)`; `_Dbt` below does what
dbt's generated dbtObj does with refs (a loader called with the compiled relation name)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb
import pytest

MODEL = (
    Path(__file__).resolve().parents[2]
    / "dbt_project/models/intermediate/funnels/int_funnel_attempt_steps.py"
)


class _Dbt:
    def __init__(self, load_df_function) -> None:
        self.ref = lambda name: load_df_function(f'"main"."{name}"')
        self.config = lambda **_: None


def _load_df(con: duckdb.DuckDBPyConnection):
    """dbt-duckdb's loader of a ref (environments/local.py)."""
    return lambda relation: con.query(f"select * from {relation}")  # noqa: S608 (test names)


def _model():
    spec = importlib.util.spec_from_file_location("int_funnel_attempt_steps", MODEL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.model


def _warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    """One ordered funnel [a, b] of brand b1; person p1 does a then b after 300,000 unrelated
    events (three row groups), so deleting every other one and checkpointing moves p1's rows."""
    con = duckdb.connect(str(path))
    con.execute(
        """
        create table int_events_resolved as
        select 'b1' as brand_id, 'x' || i as event_id, 'px' as person_id, 'other' as event_name,
            timestamp '2026-08-01' as occurred_at
        from range(300000) as t(i)
        union all
        select 'b1', 'e1', 'p1', 'a', timestamp '2026-08-01 00:00:10'
        union all
        select 'b1', 'e2', 'p1', 'b', timestamp '2026-08-01 00:00:20'
        """
    )
    con.execute(
        """
        create table int_funnel_steps as
        select 1 as funnel_key, 'b1' as brand_id, 'f1' as funnel_id, n as step_number,
            'ordered' as funnel_order, 60 as window_seconds, n - 1 as processing_position,
            false as shares_events
        from range(1, 3) as t(n)
        """
    )
    con.execute("create table stg_raw__funnel_exclusions (brand_id varchar, funnel_id varchar)")
    # the matches as int_funnel_step_matches carries them (funnel_event_reference's columns)
    con.execute(
        """
        create view int_funnel_step_matches as
        select 1 as funnel_key, 1 as person_key,
            row_number() over (order by occurred_at, event_id) as rn,
            case event_name when 'a' then 1 else 2 end as step_number,
            rank() over (order by occurred_at) as grp_rn,
            dense_rank() over (order by occurred_at) as time_grp,
            occurred_at, e.rowid as event_row,
            cast(hash(brand_id, event_id) >> 1 as bigint) as event_check
        from int_events_resolved as e
        where person_id = 'p1'
        """
    )
    con.execute("checkpoint")
    return con


def test_the_events_strings_are_joined_back_by_their_row(tmp_path: Path) -> None:
    con = _warehouse(tmp_path / "w.duckdb")
    rows = _model()(_Dbt(_load_df(con)), con).order("step_seq").fetchall()
    assert [(r[3], r[4], r[5], r[9]) for r in rows] == [(1, 1, "e1", "p1"), (2, 2, "e2", None)]


def test_rows_moved_by_a_checkpoint_fail_the_build(tmp_path: Path) -> None:
    con = _warehouse(tmp_path / "w.duckdb")
    attempts = _model()(_Dbt(_load_df(con)), con)  # searched: the rowids are read
    moved = "select rowid from int_events_resolved where event_id = 'e1'"
    before = con.execute(moved).fetchall()
    con.execute(
        "delete from int_events_resolved where person_id = 'px' and cast(substr(event_id, 2) as int) % 2 = 0"
    )
    con.execute("checkpoint")  # compacts the deleted rows: p1's events move
    assert con.execute(moved).fetchall() != before
    with pytest.raises(duckdb.InvalidInputException, match="a checkpoint moved its rows"):
        attempts.fetchall()
