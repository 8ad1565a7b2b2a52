"""Files the shell reads and writes: scenario look-up and atomic output (plan files: campaign.plans)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from campaign.outfolder import LOCK_SECONDS, FolderBusyError, write_folder
from campaign.whatif import COMPARED
from optimizer import FrontierResult, OptimizationResult
from scenarios import Scenario, ScenarioError, UsageError, bundled_scenarios, did_you_mean, library_path, printable


def locate_scenario(name: str) -> Path:
    """A scenario file path: `name` itself if it exists, else the bundled scenario of that name."""
    path = Path(name)
    if path.exists():
        return path
    if not name.endswith((".yaml", ".yml")):
        try:
            return library_path(name)
        except ScenarioError:
            pass
    names = list(bundled_scenarios())
    hint = did_you_mean(Path(name).stem, names)
    raise UsageError(
        f"{name}: no such file, and no bundled scenario of that name{hint}; "
        f"bundled scenarios: {', '.join(names)} (list them with 'campaign scenarios')"
    )


def check_output_dir(path: Path) -> None:
    """Fail before any work if `path` cannot become an output folder."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"{path}: exists and is not a folder; -o/--output takes a folder")
    parent = path if path.exists() else path.parent
    if not parent.exists():
        raise UsageError(f"{path}: the folder {parent} does not exist; create it first")
    if not os.access(parent, os.W_OK):
        raise UsageError(f"{path}: no permission to write in {parent}")


def check_output_file(path: Path, suffix: str) -> None:
    """Fail before any work if `path` cannot become an output file with `suffix`."""
    if path.suffix.lower() != suffix:
        raise UsageError(f"{path}: the file name must end in {suffix}")
    if path.exists() and path.is_dir():
        raise UsageError(f"{path}: is a folder; give a file name ending in {suffix}")
    if not path.parent.exists():
        raise UsageError(
            f"{path}: the folder {path.parent} does not exist; create it first or choose a folder you can write to"
        )
    if not path.parent.is_dir():
        raise UsageError(f"{path}: {path.parent} is a file, not a folder; choose a folder you can write to")
    if not os.access(path.parent, os.W_OK):
        raise UsageError(f"{path}: no permission to write in {path.parent}")
    try:  # permissions are not the only reason (a read-only or virtual file system): try it
        fd, probe = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise UsageError(
            f"{path}: cannot create a file in {path.parent}: {error.strerror or error}; nothing was written. "
            "Choose a folder you can write to"
        ) from None
    os.close(fd)
    os.unlink(probe)


def cannot_write(path: Path, what: str, error: OSError, existed: bool) -> UsageError:
    """The error for `what` ("the report") that could not be written to `path`: the file, the system's reason, and
    what would do."""
    state = "the file already there is as it was" if existed else "no file was created"
    return UsageError(
        f"{path}: cannot write {what}: {error.strerror or error}; nothing was written and {state}. Choose a folder "
        "you can write to, check its permissions or free some space"
    )


@contextmanager
def atomic(path: Path, what: str) -> Iterator[Path]:
    """A temporary path beside `path` to write `what` to; renamed onto `path` when the block succeeds, removed if
    not. A failure of the file system (no such folder, no permission, a full disk) is a `UsageError` naming
    `path` and the reason."""
    existed = path.exists()
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise cannot_write(path, what, error, existed) from None
    os.close(fd)
    try:
        yield Path(tmp)
        # mkstemp creates the file private (0600); give it the mode an ordinary file would get.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as error:
        Path(tmp).unlink(missing_ok=True)
        raise cannot_write(path, what, error, existed) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, text: str, what: str) -> None:
    """Write `text` (`what` it is, for an error) to `path` through a temporary file and a rename: never
    half-written."""
    with atomic(path, what) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")


