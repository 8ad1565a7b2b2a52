"""Option values of the command line: every numeric option's range is a click type, so a bad value is a usage error.

A usage error exits 2 with one paragraph on stderr (and, under --json, the
error document on stdout); Ctrl-C exits 130 with one line. The limits here
are the ones the README's "Security and failure behaviour" section states.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import sys
from typing import Any
from urllib.parse import urlsplit

import click

from scenarios import MAX_POINTS, MAX_RUNS, SweepSpec, parse_spec

#: Exit code of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130
#: The smallest budget worth planning: one unit of the scenario's currency (no ad platform takes less).
MIN_AMOUNT = 1.0
#: The largest budget: beyond it the sums lose the cents (doubles carry 15 to 16 significant digits).
MAX_AMOUNT = 1e12
#: The largest root seed (numpy's SeedSequence takes any whole number; 64 bits are plenty).
MAX_SEED = 2**64 - 1
#: Dask's address schemes.
SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity where the system has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS and Windows
        return os.cpu_count() or 1


class FiniteFloat(click.ParamType):
    """A finite number within optional bounds (click's FloatRange lets infinity and NaN through)."""

    name = "number"

    def __init__(
        self,
        low: float | None = None,
        high: float | None = None,
        low_open: bool = False,
        why_low: str = "",
        high_open: bool = False,
    ) -> None:
        self.low, self.high, self.low_open, self.why_low = low, high, low_open, why_low
        self.high_open = high_open

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, float):
            number = value
        else:
            try:
                number = float(value)
            except (TypeError, ValueError):
                self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        too_low = self.low is not None and (number <= self.low if self.low_open else number < self.low)
        too_high = self.high is not None and (number >= self.high if self.high_open else number > self.high)
        if too_low or too_high:
            self.fail(f"{value} is not in the range {self._range()}{self.why_low if too_low else ''}", param, ctx)
        return number

    def _range(self) -> str:
        low = "" if self.low is None else f"{self.low:g}{' <' if self.low_open else ' <='} "
        high = "" if self.high is None else f"{' <' if self.high_open else ' <='} {self.high:g}"
        return f"{low}x{high}"


#: A budget or a bound of a budget range, in the scenario's currency.
AMOUNT = FiniteFloat(
    MIN_AMOUNT, MAX_AMOUNT, why_low=" (one unit of the currency is the smallest amount worth planning)"
)
#: A share of drawn quarters a plan meets every KPI in (`--confidence`).
CONFIDENCE = FiniteFloat(0.0, 1.0, low_open=True, high_open=True)
#: The worst share of quarters whose mean objective is maximised (`--objective-quantile`).
QUANTILE = FiniteFloat(0.0, 1.0, low_open=True)
#: Replications of a simulation; `RUNS_OR_NONE` also takes 0 for "do not simulate".
RUNS = click.IntRange(1, MAX_RUNS)
RUNS_OR_NONE = click.IntRange(0, MAX_RUNS)
SEED = click.IntRange(0, MAX_SEED)


class Workers(click.ParamType):
    """Local worker processes: at least 1, at most the CPUs this process may use."""

    name = "integer"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        number = click.INT.convert(value, param, ctx)
        cpus = usable_cpus()
        if not 1 <= number <= cpus:
            self.fail(
                f"{number} is not in the range 1<=x<={cpus}: this machine lets the tool use {cpus} "
                f"CPU{'s' if cpus != 1 else ''}, and more workers than CPUs only wait for each other",
                param,
                ctx,
            )
        return number


