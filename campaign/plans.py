"""Plan files (`--plan FILE`): the result.json or allocation.csv that `optimize -o` writes.

The file is read here, once: its size, its format and JSON nesting, and
that it is for the scenario and variant at hand. Its rows then become a
`Plan` (`Plan.from_rows`), which checks them against the scenario's own
limits (`scenarios.plan_checks`) before anything runs.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from scenarios import Market, Plan, Scenario, UsageError

#: The largest plan file read (bytes): a result.json of 100,000 slots stays well under it.
MAX_PLAN_BYTES = 32 * 1024 * 1024


def read_plan(path: Path, scenario: Scenario, variant: str | None, market: Market) -> Plan:
    """The plan in a plan file, checked against the scenario, or a UsageError saying why not."""
    document, rows = _load(path)
    return plan_of(str(path), document, rows, scenario, variant, market)


def plan_of(
    source: str, document: dict[str, Any], rows: list[Any], scenario: Scenario, variant: str | None, market: Market
) -> Plan:
    """The plan of a plan document (`source` names it in messages), checked to be for this scenario and variant."""
    if document.get("scenario") not in (None, scenario.name):
        raise UsageError(f"{source}: the plan is for scenario '{document['scenario']}', not '{scenario.name}'")
    if "variant" in document and document["variant"] != variant:
        raise UsageError(
            f"{source}: the plan is for variant {_variant_name(document['variant'])}, "
            f"not {_variant_name(variant)}; pass --variant to match it"
        )
    return Plan.from_rows(source, scenario, market, rows, document.get("content", []))


def _load(path: Path) -> tuple[dict[str, Any], list[Any]]:
    """The document and its allocation rows, from a regular file of at most MAX_PLAN_BYTES."""
    if not path.is_file():
        what = "is not a regular file" if path.exists() else "no such plan file"
        raise UsageError(f"{path}: {what}; give the result.json or allocation.csv that optimize -o wrote")
    if path.suffix not in (".json", ".csv"):
        raise UsageError(f"{path}: unknown plan format '{path.suffix}'; expected result.json or allocation.csv")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_PLAN_BYTES + 1)
        if len(data) > MAX_PLAN_BYTES:
            raise UsageError(
                f"{path}: larger than {MAX_PLAN_BYTES:,} bytes, the most a plan file may hold; "
                "give the result.json or allocation.csv that optimize -o wrote"
            )
        text = data.decode("utf-8-sig")
        if path.suffix == ".json":
            # Long integers as floats: a 5,000-digit number is an infinite amount, not a parser error.
            document = json.loads(text, parse_int=lambda digits: int(digits) if len(digits) <= 18 else float(digits))
            rows = document.get("allocation") if isinstance(document, dict) else None
            if not isinstance(rows, list):
                raise UsageError(f"{path}: not a plan: a result.json from optimize -o has an 'allocation' list")
            return document, rows
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        return {"allocation": rows}, rows
    except RecursionError:
        raise UsageError(
            f"{path}: cannot read the plan: its JSON is nested too deeply (a result.json from optimize -o "
            "has three levels)"
        ) from None
    except (OSError, ValueError, csv.Error) as error:  # ValueError: bad UTF-8, bad JSON, a 5,000-digit number
        raise UsageError(f"{path}: cannot read the plan: {_shown(error, 200)}") from None


def _variant_name(variant: str | None) -> str:
    return f"'{variant}'" if variant else "none (the base)"


def _shown(value: Any, limit: int = 60) -> str:
    """`value` as written (repr), cut to `limit` characters: a hostile field does not flood the message."""
    text = value if isinstance(value, BaseException) else repr(value)
    text = str(text)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."
