"""What each landing source looks like: its fields, their kinds, and its de-duplication key.

The specs are code, not user input: the validation SQL is generated from them, and no
value from a landing file is ever part of SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["string", "timestamp", "number", "integer", "boolean", "object", "array"]


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    required: bool = False
    allowed: tuple[str, ...] = ()
    max_length: int | None = None


@dataclass(frozen=True)
class Source:
    name: str
    partitioned: bool
    fields: tuple[Field, ...]
    dedup_key: tuple[str, ...] = ()
    """Columns that identify a row: a repeat is a duplicate, kept once (earliest arrival)."""
    extra_rules: tuple[tuple[str, str], ...] = field(default=())
    """(SQL condition over the extracted columns, reason) checked after the field rules."""
    check_brand: bool = True
    definition: bool = False
    """Definitions are validated in Python (brandpulse.ingest.definitions)."""


F = Field

EVENTS = Source(
    name="events",
    partitioned=True,
    fields=(
        F("event_id", "string", required=True),
        F("brand_id", "string", required=True),
        F("event_name", "string", required=True, max_length=200),
        F("occurred_at", "timestamp", required=True),
        F("anonymous_id", "string"),
        F("user_id", "string"),
        F("session_id", "string"),
        F("properties", "object"),
        F("context", "object"),
        F("revenue", "number"),
        F("currency", "string"),
    ),
    dedup_key=("brand_id", "event_id"),
    extra_rules=(
        (
            "anonymous_id IS NULL AND user_id IS NULL",
            "missing_field: one of anonymous_id, user_id is required",
        ),
        ("revenue < 0", "negative_revenue: revenue must be >= 0"),
        (
            "revenue IS NOT NULL AND currency IS NULL",
            "revenue_without_currency: currency is required when revenue is set",
        ),
        (
            "currency IS NOT NULL AND NOT regexp_full_match(currency, '[A-Z]{3}')",
            "invalid_field: currency must be an ISO-4217 code",
        ),
        (
            "occurred_at > CAST(_partition_date AS TIMESTAMP) + INTERVAL 2 DAY",
            "future_timestamp: occurred_at is more than 1 day after the arrival day",
        ),
    ),
)

AI_GENERATION_REQUESTS = Source(
    name="ai_generation_requests",
    partitioned=True,
    fields=(
        F("request_id", "string", required=True),
        F("brand_id", "string", required=True),
        F("user_id", "string"),
        F("type", "string", required=True, allowed=("text", "image", "optimize")),
        F("model", "string", required=True),
        F("prompt", "string", required=True),
        F("parameters", "object"),
        F("collection_id", "string"),
        F("parent_generation_id", "string"),
        F("optimize_prompt", "boolean"),
        F("requested_at", "timestamp", required=True),
    ),
    dedup_key=("brand_id", "request_id"),
)

SHARED_RESOURCES = Source(
    name="shared_resources",
    partitioned=True,
    fields=(
        F("share_id", "string", required=True),
        F("brand_id", "string", required=True),
        F("resource_type", "string", required=True),
        F("resource_id", "string", required=True),
        F("shared_by", "string"),
        F("shared_with", "string", required=True),
        F("permission", "string", required=True, allowed=("view", "comment", "edit")),
        F("created_at", "timestamp", required=True),
        F("revoked_at", "timestamp"),
    ),
    # A share_id has several records: shared, permission changed, revoked, shared again
    # (a new created_at). Each is a different fact; the same fact twice is a duplicate.
    dedup_key=("brand_id", "share_id", "permission", "created_at", "revoked_at"),
)

COMMENTS = Source(
    name="comments",
    partitioned=True,
    fields=(
        F("comment_id", "string", required=True),
        F("brand_id", "string", required=True),
        F("resource_type", "string", required=True),
        F("resource_id", "string", required=True),
        F("author_id", "string"),
        F("parent_comment_id", "string"),
        F("body", "string"),
        F("created_at", "timestamp", required=True),
        F("edited_at", "timestamp"),
        F("deleted_at", "timestamp"),
    ),
    # A comment, its edits and its deletion are separate facts about one comment.
    dedup_key=("brand_id", "comment_id", "edited_at", "deleted_at"),
)

AI_COLLECTIONS = Source(
    name="ai_collections",
    partitioned=True,
    fields=(
        F("collection_id", "string", required=True),
        F("brand_id", "string", required=True),
        F("name", "string", max_length=500),
        F("owner_id", "string"),
        F("created_at", "timestamp", required=True),
        F("updated_at", "timestamp", required=True),
        F("deleted_at", "timestamp"),
    ),
    # A collection has a record per change (created, renamed, deleted); the latest
    # updated_at is its state (stg_raw__ai_collections). The same record twice is a duplicate.
    dedup_key=("brand_id", "collection_id", "updated_at"),
    extra_rules=(
        ("updated_at < created_at", "invalid_field: updated_at is before created_at"),
        ("deleted_at < created_at", "invalid_field: deleted_at is before created_at"),
    ),
)

AI_COLLECTION_MEMBERSHIPS = Source(
    name="ai_collection_memberships",
    partitioned=True,
    fields=(
        F("collection_id", "string", required=True),
        F("generation_id", "string", required=True),
        F("brand_id", "string", required=True),
        F("action", "string", required=True, allowed=("add", "remove")),
        F("occurred_at", "timestamp", required=True),
    ),
    # The history of a generation in a collection: each add or remove is a fact.
    dedup_key=("brand_id", "collection_id", "generation_id", "action", "occurred_at"),
)

BRANDS = Source(
    name="brands",
    partitioned=False,
    fields=(
        F("brand_id", "string", required=True),
        F("name", "string"),
        F("timezone", "string", required=True),
        F("currency", "string"),
        F("plan", "string"),
        F("ai_monthly_budget_usd", "number"),
        F("ai_daily_generation_quota", "integer"),
        F("created_at", "timestamp"),
    ),
    dedup_key=("brand_id",),
    extra_rules=(
        (
            "timezone NOT IN (SELECT name FROM pg_timezone_names())",
            "invalid_field: timezone must be an IANA time zone name",
        ),
        ("ai_monthly_budget_usd < 0", "invalid_field: ai_monthly_budget_usd must be >= 0"),
        ("ai_daily_generation_quota < 0", "invalid_field: ai_daily_generation_quota must be >= 0"),
    ),
    check_brand=False,
)

FUNNELS = Source(
    "funnels",
    False,
    (F("funnel_id", "string", required=True), F("brand_id", "string", required=True)),
    ("brand_id", "funnel_id"),
    definition=True,
)
COHORTS = Source(
    "cohorts",
    False,
    (F("cohort_id", "string", required=True), F("brand_id", "string", required=True)),
    ("brand_id", "cohort_id"),
    definition=True,
)
SEGMENTS = Source(
    "segments",
    False,
    (F("segment_id", "string", required=True), F("brand_id", "string", required=True)),
    ("brand_id", "segment_id"),
    definition=True,
)

SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        EVENTS,
        AI_GENERATION_REQUESTS,
        SHARED_RESOURCES,
        COMMENTS,
        AI_COLLECTIONS,
        AI_COLLECTION_MEMBERSHIPS,
        BRANDS,
        FUNNELS,
        COHORTS,
        SEGMENTS,
    )
}
PARTITIONED_SOURCES = tuple(s for s in SOURCES.values() if s.partitioned)
SNAPSHOT_SOURCES = tuple(s for s in SOURCES.values() if not s.partitioned)
