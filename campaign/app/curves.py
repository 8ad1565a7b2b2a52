"""Fitted response curves from marketing-mix models brought into a scenario (`import_curves`).

Robyn's Pareto files, or a long CSV of curves (Meridian's response-curve table, PyMC-Marketing's sampled curves),
are read (`campaign.mmm_files`), mapped onto the scenario's cells (`campaign.curve_import`), and the scenario with
those `response` curves is checked as `load_scenario` checks a file, then written whole or not at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from campaign.curve_import import ChannelImport, import_channels, match_channels, scenario_yaml, value_divisor
from campaign.files import check_output_file, locate_scenario, write_atomic
from campaign.mmm_files import BANDS, FORMATS, HillFit, MmmCurves, detect_format, read_long_csv, read_robyn
from scenarios import Scenario, UsageError, parse_yaml, read_text, resolve

#: Where Robyn writes the coefficients, beside pareto_hyperparameters.csv.
AGGREGATED = "pareto_aggregated.csv"


@dataclass(frozen=True)
class ImportedCurves:
    """The scenario with the imported curves, what was read, and the rules applied."""

    scenario: Scenario
    source: MmmCurves
    response: str
    value_per_conversion: float | None
    band: str
    imports: tuple[ChannelImport, ...]
    skipped: tuple[str, ...]
    output: Path | None

    @property
    def horizon_weeks(self) -> float:
        return self.scenario.periods.weeks

    @property
    def periods(self) -> float:
        """How many of the model's periods make the horizon: `n` of `F(X) = n · f(X / n)`."""
        return self.horizon_weeks / self.source.period_weeks

    def to_dict(self) -> dict[str, Any]:
        """The `curves import --json` document."""
        return {
            "scenario": self.scenario.name,
            "file": str(self.source.file),
            "format": self.source.format,
            "solution": self.source.solution,
            "response": self.response,
            "value_per_conversion": self.value_per_conversion,
            "band": self.band,
            "horizon_weeks": self.horizon_weeks,
            "model_period_weeks": self.source.period_weeks,
            "periods": self.periods,
            "channels": [_channel(c) for c in self.imports],
            "skipped": list(self.skipped),
            "output": str(self.output) if self.output is not None else None,
        }


def _channel(imported: ChannelImport) -> dict[str, Any]:
    fit = imported.fit
    if isinstance(fit, HillFit):
        model: dict[str, Any] = {
            "curve": "hill",
            "alpha": fit.alpha,
            "gamma": fit.gamma,
            "theta": fit.theta,
            "coef": fit.coef,
            "adstocked_min": fit.low,
            "adstocked_max": fit.high,
            "inflexion": fit.inflexion,
            "half_saturation": fit.half_saturation,
        }
    else:
        model = {"curve": "points", "spend": list(fit.spend), "response": list(fit.response)}
        model |= {"lower": list(fit.lower) if fit.lower else None, "upper": list(fit.upper) if fit.upper else None}
    return {
        "mmm_channel": imported.mmm_channel,
        "channel": imported.channel,
        "model": model,
        "cells": [{"cell": c.cell, "share": c.share, "curve": c.curve} for c in imported.cells],
    }


def import_curves(
    file: Path,
    scenario: str | Path,
    response: str,
    fmt: str | None = None,
    solution: str | None = None,
    data: Path | None = None,
    aggregated: Path | None = None,
    window: tuple[dt.date | None, dt.date | None] = (None, None),
    curve_weeks: float | None = None,
    mapping: dict[str, str] | None = None,
    skip: tuple[str, ...] = (),
    band: str = "response",
    output: Path | None = None,
) -> ImportedCurves:
    """Read the MMM `file`, map its channels onto the scenario's cells and, with `output`, write the scenario
    with those curves (atomically, after checking it loads). Every problem is a `UsageError` or `ScenarioError`
    raised before anything is written."""
    path = locate_scenario(str(scenario))
    raw = parse_yaml(read_text(path), str(path))
    base = resolve(raw, str(path))
    if output is not None:
        check_output_file(output, ".yaml")
    curves = _read(
        Path(file), fmt or detect_format(Path(file)), solution, data, aggregated, window, curve_weeks, band, skip
    )
    divisor = value_divisor(base, response)
    matched = match_channels(curves, base, dict(mapping or {}), tuple(skip))
    imports = import_channels(curves, base, matched, divisor, band)
    text = scenario_yaml(raw, imports, curves)
    where = str(output) if output is not None else f"{path} with the imported curves"
    written = resolve(parse_yaml(text, where), where)
    if output is not None:
        write_atomic(output, text, "the scenario with the imported curves")
    return ImportedCurves(
        written,
        curves,
        response,
        divisor if response == "revenue" else None,
        band,
        imports,
        tuple(name for name in curves.names if name not in matched),
        output,
    )


def _read(
    file: Path,
    fmt: str,
    solution: str | None,
    data: Path | None,
    aggregated: Path | None,
    window: tuple[dt.date | None, dt.date | None],
    curve_weeks: float | None,
    band: str,
    skip: tuple[str, ...] = (),
) -> MmmCurves:
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt}: expected one of {', '.join(FORMATS)}")
    if band not in BANDS:
        raise UsageError(f"--band {band}: expected one of {', '.join(BANDS)}")
    if fmt == "robyn":
        if data is None:
            raise UsageError(
                f"{file}: Robyn's Hill inflexion depends on the range of the adstocked spend, so the import needs "
                "the model's input data: give it with --data FILE (the data frame passed to robyn_inputs as "
                "dt_input, written with write.csv)"
            )
        if curve_weeks is not None:
            raise UsageError("--curve-weeks: Robyn's period is read from the dates of --data; leave it out")
        if band != "response":
            raise UsageError(f"--band {band}: Robyn's Pareto files hold one curve per solution, with no band")
        return read_robyn(file, aggregated or file.parent / AGGREGATED, data, solution, window, tuple(skip))
    for given, option in ((solution, "--solution"), (data, "--data"), (aggregated, "--aggregated")):
        if given is not None:
            raise UsageError(f"{option}: only Robyn's files take it, not a {fmt} curve table")
    if window != (None, None):
        raise UsageError("--window-start and --window-end: only Robyn's files take them")
    if curve_weeks is None and fmt == "meridian":
        raise UsageError(
            f"{file}: Meridian's response curves give the spend and incremental outcome over the model's whole "
            "analysis period; give its length in weeks with --curve-weeks (156 for three years of weekly data)"
        )
    return read_long_csv(file, fmt, curve_weeks if curve_weeks is not None else 1.0)
