"""What is read from each app table and how a row becomes a landing-format row.

An app row is mapped (in DuckDB SQL over the fetched batch) onto the JSON document the
landing zone would hold for the same fact, and that document goes through the same
validation SQL as a file line (brandpulse.ingest.validate). The specs are code: the SQL
text here never contains a value from the app database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from brandpulse.ingest.sources import SOURCES, Field, Source

Kind = Literal["append", "current", "snapshot", "membership"]
"""append: new facts only (events, requests, share and comment records), de-duplicated by
the source's key; current: the row's latest version replaces the previous one (brands,
definitions, collections), a soft-deleted definition is removed; snapshot: small tables
without `updatedAt`, read whole and replaced; membership: the join table's key set,
diffed against the warehouse into add/remove records."""

F = Field

TEAMS = Source(
    "teams",
    False,
    (
        F("team_id", "string", required=True),
        F("brand_id", "string", required=True),
        F("name", "string"),
        F("created_at", "timestamp"),
    ),
    ("brand_id", "team_id"),
)
TEAM_MEMBERS = Source(
    "team_members",
    False,
    (
        F("team_id", "string", required=True),
        F("brand_id", "string", required=True),
        F("user_id", "string", required=True),
        F("role", "string", required=True, allowed=("owner", "member")),
        F("created_at", "timestamp"),
        F("deleted_at", "timestamp"),
    ),
    ("brand_id", "team_id", "user_id"),
)
AI_COLLECTIONS = Source(
    "ai_collections",
    False,
    (
        F("collection_id", "string", required=True),
        F("brand_id", "string", required=True),
        F("name", "string"),
        F("owner_id", "string"),
        F("created_at", "timestamp", required=True),
        F("updated_at", "timestamp", required=True),
        F("deleted_at", "timestamp"),
    ),
    ("brand_id", "collection_id"),
)
APP_SOURCES: dict[str, Source] = {s.name: s for s in (TEAMS, TEAM_MEMBERS, AI_COLLECTIONS)}
"""Specs of the raw tables the app fills differently from the landing zone: teams exist only
in the app, and the app holds one current row per collection (the landing source keeps every
record, keyed by updated_at), so the app's rows are replaced by collection_id."""


def source_for(name: str) -> Source:
    """The validation spec of a raw table fed by the app (its own, else the landing source's)."""
    return APP_SOURCES.get(name) or SOURCES[name]


def _lower(column: str) -> str:
    return f'lower("{column}")'


def _json(column: str) -> str:
    return f'CAST("{column}" AS JSON)'


@dataclass(frozen=True)
class AppTable:
    """One app table: the columns read, its cursor, and its mapping onto a raw table."""

    name: str
    raw_table: str
    kind: Kind
    columns: tuple[str, ...]
    doc: tuple[tuple[str, str], ...]
    """(landing field, DuckDB expression over the batch's app columns); a timestamp field's
    expression is the app's timestamp itself (brandpulse.app.load renders or types it)."""
    cursor: str | None = None
    key: tuple[str, ...] = ("id",)
    partition_day: str | None = None
    """App column whose UTC day is the row's `_partition_date` (its arrival day)."""
    deleted: str | None = None
    """Soft-delete column: a set value removes a current definition from the warehouse."""
    keep_deleted: bool = False
    """Keep soft-deleted rows (with their deleted_at) instead of removing them."""
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    select_sql: str | None = None
    """FROM/JOIN clause when the row needs a column of another table (aliased as the columns)."""
    where: str | None = None
    """Extra condition (code, not input), e.g. only PENDING generations are requests."""
    derived: tuple[str, ...] = ()
    """Columns that come from the joined table in `select_sql`, not from this table."""

    @property
    def own_columns(self) -> tuple[str, ...]:
        """The columns this table must have (checked before every read)."""
        return tuple(c for c in self.columns if c not in self.derived)

    @property
    def key_unique_in_batch(self) -> bool:
        """Whether the raw table's de-duplication key holds the app's primary key as is: then
        a batch (one query) cannot repeat a key, and no in-batch de-duplication is needed."""
        dedup_key = source_for(self.raw_table).dedup_key
        mapped = {
            match.group(1)
            for name, expr in self.doc
            if name in dedup_key and (match := re.fullmatch(r'"(\w+)"', expr))
        }
        return set(self.key) <= mapped

    @property
    def origin(self) -> str:
        """`_source_file` / `file` value of the rows this table feeds (never a landing path)."""
        return f"app:{self.name}"


