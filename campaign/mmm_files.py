"""Fitted response curves as marketing-mix models write them: Robyn's Pareto files, or a long CSV of curves.

- **Robyn** (`robyn_outputs(..., export = TRUE)`): `pareto_hyperparameters.csv` (one row per solution `solID`,
  columns `<var>_alphas`, `<var>_gammas`, `<var>_thetas` for geometric adstock) and `pareto_aggregated.csv`
  (`solID`, `rn`, `coef`), with the model's input data (a date column first, then `<var>` as spend). Robyn adstocks
  the whole series (`a_t = x_t + θ·a_(t−1)`), takes the Hill inflexion `(1 − γ)·min(a) + γ·max(a)` over the
  modelling window and models one row's response as `coef · a^α / (a^α + inflexion^α)`. At a steady spend `s` per
  row the adstocked level is `s / (1 − θ)`, so everything `s` brings per row is `coef · s^α / (s^α + k^α)` with
  `k = (1 − θ) · inflexion`: the curve read here, per row of the data (a week for weekly data).
- **A long CSV** (`channel, spend, response[, lower, upper]`), as Meridian's response-curve table or
  PyMC-Marketing's sampled curves can be written: one row per channel and spend level, the response at that spend
  and its credible band. Each channel's rows make a table of points.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import statistics
from dataclasses import dataclass
from pathlib import Path

from campaign.export_table import read_table
from scenarios import UsageError, did_you_mean

FORMATS = ("robyn", "meridian", "pymc-marketing", "csv")
LONG_COLUMNS = ("channel", "spend", "response")
BANDS = ("response", "lower", "upper")


@dataclass(frozen=True)
class HillFit:
    """A Robyn channel: Hill shape `alpha`, `gamma`, adstock `theta`, `coef`, and its adstocked spend's range."""

    variable: str
    alpha: float
    gamma: float
    theta: float
    coef: float
    low: float
    high: float

    @property
    def inflexion(self) -> float:
        """Robyn's Hill inflexion on the adstocked spend: `(1 − γ)·min + γ·max` over the modelling window."""
        return (1.0 - self.gamma) * self.low + self.gamma * self.high

    @property
    def half_saturation(self) -> float:
        """The steady spend per row at which the response is half of `coef`: `(1 − θ) · inflexion`."""
        return (1.0 - self.theta) * self.inflexion


@dataclass(frozen=True)
class PointsFit:
    """A channel of a long CSV: spend levels (increasing) and the response with its band at each."""

    variable: str
    spend: tuple[float, ...]
    response: tuple[float, ...]
    lower: tuple[float, ...] | None
    upper: tuple[float, ...] | None

    def band(self, name: str) -> tuple[float, ...]:
        """The `response`, `lower` or `upper` column."""
        values = {"response": self.response, "lower": self.lower, "upper": self.upper}[name]
        if values is None:
            raise UsageError(f"--band {name}: the file has no '{name}' column for channel '{self.variable}'")
        return values


@dataclass(frozen=True)
class MmmCurves:
    """The channel curves of one MMM file: `period_weeks` is how many weeks one curve's spend and response cover;
    `names` are all the file's channels, `channels` the curves of those not skipped."""

    format: str
    file: Path
    solution: str | None
    period_weeks: float
    channels: dict[str, HillFit | PointsFit]
    names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.names:
            object.__setattr__(self, "names", tuple(self.channels))


def detect_format(path: Path) -> str:
    """`robyn` for a file with a `solID` column, `csv` for a long CSV of curves; else a `UsageError`."""
    rows = _rows(path, lambda rows: bool(rows) and _known(rows[0]))
    header = {h.strip().lower() for h in rows[0]} if rows else set()
    if "solid" in header:
        return "robyn"
    if set(LONG_COLUMNS) <= header:
        return "csv"
    raise UsageError(
        f"{path}: neither Robyn's pareto_hyperparameters.csv (a 'solID' column) nor a long CSV of curves "
        f"(columns {', '.join(LONG_COLUMNS)}, lower, upper); name the format with --format {'|'.join(FORMATS)}"
    )


def _known(row: list[str]) -> bool:
    """Whether a row is the header of a file this module reads."""
    header = {h.strip().lower() for h in row}
    return "solid" in header or set(LONG_COLUMNS) <= header


