"""The command group and what its commands share: options, progress on stderr, output and the exit codes.

Exit codes: 0 success; 1 an error in the input or the run (one paragraph on
stderr, no traceback); 2 a usage error (click's own); 3 an infeasible
problem (with the explanation).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click

from campaign.app.defaults import CONFIDENCE_DRAWS, TOLERANCE
from campaign.options import CONFIDENCE, SEED, CampaignGroup, FiniteFloat, SchedulerAddress, Workers
from scenarios import CampaignError, InfeasibleError

EXIT_INFEASIBLE = 3

solver_option = click.option(
    "--solver", type=click.Choice(["highs", "cbc"]), default="highs", show_default=True, help="LP solver."
)
json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON document on stdout and nothing else there."
)
variant_option = click.option("--variant", metavar="NAME", help="Merge this variant of the scenario over its base.")
quiet_option = click.option("--quiet", is_flag=True, help="No progress bar on stderr.")
fixed_parameters_option = click.option(
    "--fixed-parameters",
    is_flag=True,
    help="Keep every uncertain figure at its mean (by default each pair of quarters draws them).",
)
workers_option = click.option(
    "--workers", type=Workers(), default=1, show_default=True, help="Local worker processes (at most the CPUs)."
)
scheduler_option = click.option(
    "--scheduler",
    type=SchedulerAddress(),
    metavar="ADDRESS",
    help="Run on the Dask scheduler at ADDRESS (tcp://host:8786).",
)
ledger_option = click.option(
    "--ledger", type=click.Path(path_type=Path, dir_okay=False), metavar="PATH", help="The ledger file."
)


def plan_option(purpose: str) -> Any:
    """The --plan FILE option: `purpose` is what the command does with the plan ("Simulate this plan")."""
    return click.option(
        "--plan",
        "plan_file",
        type=click.Path(path_type=Path, dir_okay=False),
        metavar="FILE",
        help=f"{purpose} (result.json or allocation.csv from optimize -o, or @current / @N: the scenario's "
        "adopted plan of that version) instead of the optimizer's.",
    )


def tolerance_option(where: str = "") -> Any:
    """The --tolerance option: the largest proven gap to the true optimum accepted (`where`: "at every point")."""
    return click.option(
        "--tolerance",
        type=FiniteFloat(1e-7, 0.5),
        default=TOLERANCE,
        show_default=True,
        help=f"Largest accepted proven gap to the true optimum{where}, as a fraction (1e-4 = 0.01 %).",
    )


def confidence_options(purpose: str, seed: bool = False, draws_seed: str = "") -> Callable[[Any], Any]:
    """--confidence LEVEL (`purpose`: its help), --draws N and, with `seed`, --seed S: the root seed of the drawn
    quarters (a command whose --seed seeds its simulations says so in `draws_seed`: "; seed: --seed")."""

    def apply(command: Any) -> Any:
        if seed:
            command = click.option(
                "--seed",
                type=SEED,
                metavar="S",
                help="With --confidence: root seed of the drawn quarters (default: the scenario's seed).",
            )(command)
        command = click.option(
            "--draws",
            type=click.IntRange(10, 5000),
            metavar="N",
            help=f"With --confidence: the drawn quarters to plan over (default {CONFIDENCE_DRAWS}{draws_seed}).",
        )(command)
        return click.option("--confidence", type=CONFIDENCE, metavar="LEVEL", help=purpose)(command)

    return apply


def needs_confidence(confidence: float | None, **given: object) -> None:
    """A usage error naming the first option of `given` (`draws=3`: --draws) set without --confidence."""
    if confidence is not None:
        return
    for name, value in given.items():
        if value is not None:
            option = "--" + name.replace("_", "-")
            raise click.UsageError(f"{option} plans at a confidence: give --confidence LEVEL too (0.9, say)")


def output_option(files: str) -> Any:
    """The -o/--output DIR option of a command that writes `files` and the resolved scenario."""
    return click.option(
        "-o",
        "--output",
        type=click.Path(path_type=Path),
        metavar="DIR",
        help=f"Write {files} and the resolved scenario.yaml into DIR.",
    )


def output_file_option(what: str) -> Any:
    """The -o/--output FILE option of a command that writes one file: `what` says which ("the calibrated scenario")."""
    return click.option(
        "-o",
        "--output",
        type=click.Path(path_type=Path, dir_okay=False),
        metavar="FILE",
        help=f"Write {what} to FILE.",
    )


def _activate_locale(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """Format every human output of this command in the locale named by --locale, else the environment's."""
    from scenarios import activate_locale

    try:
        activate_locale(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


@click.group(cls=CampaignGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="campaign-planner", prog_name="campaign")
@click.option(
    "--locale",
    metavar="NAME",
    callback=_activate_locale,
    expose_value=False,
    help="Numbers and money in this locale (en, en_US, de_DE, ...): separators, the currency's symbol and digits. "
    "Default: LC_ALL, LC_MESSAGES or LANG, else English. JSON keeps plain numbers.",
)
def cli() -> None:
    """Plan paid social-media budgets across channels and content formats.

    Start with the bundled scenarios:

    \b
      campaign scenarios
      campaign optimize cafe-chain-q1
      campaign --locale de_DE optimize cafe-chain-q1
    """


def fail(error: CampaignError, as_json: bool = False) -> NoReturn:
    """Exit 1 with the error on stderr (and, under --json, as a JSON document on stdout)."""
    if as_json:
        click.echo(json.dumps({"status": "error", "message": str(error)}, indent=2))
    raise click.ClickException(str(error))


def infeasible(
    error: InfeasibleError, scenario: str, variant: str | None, as_json: bool, warnings: list[str] | None = None
) -> NoReturn:
    """Exit 3 with the explanation (and, under --json, the infeasible document with its relaxations)."""
    if as_json:
        from campaign.app.common import infeasible_document

        click.echo(json.dumps(infeasible_document(error, scenario, variant, warnings), indent=2))
    for warning in warnings or []:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"Error: {error}", err=True)
    sys.exit(EXIT_INFEASIBLE)


