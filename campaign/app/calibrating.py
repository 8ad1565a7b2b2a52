"""Calibrate a scenario from the ledger's history (`calibrate`): posteriors per cell, held-out weeks, the new scenario.

The history is the ledger's rows of the scenario dated before its start,
summed per calendar week; a cell's week counts only when its rows cover all
seven days, and the history runs from the first week some cell covers in full
to the last. The last `holdout_weeks` weeks are held out: a fit
on the weeks before them predicts them, beside the scenario's own figures.
The figures reported and written come from a second fit on every week.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from campaign import calibration_checks as checks
from campaign.app.common import BadRangeError, existing_ledger, history_rows, load
from campaign.files import check_output_file, write_atomic
from scenarios import (
    MIN_WEEKS,
    PRIOR,
    CellFit,
    Provenance,
    Scenario,
    Score,
    UsageError,
    WeeklyHistory,
    calibrated_data,
    cell_priors,
    held_out,
    overall_score,
    posteriors,
    resolve,
    weekly,
)

#: Weeks held out by default.
HOLDOUT_WEEKS = 2


@dataclass(frozen=True)
class Calibrated:
    """What calibration found: the fits, the held-out scores, the cells left as they were, and warnings."""

    scenario: Scenario
    ledger: Path
    first: dt.date
    last: dt.date
    history: WeeklyHistory
    fits: list[CellFit]
    holdout_weeks: int
    cell_scores: dict[str, tuple[Score, Score]]
    overall: tuple[Score, Score]
    kept: list[str]
    warnings: list[str] = field(default_factory=list)
    written: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        """The `calibrate --json` document."""
        calibrated, prior = self.overall
        return {
            "scenario": self.scenario.name,
            "ledger": str(self.ledger),
            "range": {"from": self.first.isoformat(), "to": self.last.isoformat()},
            "weeks": len(self.history.weeks),
            "prior": PRIOR.to_dict(),
            "cells": [{**fit.to_dict(), "holdout": _cell_holdout(self.cell_scores.get(fit.cell))} for fit in self.fits],
            "kept": self.kept,
            "holdout": {
                "weeks": self.holdout_weeks,
                "error": calibrated.error,
                "coverage": calibrated.coverage,
                "prior_error": prior.error,
                "prior_coverage": prior.coverage,
                "impressions_error": calibrated.impressions_error,
                "impressions_coverage": calibrated.impressions_coverage,
                "prior_impressions_error": prior.impressions_error,
                "prior_impressions_coverage": prior.impressions_coverage,
            },
            "warnings": self.warnings,
            "written": str(self.written) if self.written is not None else None,
        }


def _cell_holdout(scores: tuple[Score, Score] | None) -> dict[str, Any] | None:
    if scores is None:
        return None
    calibrated, prior = scores
    return {
        **calibrated.to_dict(),
        "prior_error": prior.error,
        "prior_coverage": prior.coverage,
        "prior_impressions_error": prior.impressions_error,
        "prior_impressions_coverage": prior.impressions_coverage,
    }


def calibrate(
    scenario: str | Path,
    ledger: Path | None = None,
    first: dt.date | None = None,
    last: dt.date | None = None,
    holdout_weeks: int = HOLDOUT_WEEKS,
    output: Path | None = None,
) -> Calibrated:
    """Fit every cell with history, score held-out weeks, and write the calibrated scenario to `output` if given."""
    loaded = load(scenario)
    if output is not None:
        check_output_file(output, ".yaml")
        if Path(scenario).exists() and output.resolve() == Path(scenario).resolve():
            raise UsageError(f"-o {output} is the scenario itself; write the calibrated scenario to a new file")
    if loaded.start is None:
        raise UsageError(
            f"scenario '{loaded.name}' has no start date: calibration reads the ledger's rows dated before it "
            "(start: YYYY-MM-DD)"
        )
    end = loaded.start - dt.timedelta(days=1)
    if last is not None and last > end:
        raise UsageError(
            f"--to {last} is not before the scenario's start ({loaded.start}): history ends on {end} at the latest"
        )
    if first is not None and last is not None and first > last:
        raise BadRangeError(f"--from {first} is after --to {last}", "--from")
    if first is not None and first > end:
        raise UsageError(f"--from {first} is not before the scenario's start ({loaded.start})")
    path = existing_ledger(ledger, scenario, loaded.name)
    rows = history_rows(path, loaded)
    cells = tuple(p.cell for p in cell_priors(loaded))
    read = weekly(rows, cells, first, last or end)
    checks.check_history(loaded, path, rows, read)
    history = read.trimmed()  # the weeks some cell covers in full; partial weeks are never used
    first_day, last_day = history.weeks[0], min(history.weeks[-1] + dt.timedelta(days=6), last or end)
    if first is not None:
        first_day = max(first_day, first)
    checks.check_not_recalibrating(loaded, path, first_day, last_day)
    n = len(history.weeks)
    if holdout_weeks and n - holdout_weeks < MIN_WEEKS:
        raise UsageError(
            f"--holdout-weeks {holdout_weeks} leaves {n - holdout_weeks} of the history's {n} weeks to fit, fewer "
            f"than {MIN_WEEKS}; hold out at most {max(n - MIN_WEEKS, 0)} (0 skips the check on held-out weeks)"
        )
    warnings: list[str] = []
    cell_scores: dict[str, tuple[Score, Score]] = {}
    overall = (overall_score([]), overall_score([]))
    if holdout_weeks:
        trained = posteriors(loaded, history.window(0, n - holdout_weeks), seed=loaded.seed)
        predictions = held_out(trained, history.window(n - holdout_weeks, n), loaded.seed)
        cell_scores = {cell: (p[0].score(), p[1].score()) for cell, p in predictions.items()}
        overall = (
            overall_score([p[0] for p in predictions.values()]),
            overall_score([p[1] for p in predictions.values()]),
        )
        misses = {cell: (p[0].missed(), p[1].missed(), p[0].actual()) for cell, p in predictions.items()}
        warnings += checks.worse(cell_scores, misses) + checks.coverage(overall)
    fits = posteriors(loaded, history, seed=loaded.seed)
    fitted = {f.cell for f in fits}
    kept = [c for c in cells if c not in fitted]
    if not fits:
        raise UsageError(f"{path}: no cell can be calibrated: " + "; ".join(checks.kept_cells(loaded, history, kept)))
    warnings += checks.partial_weeks(history) + checks.kept_cells(loaded, history, kept)
    warnings += checks.unclicked(history, fits)
    warnings += checks.far_stretched(fits) + checks.old_history(loaded, last_day) + checks.variants(loaded, fits)
    written = None
    if output is not None:
        provenance = Provenance(path.name, first_day, last_day, n)
        data = calibrated_data(loaded, fits, provenance, PRIOR)
        resolve(data, str(output))  # the file written must load
        header = (
            f"# {loaded.name}, calibrated by `campaign calibrate` from {provenance.describe(n)}.\n"
            "# Calibrated cells: format factors and response curves at the posterior; the calibration\n"
            "# section keeps each cell's 90 % intervals and joint draws.\n"
        )
        text = header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        write_atomic(output, text, "the calibrated scenario")
        written = output
    return Calibrated(
        loaded, path, first_day, last_day, history, fits, holdout_weeks, cell_scores, overall, kept, warnings, written
    )