def read_long_csv(path: Path, fmt: str, period_weeks: float) -> MmmCurves:
    """Each channel's points from a long CSV; refused unless spend and response are numbers ≥ 0 and the response
    (and its band) never falls as spend grows, with 0 response at spend 0."""
    rows = _rows(path, lambda rows: bool(rows) and set(LONG_COLUMNS) <= {h.strip().lower() for h in rows[0]})
    column = _columns(path, rows, LONG_COLUMNS)
    optional = {h.strip().lower(): i for i, h in enumerate(rows[0])}
    bands: list[str] = [b for b in ("lower", "upper") if b in optional]
    found: dict[str, list[tuple[float, ...]]] = {}
    lines: dict[str, list[int]] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        name = _cell(row, column["channel"]).strip()
        if not name:
            raise UsageError(f"{path}: line {line}: the channel is empty; expected a channel name")
        values = [_number(path, line, field, _cell(row, column[field])) for field in ("spend", "response")]
        values += [_number(path, line, band, _cell(row, optional[band])) for band in bands]
        found.setdefault(name, []).append(tuple(values))
        lines.setdefault(name, []).append(line)
    if not found:
        raise UsageError(f"{path}: no curve rows under the header; expected one row per channel and spend level")
    channels: dict[str, HillFit | PointsFit] = {}
    for name, points in found.items():
        order = sorted(range(len(points)), key=lambda i: points[i][0])
        points = [points[i] for i in order]
        at = [lines[name][i] for i in order]
        _check_curve(path, name, points, at, bands)
        columns = list(zip(*points, strict=True))
        extra = dict(zip(bands, columns[2:], strict=True))
        channels[name] = PointsFit(name, columns[0], columns[1], extra.get("lower"), extra.get("upper"))
    return MmmCurves(fmt, path, None, period_weeks, channels)


def _check_curve(path: Path, name: str, points: list[tuple[float, ...]], lines: list[int], bands: list[str]) -> None:
    labels = ["response", *bands]
    if len(points) < 2:
        raise UsageError(f"{path}: channel '{name}' has {len(points)} row; expected at least two spend levels")
    for i in range(1, len(points)):
        if points[i][0] == points[i - 1][0]:
            raise UsageError(
                f"{path}: channel '{name}' has spend {points[i][0]:g} twice (lines {lines[i - 1]} and {lines[i]}); "
                "expected one row per spend level"
            )
        for k, label in enumerate(labels, start=1):
            if points[i][k] < points[i - 1][k]:
                raise UsageError(
                    f"{path}: channel '{name}': {label} {points[i][k]:g} at spend {points[i][0]:g} (line {lines[i]}) "
                    f"is below {points[i - 1][k]:g} at spend {points[i - 1][0]:g} (line {lines[i - 1]}); expected "
                    "a response that never falls as spend grows"
                )
    for point, line in zip(points, lines, strict=True):
        if bands and not point[2] <= point[1] <= point[-1]:
            raise UsageError(
                f"{path}: line {line}: channel '{name}' response {point[1]:g} lies outside its band "
                f"[{point[2]:g}, {point[-1]:g}]; expected lower <= response <= upper"
            )
    if points[0][0] == 0 and any(v != 0 for v in points[0][1:]):
        raise UsageError(
            f"{path}: line {lines[0]}: channel '{name}' has response {points[0][1]:g} at spend 0; expected 0 "
            "(a curve is the response to paid spend only)"
        )


def read_robyn(
    path: Path,
    aggregated: Path,
    data: Path,
    solution: str | None,
    window: tuple[dt.date | None, dt.date | None] = (None, None),
    skip: tuple[str, ...] = (),
) -> MmmCurves:
    """Robyn's channels of one solution: hyperparameters from `path`, `coef` from `aggregated`, the adstocked spend's
    range from `data` over the modelling `window` (first and last day; the whole file by default). Channels in
    `skip` are named but not read (they need no coefficient and no data column)."""
    rows = _rows(path, lambda rows: bool(rows) and "solID" in [h.strip() for h in rows[0]])
    header = [h.strip() for h in rows[0]]
    column = _columns(path, rows, ("solID",))
    variables = [h[: -len("_alphas")] for h in header if h.endswith("_alphas")]
    if not variables:
        raise UsageError(f"{path}: no '<channel>_alphas' column; expected Robyn's pareto_hyperparameters.csv")
    weibull = [h for h in header if h.endswith(("_shapes", "_scales"))]
    if weibull:
        raise UsageError(
            f"{path}: column '{weibull[0]}' is a Weibull adstock; only geometric adstock (<channel>_thetas) is read"
        )
    column |= _columns(path, rows, [f"{v}_{p}" for v in variables for p in ("gammas", "thetas")])
    column |= {f"{v}_alphas": header.index(f"{v}_alphas") for v in variables}
    solutions = {_cell(r, column["solID"]).strip(): (line, r) for line, r in enumerate(rows[1:], 2) if any(r)}
    chosen = _solution(path, solution, list(solutions))
    line, row = solutions[chosen]
    wanted = [v for v in variables if v not in skip]
    coefs = _coefficients(aggregated, chosen, wanted)
    series, step = _series(data, wanted, window)
    channels: dict[str, HillFit | PointsFit] = {}
    for v in wanted:
        alpha, gamma, theta = (_number(path, line, f"{v}_{p}", _cell(row, column[f"{v}_{p}"])) for p in PARAMS)
        if alpha <= 0 or gamma > 1 or theta >= 1:
            raise UsageError(
                f"{path}: line {line}: {v}: alpha {alpha:g}, gamma {gamma:g}, theta {theta:g}; expected alpha > 0, "
                "gamma in [0, 1] and theta in [0, 1)"
            )
        adstocked = _adstock(series[v][0], theta)
        inside = [a for a, keep in zip(adstocked, series[v][1], strict=True) if keep]
        fit = HillFit(v, alpha, gamma, theta, coefs[v], min(inside), max(inside))
        if fit.half_saturation <= 0:
            raise UsageError(
                f"{data}: column '{v}': the adstocked spend's range [{fit.low:g}, {fit.high:g}] with gamma {gamma:g} "
                "puts the Hill inflexion at 0; expected spend above 0 in the modelling window"
            )
        channels[v] = fit
    return MmmCurves("robyn", path, chosen, step / 7.0, channels, tuple(variables))