class SchedulerAddress(click.ParamType):
    """A Dask scheduler address, ``tcp://host:8786`` (scheme and port optional), checked before connecting."""

    name = "address"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip()
        example = "such as tcp://10.0.0.5:8786"
        spec = text if "://" in text else f"tcp://{text}"
        try:
            parts = urlsplit(spec)
            port = parts.port
        except ValueError as error:
            detail = str(error)
            if "port" in detail.lower():
                found = spec.rsplit(":", 1)[-1].rstrip("/")
                self.fail(f"{text!r}: the port {found!r} is not a port number (1 to 65535), {example}", param, ctx)
            self.fail(f"{text!r} is not a scheduler address ({detail}), {example}", param, ctx)
        if parts.scheme not in SCHEMES:
            self.fail(f"{text!r}: unknown scheme '{parts.scheme}'; Dask takes {', '.join(SCHEMES)}", param, ctx)
        if parts.scheme == "inproc":  # an in-process scheduler (tests, notebooks): Dask's own name for it
            return spec
        if not parts.hostname:
            self.fail(f"{text!r} names no host, {example}", param, ctx)
        if port == 0:
            self.fail(f"{text!r}: the port 0 is not a port number (1 to 65535), {example}", param, ctx)
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            self.fail(f"{text!r} is not a scheduler address: it has a path or query, {example}", param, ctx)
        return spec


class Currency(click.ParamType):
    """An ISO 4217 code, written in capitals whatever case it was given in (``eur`` is EUR)."""

    name = "code"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        code = str(value).strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            self.fail(f"{value!r} is not a three-letter ISO 4217 currency code, such as EUR or USD", param, ctx)
        return code


class Sweep(click.ParamType):
    """``KEY=FROM:TO:STEP``: finite numbers, at most MAX_POINTS distinct points (the key is checked on the scenario)."""

    name = "sweep"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> SweepSpec:
        if isinstance(value, SweepSpec):
            return value
        try:
            return parse_spec(str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)


class IsoDate(click.ParamType):
    """A day written YYYY-MM-DD; `example` follows the expected form in the message of a value that is not one."""

    name = "date"

    def __init__(self, example: str = "") -> None:
        self.example = example

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            such = f", such as {self.example}" if self.example else ""
            self.fail(f"'{value}' is not a date; expected YYYY-MM-DD{such}", param, ctx)


class UsageProblem(click.ClickException):
    """A usage error as one paragraph (click's own prints the usage line, a hint and the error apart)."""

    exit_code = 2

    def __init__(self, message: str, as_json: bool) -> None:
        super().__init__(message)
        self.as_json = as_json

    def show(self, file: Any = None) -> None:
        if self.as_json:
            click.echo(json.dumps({"status": "error", "message": self.message}, indent=2))
        click.echo(f"Error: {self.message}", err=True)


def _wants_json(ctx: click.Context) -> bool:
    args = ctx.meta.get("campaign.args", [])
    return "--json" in args[: args.index("--")] if "--" in args else "--json" in args


def _one_paragraph(error: click.UsageError, ctx: click.Context) -> UsageProblem:
    where = error.ctx or ctx
    hint = f" ({where.command_path} --help shows the options)" if where is not None else ""
    return UsageProblem(f"{error.format_message().rstrip('.')}{hint}", _wants_json(ctx))


class CampaignGroup(click.Group):
    """The command group: usage errors as one paragraph (and a JSON document under --json), Ctrl-C as exit 130."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any):
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as error:
            context = click.Context(self, info_name=info_name, parent=parent)
            context.meta["campaign.args"] = list(args)
            raise _one_paragraph(error, context) from None

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta.setdefault("campaign.args", list(args))
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except UsageProblem:
            raise
        except click.UsageError as error:
            raise _one_paragraph(error, ctx) from None
        except KeyboardInterrupt:
            if ctx.parent is not None:
                raise
            message = "interrupted (Ctrl-C); the run stopped before it finished"
            if _wants_json(ctx):
                click.echo(json.dumps({"status": "error", "message": message}, indent=2))
            # On a terminal the new line closes the "^C" echo.
            click.echo(f"{chr(10) if sys.stderr.isatty() else ''}Error: {message}", err=True)
            sys.exit(EXIT_INTERRUPTED)


CampaignGroup.group_class = type  # nested groups (`actuals`) behave the same

__all__ = [
    "AMOUNT",
    "MAX_POINTS",
    "RUNS",
    "RUNS_OR_NONE",
    "SEED",
    "CampaignGroup",
    "Currency",
    "FiniteFloat",
    "IsoDate",
]