@contextmanager
def failures(
    scenario: str = "", variant: str | None = None, as_json: bool = False, exit_3: bool = True
) -> Iterator[None]:
    """The project's errors as exit codes: infeasible 3 (when `exit_3`), a bad budget range 2, any other 1."""
    from campaign.app.common import BadRangeError, InfeasiblePlanError

    try:
        yield
    except InfeasibleError as error:
        if not exit_3:
            fail(error, as_json)
        warnings = error.warnings if isinstance(error, InfeasiblePlanError) else None
        infeasible(error, scenario, variant, as_json, warnings)
    except BadRangeError as error:  # a usage error (exit 2) even when one end is the scenario's default
        raise click.BadParameter(str(error), param_hint=f"'{error.option}'") from None
    except CampaignError as error:
        fail(error, as_json)


class ProgressBar:
    """A progress bar on stderr for `(done, total)` reports, only when stderr is a terminal and not --quiet."""

    def __init__(self, quiet: bool, label: str = "simulating") -> None:
        self.show = not quiet and sys.stderr.isatty()
        self.label = label
        self.bar: Any = None
        self.done = 0

    @property
    def progress(self) -> Callable[[int, int], None] | None:
        """The callback to pass to a use case, or None when no bar is shown."""
        return self.report if self.show else None

    def report(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


def emit(document: dict[str, Any], text: Callable[[], str], written: list[Path], as_json: bool) -> None:
    """Print the JSON document or the human report, then the files written (if any)."""
    if as_json:
        click.echo(json.dumps(document, indent=2))
        return
    click.echo(text())
    if written:
        click.echo("\nWrote " + ", ".join(str(p) for p in written))
