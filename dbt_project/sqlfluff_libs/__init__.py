"""dbt's Jinja context as far as sqlfluff needs it to render this project (jinja templater).

sqlfluff lints the SQL the jinja templater renders; without dbt it knows `ref`, `source`,
`config`, `var`, `is_incremental` and `this` only (`apply_dbt_builtins`). Everything else
this project's models and macros call is here, rendering what dbt-duckdb would at parse
time (`execute` is false, as in `dbt parse`): `adapter.dispatch` picks the project's
`duckdb__`/`default__` macro, `dbt.*` renders the cross-database macros as DuckDB SQL,
`return` hands its value back as the macro's text. Nothing here touches a database.

The project's macros are loaded here too, from one template of all macro files, so a
macro calls a macro of another file as in dbt (sqlfluff's `load_macros_from_path` gives
each file its own snapshot of the context, where macros of later files are missing).
`return` works as in dbt: it raises, and the macro call returns the value (the jinja
Macro is patched to catch it; this process only runs sqlfluff).
Loaded by `library_path` in dbt_project/.sqlfluff; dbt itself never imports it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Macro
from jinja2.sandbox import SandboxedEnvironment
from sqlfluff.core.templaters.builtins.dbt import DBT_BUILTINS
from sqlfluff.core.templaters.jinja import DBTTestExtension

MACROS_DIR = Path(__file__).resolve().parent.parent / "macros"

execute = False
run_started_at = datetime(2026, 1, 1, tzinfo=UTC)


class _Adapter:
    """`adapter`: dispatch to the project's own macros; no relation exists at parse time."""

    @pass_context
    def dispatch(self, context: Any, macro_name: str, macro_namespace: str | None = None) -> Any:
        for prefix in ("duckdb__", "default__"):
            macro = context.get(prefix + macro_name)
            if macro is not None:
                return macro
        raise LookupError(f"no duckdb__ or default__ implementation of macro {macro_name!r}")

    def get_relation(self, *args: Any, **kwargs: Any) -> None:
        return None

    def get_columns_in_relation(self, *args: Any, **kwargs: Any) -> list:
        return []


class _CrossDatabase:
    """`dbt.<macro>`: dbt's cross-database macros as dbt-duckdb renders them."""

    def type_string(self) -> str:
        return "varchar"

    def date_trunc(self, datepart: str, date: str) -> str:
        return f"date_trunc('{datepart}', {date})"

    def dateadd(self, datepart: str, interval: Any, from_date_or_timestamp: str) -> str:
        return f"date_add({from_date_or_timestamp}, interval ({interval}) {datepart})"

    def datediff(self, first_date: str, second_date: str, datepart: str) -> str:
        return f"date_diff('{datepart}', {first_date}, {second_date})"

    def concat(self, fields: list[str]) -> str:
        return " || ".join(fields)

    def hash(self, field: str) -> str:
        return f"md5(cast({field} as varchar))"

    def length(self, expression: str) -> str:
        return f"length({expression})"

    def split_part(self, string_text: str, delimiter_text: str, part_number: Any) -> str:
        return f"split_part({string_text}, {delimiter_text}, {part_number})"

    def listagg(
        self,
        measure: str,
        delimiter_text: str = "','",
        order_by_clause: str | None = None,
        limit_num: int | None = None,
    ) -> str:
        return f"string_agg({measure}, {delimiter_text} {order_by_clause or ''})"


class _Target:
    name = "dev"
    type = "duckdb"
    schema = "main"
    database = "warehouse"


class _Exceptions:
    def raise_compiler_error(self, message: str) -> None:
        raise RuntimeError(message)


class _Return(Exception):  # noqa: N818 - dbt's name for it is MacroReturn
    def __init__(self, value: Any) -> None:
        self.value = value


def _return(value: Any) -> None:
    raise _Return(value)


_invoke = Macro._invoke


def _invoke_returning(self: Macro, arguments: list, autoescape: bool) -> Any:
    try:
        return _invoke(self, arguments, autoescape)
    except _Return as returned:
        return returned.value


Macro._invoke = _invoke_returning


class _Table:
    """What `run_query` returns: one column holding one 0."""

    class _Column:
        def values(self) -> list[int]:
            return [0]

    columns = [_Column()]


def run_query(sql: str) -> _Table:
    return _Table()


class _Graph:
    nodes: dict = {}
    sources: dict = {}


def env_var(name: str, default: str = "") -> str:
    return default


def load_relation(relation: Any) -> None:
    return None


def log(*args: Any, **kwargs: Any) -> str:
    return ""


adapter = _Adapter()
dbt = _CrossDatabase()
target = _Target()
exceptions = _Exceptions()
graph = _Graph()
globals()["return"] = _return


def _project_macros() -> dict[str, Any]:
    """Every macro of macros/ (one template, so they see each other), by name."""
    env = SandboxedEnvironment(extensions=["jinja2.ext.do", DBTTestExtension])
    context = {
        **DBT_BUILTINS,
        **{k: v for k, v in globals().items() if not k.startswith("_")},
        "return": _return,
    }
    # a custom materialization is dbt-only syntax (no plain-Jinja tag); models never call it
    texts = (path.read_text() for path in sorted(MACROS_DIR.rglob("*.sql")))
    source = "\n".join(t for t in texts if "{% materialization" not in t)
    module = env.from_string(source, globals=context).make_module()
    return {name: getattr(module, name) for name in dir(module) if not name.startswith("_")}


globals().update(_project_macros())
