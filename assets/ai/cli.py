"""`brandpulse ai`: operate AI Studio generations without the UI.

brandpulse ai requeue [--brand B] [--model M] [--day YYYY-MM-DD] [--error-type E] [--dry-run] [--process]
    put `failed` generations back to `pending` (the Dagster job `ai_requeue_job` does the
    same with run config); --process sends them at once (plan, calls, write of each day),
    otherwise the next run of those partitions does
brandpulse ai cancel --brand B --request R [--reason TEXT]
    cancel a request before it is sent (refused once its call is in flight or done)
brandpulse ai optimize-prompt --type text|image "PROMPT"
    print the optimized prompt (the rules of the `optimize` request type), generate nothing
"""

from __future__ import annotations

import argparse
from datetime import date

from brandpulse.config import get_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="ai_command", required=True, metavar="ACTION")
    rq = sub.add_parser("requeue", help="Re-queue failed generations.")
    rq.add_argument("--brand", help="only this brand_id")
    rq.add_argument("--model", help="only this requested model")
    rq.add_argument("--day", type=date.fromisoformat, help="only this landing day (partition)")
    rq.add_argument(
        "--error-type", help="only this error (server_error, rate_limited, timeout, ...)"
    )
    rq.add_argument("--dry-run", action="store_true", help="show what would move, change nothing")
    rq.add_argument("--process", action="store_true", help="send them now, in this process")
    cancel = sub.add_parser("cancel", help="Cancel a request before it is sent.")
    cancel.add_argument("--brand", required=True)
    cancel.add_argument("--request", required=True, help="request_id")
    cancel.add_argument("--reason", default="cancelled by an operator")
    opt = sub.add_parser("optimize-prompt", help="Print the optimized prompt; generate nothing.")
    opt.add_argument("--type", choices=("text", "image"), default="text")
    opt.add_argument("prompt")


def _ledger():
    from brandpulse.ai.budget import BudgetLedger
    from brandpulse.resources import default_ledger_path

    return BudgetLedger(default_ledger_path())


def _requeue(args: argparse.Namespace) -> int:
    from assets.ai.requeue import RequeueFilter, requeue_failed
    from brandpulse import db

    selection = RequeueFilter(args.brand, args.model, args.day, args.error_type)
    con = db.connect(get_settings().warehouse_path)
    try:
        result = requeue_failed(con, _ledger(), selection, dry_run=args.dry_run)
    finally:
        con.close()
    verb = "would re-queue" if args.dry_run else "re-queued"
    days = ", ".join(d.isoformat() for d in result.partitions) or "none"
    print(f"{verb} {result.generations} failed generation(s) {result.by_error_type}; days: {days}")
    if args.dry_run or not result.generations:
        return 0
    if args.process:
        _process(result.partitions)
    else:
        print(
            "they are sent by the next run of those partitions, e.g. "
            "dagster asset materialize -m pipelines.definitions "
            "--select 'ai/generation_plan,ai/provider_calls,ai/generations' --partition <day>"
        )
    return 0


def _process(days: list[date]) -> None:
    from assets.ai.processing import PartitionProcessor, ProcessingOptions
    from brandpulse.ai.catalog import Catalog
    from brandpulse.ai.retry import RetryPolicy
    from brandpulse.resources import WarehouseResource
    from brandpulse.resources.ai_providers import AIProvidersResource

    catalog = Catalog()
    router = AIProvidersResource().router(catalog)
    options = ProcessingOptions(retry=RetryPolicy(max_attempts=get_settings().ai_max_attempts))
    try:
        processor = PartitionProcessor(
            WarehouseResource().connect, router, catalog, _ledger(), options, log=print
        )
        for day in days:
            report = processor.process(day)
            print(f"{day}: {dict(report.statuses)}")
    finally:
        router.close()


def _cancel(args: argparse.Namespace) -> int:
    from assets.ai.processing import idempotency_key

    outcome = _ledger().cancel(idempotency_key(args.brand, args.request), args.brand, args.reason)
    print(f"{args.brand}/{args.request}: {outcome}")
    return 0 if outcome in ("cancelled", "already_cancelled") else 1


def run(args: argparse.Namespace) -> int:
    if args.ai_command == "requeue":
        return _requeue(args)
    if args.ai_command == "cancel":
        return _cancel(args)
    from assets.ai.prompt_optimizer import optimize_rules

    print(optimize_rules(args.prompt, args.type))
    return 0