PARAMS = ("alphas", "gammas", "thetas")


def _solution(path: Path, wanted: str | None, available: list[str]) -> str:
    if not available:
        raise UsageError(f"{path}: no solution rows under the header")
    if wanted is None:
        if len(available) == 1:
            return available[0]
        raise UsageError(f"{path}: {len(available)} solutions ({', '.join(available)}); choose one with --solution ID")
    if wanted not in available:
        raise UsageError(
            f"{path}: no solution '{wanted}'{did_you_mean(wanted, available)}; the file has {', '.join(available)}"
        )
    return wanted


def _coefficients(path: Path, solution: str, variables: list[str]) -> dict[str, float]:
    rows = _rows(path, lambda rows: bool(rows) and "solID" in [h.strip() for h in rows[0]])
    column = _columns(path, rows, ("solID", "rn", "coef"))
    coefs: dict[str, float] = {}
    for line, row in enumerate(rows[1:], start=2):
        if _cell(row, column["solID"]).strip() == solution and _cell(row, column["rn"]).strip() in variables:
            coefs[_cell(row, column["rn"]).strip()] = _number(path, line, "coef", _cell(row, column["coef"]))
    for v in variables:
        if v not in coefs:
            raise UsageError(f"{path}: no row with solID '{solution}' and rn '{v}'; expected its coef")
        if coefs[v] == 0:
            raise UsageError(
                f"{path}: solution '{solution}' has coef 0 for '{v}': the model finds no effect; "
                f"leave it out with --skip {v}"
            )
    return coefs


def _series(
    path: Path, variables: list[str], window: tuple[dt.date | None, dt.date | None]
) -> tuple[dict[str, tuple[list[float], list[bool]]], float]:
    """Each variable's spend by row and whether the row is in the window, and the days between rows."""
    rows = _rows(path, lambda rows: bool(rows) and set(variables) <= {h.strip() for h in rows[0]})
    column = _columns(path, rows, variables)
    data = [(line, r) for line, r in enumerate(rows[1:], start=2) if any(c.strip() for c in r)]
    dates = []
    for line, row in data:
        try:
            dates.append(dt.date.fromisoformat(_cell(row, 0).strip()))
        except ValueError:
            raise UsageError(
                f"{path}: line {line}: '{_cell(row, 0)}' in the first column is not a date; expected the model's "
                "input data with its date column (YYYY-MM-DD) first"
            ) from None
    steps = {(b - a).days for a, b in itertools.pairwise(dates)}
    if len(dates) < 2 or len(steps) != 1 or min(steps) <= 0:
        raise UsageError(
            f"{path}: the dates do not follow each other at one fixed step ({len(dates)} rows); "
            "expected the model's input data, one row per day or per week in order"
        )
    first, last = window
    keep = [(first is None or d >= first) and (last is None or d <= last) for d in dates]
    if not any(keep):
        raise UsageError(f"{path}: no row falls in the modelling window {first} to {last}")
    series = {v: ([_number(path, line, v, _cell(r, column[v])) for line, r in data], keep) for v in variables}
    return series, float(statistics.median(steps))


def _adstock(spend: list[float], theta: float) -> list[float]:
    """Robyn's geometric adstock: `a_1 = x_1`, `a_t = x_t + θ · a_(t−1)`."""
    out: list[float] = []
    for x in spend:
        out.append(x + theta * out[-1] if out else x)
    return out


def _rows(path: Path, is_header) -> list[list[str]]:
    rows, _ = read_table(path, is_header)
    return rows


def _columns(path: Path, rows: list[list[str]], wanted) -> dict[str, int]:
    """The index of each wanted column (case-insensitive), or a `UsageError` naming the file and the column."""
    header = [h.strip() for h in rows[0]] if rows else []
    lower = {h.lower(): i for i, h in enumerate(header)}
    found = {}
    for name in wanted:
        if name.lower() not in lower:
            raise UsageError(
                f"{path}: no column '{name}'{did_you_mean(name, header)}; "
                f"the header has {', '.join(header) or 'nothing'}"
            )
        found[name] = lower[name.lower()]
    return found


def _cell(row: list[str], index: int) -> str:
    return row[index] if index < len(row) else ""


def _number(path: Path, line: int, column: str, text: str) -> float:
    """A finite number of at least 0, or a `UsageError` naming the file, line and column."""
    try:
        value = float(text.strip())
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise UsageError(
            f"{path}: line {line}, column '{column}': '{text}' is not valid; expected a finite number of at least 0"
        )
    return value