def versions() -> dict[str, str]:
    """Versions of the packages a result depends on."""
    found = {}
    for name in ("campaign-planner", "pulp", "highspy", "numpy", "pandas", "pydantic"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def resolved_scenario_yaml(scenario: Scenario, variant: str | None) -> str:
    """The fully resolved scenario as YAML that loads again, with provenance in comments."""
    data = scenario.model_dump(mode="json", exclude={"variants"})
    header = [
        "# Fully resolved scenario: base merged with its variant, every default filled in.",
        # Names are identifiers (the schema's rule); printable() keeps the comment one line whatever it is given.
        f"# variant: {printable(variant or 'none')}; seed: {scenario.seed}",
        "# package versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()),
    ]
    return "\n".join(header) + "\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


#: What makes a spreadsheet read a text field as a formula (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A CSV field a spreadsheet reads as data: text starting with a formula character gets a leading single quote
    (as OWASP recommends); numbers, negative ones too, are left as they are."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def csv_text(fields: list[str], rows: Any) -> str:
    """CSV of `rows` (mappings; a missing key is an empty field) under `fields`, every text field neutralised."""
    buffer = io.StringIO()
    plain = csv.writer(buffer, lineterminator="\n")
    # The csv module quotes a field with a line feed but not one with a lone carriage return: such a row is
    # written with every field quoted, so it reads back as one row.
    quoted = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for values in ([neutralise(f) for f in fields], *([neutralise(r.get(f, "")) for f in fields] for r in rows)):
        carriage = any(isinstance(v, str) and "\r" in v for v in values)
        (quoted if carriage else plain).writerow(values)
    return buffer.getvalue()


def allocation_csv(result: OptimizationResult) -> str:
    """The allocation table as CSV (one row per cell and period)."""
    fields = ["channel", "format", "period", "spend", "conversions", "impressions", "reach", "clicks"]
    return csv_text(
        fields,
        ({k: (round(v, 6) if isinstance(v, float) else v) for k, v in c.to_dict().items()} for c in result.allocation),
    )


def frontier_csv(result: FrontierResult) -> str:
    """The frontier as CSV (one row per budget)."""
    fields = [
        "budget",
        "status",
        "spend",
        "conversions",
        "profit",
        "reach",
        "cpa",
        "marginal_cpa",
        "approximation_error",
        "spends_budget",
    ]
    return csv_text(fields, ({k: _csv_number(v) for k, v in p.to_dict().items()} for p in result.points))


def _csv_number(value: Any) -> Any:
    """A CSV cell: empty for a missing or infinite number (as JSON's null), numbers rounded."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return round(value, 6) if isinstance(value, float) else value


def write_outputs(folder: Path, result: OptimizationResult, scenario: Scenario, document: dict[str, Any]) -> list[Path]:
    """Write allocation.csv, result.json and scenario.yaml into `folder`, each atomically."""
    return write_files(
        folder,
        {
            "allocation.csv": allocation_csv(result),
            "result.json": json.dumps(document, indent=2) + "\n",
            "scenario.yaml": resolved_scenario_yaml(scenario, result.variant),
        },
    )


def write_confident(folder: Path, document: dict[str, Any], scenario: Scenario, variant: str | None) -> list[Path]:
    """Write a plan at a confidence: allocation.csv (spend per cell and period), result.json and scenario.yaml."""
    fields = ["channel", "format", "period", "spend"]
    rows = ({k: (round(v, 6) if isinstance(v, float) else v) for k, v in r.items()} for r in document["allocation"])
    return write_files(
        folder,
        {
            "allocation.csv": csv_text(fields, rows),
            "result.json": json.dumps(document, indent=2) + "\n",
            "scenario.yaml": resolved_scenario_yaml(scenario, variant),
        },
    )


def write_frontier(folder: Path, result: FrontierResult, scenario: Scenario, document: dict[str, Any]) -> list[Path]:
    """Write frontier.csv, frontier.json and scenario.yaml into `folder`, each atomically."""
    return write_files(
        folder,
        {
            "frontier.csv": frontier_csv(result),
            "frontier.json": json.dumps(document, indent=2) + "\n",
            "scenario.yaml": resolved_scenario_yaml(scenario, result.variant),
        },
    )


def write_files(folder: Path, files: dict[str, str]) -> list[Path]:
    """Write each named text into `folder` (created if missing): all of them or none (see `campaign.outfolder`)."""
    existed = folder.is_dir()
    try:
        return write_folder(folder, files)
    except FolderBusyError:
        raise UsageError(
            f"{folder}: another run is writing its results into this folder (it held the folder for more than "
            f"{LOCK_SECONDS:g} s); nothing was written. Run again when it has finished, or choose another folder "
            "with -o"
        ) from None
    except IsADirectoryError as error:
        raise UsageError(
            f"{error.filename} is a folder, where {folder.name}/ gets a file of that name; nothing was written: "
            "move it away or choose another folder with -o"
        ) from None
    except OSError as error:
        state = f"the files already in {folder} are as they were" if existed else f"{folder} was not created"
        raise UsageError(
            f"{folder}: cannot write {', '.join(files)}: {error.strerror or error}; nothing was written and "
            f"{state}. Free some space, check the folder's permissions or choose another folder with -o"
        ) from None


def replications_csv(rows: list[dict[str, Any]]) -> str:
    """One row per replication: its KPIs and crisis statistics."""
    return csv_text(list(rows[0]), ({k: _csv_number(v) for k, v in row.items()} for row in rows))


def daily_csv(daily: dict[str, dict[str, list[float]]], start: Any) -> str:
    """P5 / P50 / P95 of each daily series, one row per day."""
    fields = ["day", "date"] + [f"{name}_{band}" for name in daily for band in ("p5", "p50", "p95")]
    days = len(next(iter(daily.values()))["p50"])
    rows = []
    for d in range(days):
        date = (start + dt.timedelta(days=d)).isoformat() if start is not None else ""
        bands = [_csv_number(float(daily[n][b][d])) for n in daily for b in ("p5", "p50", "p95")]
        rows.append(dict(zip(fields, [d + 1, date, *bands], strict=True)))
    return csv_text(fields, rows)


def write_simulation(folder: Path, result: Any, scenario: Scenario, document: dict[str, Any]) -> list[Path]:
    """Write replications.csv, daily.csv, simulation.json and scenario.yaml into `folder`, each atomically."""
    return write_files(
        folder,
        {
            "replications.csv": replications_csv(result.replications),
            "daily.csv": daily_csv(result.daily, scenario.start),
            "simulation.json": json.dumps(document, indent=2) + "\n",
            "scenario.yaml": resolved_scenario_yaml(scenario, result.variant),
        },
    )


def whatif_csv(result: Any) -> str:
    """One row per option: the compared figures and its KPIs', their differences from the base, each KPI met or not."""
    kpis = sorted({k for row in result.rows for k in row.get("kpis", {})})
    chances = sorted({k for row in result.rows for k in row.get("probabilities", {})})
    compared = (*COMPARED, *result.figures)
    fields = ["name", "status", *compared, *(f"{k}_vs_base" for k in compared), *kpis]
    fields += [f"p_{k}" for k in chances] + ["relaxations"]
    flats = []
    for row in result.rows:
        flat = {"name": row["name"], "status": row["status"]}
        flat |= {k: _csv_number(row[k]) for k in compared if k in row}
        flat |= {f"{k}_vs_base": _csv_number(v) for k, v in row.get("delta", {}).items()}
        flat |= row.get("kpis", {})
        flat |= {f"p_{k}": _csv_number(v) for k, v in row.get("probabilities", {}).items()}
        if row["status"] != "optimal":
            # Each constraint's smallest relaxation, as optimize states it on exit 3.
            flat["relaxations"] = "; ".join(r["explanation"] for r in row.get("relaxations", ()))
        flats.append(flat)
    return csv_text(fields, flats)


def write_whatif(folder: Path, result: Any, scenario: Scenario, document: dict[str, Any]) -> list[Path]:
    """Write whatif.csv, whatif.json and the base scenario.yaml into `folder`, each atomically."""
    return write_files(
        folder,
        {
            "whatif.csv": whatif_csv(result),
            "whatif.json": json.dumps(document, indent=2) + "\n",
            "scenario.yaml": resolved_scenario_yaml(scenario, None),
        },
    )