def _doc(*pairs: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    return pairs


APP_TABLES: tuple[AppTable, ...] = (
    AppTable(
        name="Brand",
        raw_table="brands",
        kind="current",
        cursor="updatedAt",
        columns=(
            "id",
            "name",
            "timezone",
            "currency",
            "plan",
            "aiMonthlyBudgetUsd",
            "aiDailyGenerationQuota",
            "createdAt",
            "updatedAt",
        ),
        doc=_doc(
            ("brand_id", '"id"'),
            ("name", '"name"'),
            ("timezone", '"timezone"'),
            ("currency", '"currency"'),
            ("plan", '"plan"'),
            ("ai_monthly_budget_usd", 'TRY_CAST("aiMonthlyBudgetUsd" AS DOUBLE)'),
            ("ai_daily_generation_quota", '"aiDailyGenerationQuota"'),
            ("created_at", '"createdAt"'),
        ),
    ),
    AppTable(
        name="Team",
        raw_table="teams",
        kind="snapshot",
        columns=("id", "brandId", "name", "createdAt"),
        doc=_doc(
            ("team_id", '"id"'),
            ("brand_id", '"brandId"'),
            ("name", '"name"'),
            ("created_at", '"createdAt"'),
        ),
    ),
    AppTable(
        name="TeamMember",
        raw_table="team_members",
        kind="snapshot",
        key=("teamId", "userId"),
        columns=("teamId", "brandId", "userId", "role", "createdAt", "deletedAt"),
        select_sql='"TeamMember" m JOIN (SELECT "id" AS "teamKey", "brandId" FROM "Team") t '
        'ON t."teamKey" = m."teamId"',
        derived=("brandId",),
        doc=_doc(
            ("team_id", '"teamId"'),
            ("brand_id", '"brandId"'),
            ("user_id", '"userId"'),
            ("role", _lower("role")),
            ("created_at", '"createdAt"'),
            ("deleted_at", '"deletedAt"'),
        ),
        enums={"role": ("OWNER", "MEMBER")},
    ),
    AppTable(
        name="AnalyticsEvent",
        raw_table="events",
        kind="append",
        cursor="createdAt",
        partition_day="createdAt",
        columns=(
            "id",
            "brandId",
            "eventName",
            "userId",
            "anonymousId",
            "sessionId",
            "properties",
            "context",
            "revenue",
            "currency",
            "occurredAt",
            "createdAt",
        ),
        doc=_doc(
            ("event_id", '"id"'),
            ("brand_id", '"brandId"'),
            ("event_name", '"eventName"'),
            ("occurred_at", '"occurredAt"'),
            ("anonymous_id", '"anonymousId"'),
            ("user_id", '"userId"'),
            ("session_id", '"sessionId"'),
            ("properties", _json("properties")),
            ("context", _json("context")),
            ("revenue", 'TRY_CAST("revenue" AS DOUBLE)'),
            ("currency", '"currency"'),
        ),
    ),
    AppTable(
        name="AnalyticsFunnel",
        raw_table="funnels",
        kind="current",
        cursor="updatedAt",
        deleted="deletedAt",
        columns=(
            "id",
            "brandId",
            "name",
            "steps",
            "order",
            "conversionWindowValue",
            "conversionWindowUnit",
            "exclusions",
            "updatedAt",
            "deletedAt",
        ),
        doc=_doc(
            ("funnel_id", '"id"'),
            ("brand_id", '"brandId"'),
            ("name", '"name"'),
            ("steps", _json("steps")),
            ("order", _lower("order")),
            (
                "conversion_window",
                "json_object('value', \"conversionWindowValue\", 'unit', lower(\"conversionWindowUnit\"))",
            ),
            ("exclusions", _json("exclusions")),
        ),
        enums={
            "order": ("ORDERED", "STRICT", "UNORDERED"),
            "conversionWindowUnit": ("SECOND", "MINUTE", "HOUR", "DAY", "WEEK"),
        },
    ),
    AppTable(
        name="AnalyticsCohort",
        raw_table="cohorts",
        kind="current",
        cursor="updatedAt",
        deleted="deletedAt",
        columns=(
            "id",
            "brandId",
            "name",
            "startEvent",
            "returnEvent",
            "grain",
            "kind",
            "periods",
            "updatedAt",
            "deletedAt",
        ),
        doc=_doc(
            ("cohort_id", '"id"'),
            ("brand_id", '"brandId"'),
            ("name", '"name"'),
            ("start_event", '"startEvent"'),
            ("return_event", '"returnEvent"'),
            ("grain", _lower("grain")),
            ("kind", _lower("kind")),
            ("periods", '"periods"'),
        ),
        enums={"grain": ("DAY", "WEEK", "MONTH"), "kind": ("FIRST_TIME", "RECURRING")},
    ),
    AppTable(
        name="AnalyticsSegment",
        raw_table="segments",
        kind="current",
        cursor="updatedAt",
        deleted="deletedAt",
        columns=("id", "brandId", "name", "rules", "updatedAt", "deletedAt"),
        doc=_doc(
            ("segment_id", '"id"'),
            ("brand_id", '"brandId"'),
            ("name", '"name"'),
            ("rules", _json("rules")),
        ),
    ),
    AppTable(
        name="AIGeneration",
        raw_table="ai_generation_requests",
        kind="append",
        cursor="updatedAt",
        partition_day="createdAt",
        columns=(
            "id",
            "brandId",
            "userId",
            "type",
            "model",
            "prompt",
            "parameters",
            "parentKey",
            "collectionId",
            "optimizePrompt",
            "status",
            "idempotencyKey",
            "createdAt",
            "updatedAt",
        ),
        # a parent is named by its idempotency key, the request id the AI job knows it by
        select_sql='"AIGeneration" g LEFT JOIN '
        '(SELECT "id" AS "parentId", "idempotencyKey" AS "parentKey" FROM "AIGeneration") p '
        'ON p."parentId" = g."parentGenerationId" LEFT JOIN '
        '(SELECT "generationId", min("collectionId") AS "collectionId" '
        'FROM "AICollectionGeneration" GROUP BY 1) cg ON cg."generationId" = g."id"',
        where="\"status\" = 'PENDING'",
        derived=("parentKey", "collectionId"),
        doc=_doc(
            ("request_id", '"idempotencyKey"'),
            ("brand_id", '"brandId"'),
            ("user_id", '"userId"'),
            ("type", _lower("type")),
            ("model", '"model"'),
            ("prompt", '"prompt"'),
            ("parameters", _json("parameters")),
            ("collection_id", '"collectionId"'),
            ("parent_generation_id", '"parentKey"'),
            ("optimize_prompt", '"optimizePrompt"'),
            ("requested_at", '"createdAt"'),
        ),
        enums={"type": ("TEXT", "IMAGE")},
    ),
    AppTable(
        name="AICollection",
        raw_table="ai_collections",
        kind="current",
        cursor="updatedAt",
        deleted="deletedAt",
        keep_deleted=True,
        columns=("id", "brandId", "name", "ownerId", "createdAt", "updatedAt", "deletedAt"),
        doc=_doc(
            ("collection_id", '"id"'),
            ("brand_id", '"brandId"'),
            ("name", '"name"'),
            ("owner_id", '"ownerId"'),
            ("created_at", '"createdAt"'),
            ("updated_at", '"updatedAt"'),
            ("deleted_at", '"deletedAt"'),
        ),
    ),
    AppTable(
        name="AICollectionGeneration",
        raw_table="ai_collection_memberships",
        kind="membership",
        key=("collectionId", "generationId"),
        columns=("collectionId", "generationId", "brandId", "addedAt"),
        select_sql='"AICollectionGeneration" cg JOIN '
        '(SELECT "id" AS "collectionKey", "brandId" FROM "AICollection") c '
        'ON c."collectionKey" = cg."collectionId"',
        derived=("brandId",),
        doc=(),
    ),
    AppTable(
        name="SharedResource",
        raw_table="shared_resources",
        kind="append",
        cursor="updatedAt",
        partition_day="updatedAt",
        columns=(
            "id",
            "brandId",
            "resourceType",
            "resourceId",
            "sharedById",
            "sharedWithType",
            "sharedWithId",
            "permission",
            "createdAt",
            "updatedAt",
            "revokedAt",
        ),
        doc=_doc(
            ("share_id", '"id"'),
            ("brand_id", '"brandId"'),
            ("resource_type", '"resourceType"'),
            ("resource_id", '"resourceId"'),
            ("shared_by", '"sharedById"'),
            (
                "shared_with",
                "CASE WHEN \"sharedWithType\" = 'PUBLIC' THEN 'public' ELSE \"sharedWithId\" END",
            ),
            ("permission", _lower("permission")),
            ("created_at", '"createdAt"'),
            ("revoked_at", '"revokedAt"'),
        ),
        enums={
            "sharedWithType": ("USER", "TEAM", "PUBLIC"),
            "permission": ("VIEW", "COMMENT", "EDIT"),
        },
    ),
    AppTable(
        name="Comment",
        raw_table="comments",
        kind="append",
        cursor="updatedAt",
        partition_day="updatedAt",
        columns=(
            "id",
            "brandId",
            "resourceType",
            "resourceId",
            "authorId",
            "parentId",
            "body",
            "createdAt",
            "updatedAt",
            "editedAt",
            "deletedAt",
        ),
        doc=_doc(
            ("comment_id", '"id"'),
            ("brand_id", '"brandId"'),
            ("resource_type", '"resourceType"'),
            ("resource_id", '"resourceId"'),
            ("author_id", '"authorId"'),
            ("parent_comment_id", '"parentId"'),
            ("body", '"body"'),
            ("created_at", '"createdAt"'),
            ("edited_at", '"editedAt"'),
            ("deleted_at", '"deletedAt"'),
        ),
    ),
)
APP_TABLES_BY_NAME = {t.name: t for t in APP_TABLES}
