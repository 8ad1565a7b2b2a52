"""Runs and adopted plans in the workspace's store: record a run, adopt its plan as the scenario's current plan
(versioned), list the versions and runs, and read a version back as a plan (`--plan @current`, `--plan @2`).

The store sits where the ledger does: beside the scenario file, in the
current folder for a bundled scenario (the web app passes the workspace's).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from campaign.app.common import load
from campaign.files import locate_scenario
from campaign.plan_store import STORE_FILE, PlanStore, PlanVersion, Run
from campaign.plans import plan_of
from optimizer import OptimizationResult
from scenarios import Market, Plan, Scenario, UsageError, build_market

#: The kinds of run whose plan may be adopted.
KINDS = ("optimize", "reallocate")
#: How a stored plan version is named where a plan file may be given.
CURRENT = "@current"


class NotStoredError(UsageError):
    """A run or plan version the store does not hold: HTTP 404."""


@dataclass(frozen=True)
class SavedPlans:
    """A scenario's adopted plans, version 1 first; the last is the current one."""

    scenario: str
    store: Path
    versions: list[PlanVersion]

    def to_dict(self) -> dict[str, Any]:
        """The `GET /api/scenarios/{name}/plans` document."""
        return {
            "scenario": self.scenario,
            "current": self.versions[-1].version if self.versions else None,
            "plans": [v.summary() for v in self.versions],
        }


def store_path(store: Path | None, scenario: str | Path) -> Path:
    """The store: `store`, else `STORE_FILE` beside the scenario file (in this folder for a bundled scenario)."""
    if store is not None:
        return store
    path = Path(scenario)
    return (path.parent if path.exists() else Path.cwd()) / STORE_FILE


def content_hash(scenario: str | Path) -> str:
    """The SHA-256 of the scenario file's bytes: which text a run planned."""
    return hashlib.sha256(locate_scenario(str(scenario)).read_bytes()).hexdigest()


def plan_document(name: str, variant: str | None, result: OptimizationResult, plan: Plan | None = None) -> dict:
    """The plan as result.json holds it for `--plan`: scenario, variant, every slot's spend, the content."""
    rows = plan.rows() if plan is not None else result.plan.rows()
    return {
        "scenario": name,
        "variant": variant,
        "allocation": [{"channel": r.channel, "format": r.format, "period": r.period, "spend": r.spend} for r in rows],
        "content": [c.to_dict() for c in result.content],
    }


def record_run(
    kind: str,
    scenario: str | Path,
    loaded: Scenario,
    variant: str | None,
    document: dict[str, Any],
    plan: dict[str, Any],
    store: Path | None = None,
) -> Run:
    """Store one run of `scenario` (its file's hash, the time, the result document and the plan made)."""
    path = store_path(store, scenario)
    return PlanStore(path).record(kind, loaded.name, variant, content_hash(scenario), document, plan)


def _scenario(scenario: str | Path, variant: str | None) -> tuple[Scenario, Market]:
    loaded = load(scenario, variant)
    return loaded, build_market(loaded)


def adopt_plan(scenario: str | Path, run: int, store: Path | None = None) -> PlanVersion:
    """Make run `run`'s plan the scenario's current plan: the next version, one more than the highest.

    Refused (`UsageError`) when the run is of another scenario, or of the scenario file as it was before a
    change, or its plan no longer keeps the scenario's limits; `NotStoredError` when the store has no such run.
    """
    path = store_path(store, scenario)
    book = PlanStore(path)
    found = book.run(run)
    if found is None:
        raise NotStoredError(f"{path}: no run {run} in the store; list them with GET /api/runs")
    if found.kind not in KINDS:
        raise UsageError(f"run {run} is a {found.kind} run, which makes no plan to adopt; adopt an optimize run")
    loaded, market = _scenario(scenario, found.variant)
    if found.scenario != loaded.name:
        raise UsageError(f"run {run} planned scenario '{found.scenario}', not '{loaded.name}'")
    if found.scenario_sha256 != content_hash(scenario):
        raise UsageError(
            f"run {run} planned scenario '{loaded.name}' as its file was before it changed (SHA-256 "
            f"{found.scenario_sha256[:12]}, now {content_hash(scenario)[:12]}); run it again and adopt that plan"
        )
    plan_of(f"run {run}", found.plan, found.plan["allocation"], loaded, found.variant, market)
    return book.adopt(found)


def saved_plans(scenario: str | Path, store: Path | None = None) -> SavedPlans:
    """The scenario's adopted plans, version 1 first (none before the first is adopted)."""
    path = store_path(store, scenario)
    name = load(scenario).name
    return SavedPlans(name, path, PlanStore(path).versions(name))


def saved_plan(scenario: str | Path, version: int | None = None, store: Path | None = None) -> PlanVersion:
    """Version `version` of the scenario's adopted plans, the current one if None; `NotStoredError` if none."""
    saved = saved_plans(scenario, store)
    if not saved.versions:
        raise NotStoredError(f"scenario '{saved.scenario}' has no adopted plan yet in {saved.store}; adopt one first")
    if version is None:
        return saved.versions[-1]
    for held in saved.versions:
        if held.version == version:
            return held
    raise NotStoredError(
        f"scenario '{saved.scenario}' has no plan version {version}; its versions are 1 to {saved.versions[-1].version}"
    )


def stored_runs(scenario: str | Path | None = None, store: Path | None = None, limit: int = 100) -> list[Run]:
    """The latest runs first, of one scenario (by its name) or of all."""
    name = load(scenario).name if scenario is not None else None
    return PlanStore(store_path(store, scenario or ".")).runs(name, limit)


def stored_run(run: int, store: Path) -> Run:
    """Run `run` with its documents; `NotStoredError` if the store has no such run."""
    found = PlanStore(store).run(run)
    if found is None:
        raise NotStoredError(f"{store}: no run {run} in the store")
    return found


def version_named(plan: str | Path) -> int | None:
    """The version a `--plan` value names: ``@current`` (None) or ``@N``; a `UsageError` for any other."""
    text = str(plan)
    if text == CURRENT:
        return None
    if text.startswith("@") and text[1:].isdigit() and int(text[1:]) >= 1:
        return int(text[1:])
    raise UsageError(f"--plan {text}: a stored plan is @current or @N, N a version number (1, 2, ...)")


def read_saved(
    plan: str | Path,
    source: str | Path,
    scenario: Scenario,
    variant: str | None,
    market: Market,
    store: Path | None = None,
) -> Plan:
    """The stored plan version `plan` names (``@current``, ``@N``) of scenario `source`, checked like a plan file."""
    held = saved_plan(source, version_named(plan), store)
    where = f"plan version {held.version} of '{held.scenario}'"
    return plan_of(where, held.run.plan, held.run.plan["allocation"], scenario, variant, market)
