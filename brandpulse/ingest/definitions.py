"""Validation of definitions made in the app (funnels, cohorts, segments).

Definitions are data, never code: each is checked here against a fixed grammar and
turned into plain rows (steps, filters, exclusions, rule-tree nodes) that dbt joins
against. A bad definition is reported by id with its reason; the others still load.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from brandpulse.config import DBT_PROJECT_DIR

WINDOW_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}
FUNNEL_ORDERS = ("ordered", "strict", "unordered")
DEFAULT_WINDOW_SECONDS = 14 * 86400
NUMERIC_OPS = (">", ">=", "<", "<=", "=", "!=")
TEXT_OPS = ("=", "!=", "in", "not_in")
MAX_RULE_DEPTH = 5


class DefinitionError(ValueError):
    """A definition breaks the grammar; the message says where and why."""


@dataclass
class ParsedDefinition:
    """The validated rows of one definition, keyed by raw table name."""

    row: dict[str, Any]
    children: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@lru_cache(maxsize=1)
def segment_features() -> dict[str, dict[str, str]]:
    """The feature catalog (dbt seed `segment_features.csv`) that segment rules may use."""
    with open(DBT_PROJECT_DIR / "seeds" / "segment_features.csv", newline="") as handle:
        return {row["feature"]: row for row in csv.DictReader(handle)}


def _optional_text(doc: dict[str, Any], key: str) -> str | None:
    value = doc.get(key)
    if value is not None and not isinstance(value, str):
        raise DefinitionError(f"{key} must be a string or null")
    return value or None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def where_value(value: Any) -> dict[str, str]:
    """A `where` value as (value_text, value_type): it matches a property of the same JSON
    type and value (a number numerically: 2 = 2.0; the string "2" is not the number 2)."""
    if isinstance(value, bool):
        return {"value_text": "true" if value else "false", "value_type": "boolean"}
    if isinstance(value, str):
        return {"value_text": value, "value_type": "string"}
    return {"value_text": json.dumps(value), "value_type": "number"}


def parse_funnel(doc: dict[str, Any]) -> ParsedDefinition:
    steps = doc.get("steps")
    if not isinstance(steps, list) or not 2 <= len(steps) <= 20:
        raise DefinitionError("steps must be an array of 2 to 20 steps")
    order = doc.get("order") or "ordered"
    if order not in FUNNEL_ORDERS:
        raise DefinitionError(f"order must be one of {', '.join(FUNNEL_ORDERS)}")
    window = doc.get("conversion_window")
    window_seconds = DEFAULT_WINDOW_SECONDS
    if window is not None:
        if not isinstance(window, dict) or window.get("unit") not in WINDOW_UNITS:
            raise DefinitionError(
                "conversion_window must be {value, unit} with unit one of "
                + ", ".join(WINDOW_UNITS)
            )
        value = window.get("value")
        if not _is_number(value) or value <= 0 or int(value) != value:
            raise DefinitionError("conversion_window.value must be a positive whole number")
        window_seconds = int(value) * WINDOW_UNITS[window["unit"]]
    step_rows: list[dict[str, Any]] = []
    filter_rows: list[dict[str, Any]] = []
    for number, step in enumerate(steps, start=1):
        if not isinstance(step, dict):
            raise DefinitionError(f"step {number} must be an object")
        event_name = step.get("event_name")
        if event_name is not None and (not isinstance(event_name, str) or not event_name.strip()):
            raise DefinitionError(f"step {number} event_name must be a non-empty string or null")
        where = step.get("where") or {}
        if not isinstance(where, dict):
            raise DefinitionError(f"step {number} where must be an object of property: value")
        for prop, value in where.items():
            if not prop or prop.startswith(("$", "/")):
                raise DefinitionError(f"step {number} where-property must be a plain property name")
            if not (isinstance(value, str | bool) or _is_number(value)):
                raise DefinitionError(
                    f"step {number} where-value of {prop!r} must be a string, number or boolean"
                )
            filter_rows.append({"step_number": number, "property": prop, **where_value(value)})
        step_rows.append(
            {"step_number": number, "event_name": event_name, "filter_count": len(where)}
        )
    exclusion_rows: list[dict[str, Any]] = []
    exclusions = doc.get("exclusions") or []
    if not isinstance(exclusions, list):
        raise DefinitionError("exclusions must be an array")
    for i, exc in enumerate(exclusions, start=1):
        if (
            not isinstance(exc, dict)
            or not isinstance(exc.get("event_name"), str)
            or not exc["event_name"]
        ):
            raise DefinitionError(f"exclusion {i} needs an event_name")
        lo, hi = exc.get("from_step"), exc.get("to_step")
        if (
            not (isinstance(lo, int) and isinstance(hi, int))
            or isinstance(lo, bool)
            or isinstance(hi, bool)
        ):
            raise DefinitionError(f"exclusion {i} from_step and to_step must be whole step numbers")
        if not 1 <= lo < hi <= len(steps):
            raise DefinitionError(
                f"exclusion {i} must satisfy 1 <= from_step < to_step <= {len(steps)}"
            )
        exclusion_rows.append({"event_name": exc["event_name"], "from_step": lo, "to_step": hi})
    row = {
        "name": _optional_text(doc, "name"),
        "funnel_order": order,
        "window_seconds": window_seconds,
        "step_count": len(steps),
    }
    return ParsedDefinition(
        row,
        {
            "funnel_steps": step_rows,
            "funnel_step_filters": filter_rows,
            "funnel_exclusions": exclusion_rows,
        },
    )


def parse_cohort(doc: dict[str, Any]) -> ParsedDefinition:
    grain, kind, periods = doc.get("grain"), doc.get("kind"), doc.get("periods")
    if grain not in ("day", "week", "month"):
        raise DefinitionError("grain must be one of day, week, month")
    if kind not in ("first_time", "recurring"):
        raise DefinitionError("kind must be one of first_time, recurring")
    if not isinstance(periods, int) or isinstance(periods, bool) or not 1 <= periods <= 52:
        raise DefinitionError("periods must be a whole number from 1 to 52")
    row = {
        "name": _optional_text(doc, "name"),
        "start_event": _optional_text(doc, "start_event"),
        "return_event": _optional_text(doc, "return_event"),
        "grain": grain,
        "kind": kind,
        "periods": periods,
    }
    return ParsedDefinition(row)


def _flatten_rules(node: Any, nodes: list[dict[str, Any]], parent: int | None, depth: int) -> None:
    if depth > MAX_RULE_DEPTH:
        raise DefinitionError(f"rules are nested deeper than {MAX_RULE_DEPTH} levels")
    if not isinstance(node, dict):
        raise DefinitionError("every rule must be an object")
    node_id = len(nodes)
    groups = [k for k in ("all", "any") if k in node]
    if groups:
        if len(node) != 1:
            raise DefinitionError("a group rule has exactly one key: all or any")
        children = node[groups[0]]
        if not isinstance(children, list) or not children:
            raise DefinitionError(f"'{groups[0]}' must be a non-empty array of rules")
        nodes.append(
            {"node_id": node_id, "parent_node_id": parent, "depth": depth, "node_type": groups[0]}
        )
        for child in children:
            _flatten_rules(child, nodes, node_id, depth + 1)
        return
    feature, op, value = node.get("feature"), node.get("op"), node.get("value")
    catalog = segment_features()
    if feature not in catalog:
        raise DefinitionError(f"unknown feature {feature!r}")
    spec = catalog[feature]
    param = node.get("event_name")
    if spec["needs_event_name"] == "true":
        if not isinstance(param, str) or not param:
            raise DefinitionError(f"feature {feature} needs an event_name")
    elif param is not None:
        raise DefinitionError(f"feature {feature} takes no event_name")
    leaf = {
        "node_id": node_id,
        "parent_node_id": parent,
        "depth": depth,
        "node_type": "leaf",
        "feature": feature,
        "feature_param": param,
        "op": op,
        "value_number": None,
        "value_text": None,
        "value_list": None,
    }
    if spec["value_type"] == "number":
        if op not in NUMERIC_OPS:
            raise DefinitionError(f"unknown operator {op!r} for numeric feature {feature}")
        if not _is_number(value):
            raise DefinitionError(f"value of {feature} must be a number")
        leaf["value_number"] = float(value)
    else:
        if op not in TEXT_OPS:
            raise DefinitionError(f"unknown operator {op!r} for text feature {feature}")
        if op in ("in", "not_in"):
            if (
                not isinstance(value, list)
                or not value
                or not all(isinstance(v, str) for v in value)
            ):
                raise DefinitionError(
                    f"value of {feature} {op} must be a non-empty array of strings"
                )
            leaf["value_list"] = list(value)
        elif isinstance(value, str):
            leaf["value_text"] = value
        else:
            raise DefinitionError(f"value of {feature} must be a string")
    nodes.append(leaf)


def parse_segment(doc: dict[str, Any]) -> ParsedDefinition:
    rules = doc.get("rules")
    if isinstance(rules, str):  # rules sent as JSON text
        try:
            rules = json.loads(rules)
        except json.JSONDecodeError as exc:
            raise DefinitionError(f"rules is not valid JSON ({exc.msg})") from exc
    nodes: list[dict[str, Any]] = []
    _flatten_rules(rules, nodes, None, 0)
    return ParsedDefinition(
        {"name": _optional_text(doc, "name"), "rules": json.dumps(rules)},
        {"segment_rule_nodes": nodes},
    )


PARSERS = {"funnels": parse_funnel, "cohorts": parse_cohort, "segments": parse_segment}
