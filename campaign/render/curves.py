"""The text of `campaign curves import`: the rules applied and each cell's imported curve."""

from __future__ import annotations

from campaign.render.tables import table
from scenarios import amount, money, number, percent, short, significant


def imported(result) -> str:
    """What was read, the rules that turned it into horizon curves, one row per cell, and the file written."""
    source, scenario = result.source, result.scenario
    currency = scenario.currency
    solution = f", solution {source.solution}" if source.solution is not None else ""
    out = [
        (
            f"{source.file}: {source.format}{solution} → scenario '{scenario.name}' "
            f"({_weeks(result.horizon_weeks)}; one period of the model: {_weeks(source.period_weeks)})"
        ),
        f"Each curve covers the horizon: F(X) = n · f(X / n) for the model's curve f of one period's spend, "
        f"n = {short(result.periods)} periods"
        + (
            f"; revenue divided by {amount(result.value_per_conversion, currency, minor=True)} per conversion."
            if result.value_per_conversion is not None
            else "; the response is conversions."
        ),
        (
            f"A channel's curve F is split over its formats by their shares w of its conversions per {currency} at "
            "equal spend (1000 · CTR · CVR / CPM): a format gets w · F(x / w)."
        ),
    ]
    if source.format == "robyn":
        out.append(
            "Robyn's adstock is folded into the curve: at a steady spend s a period, the adstocked spend is "
            "s / (1 − θ), so the half-saturation is (1 − θ) · the Hill inflexion; the scenario's adstock is as it was."
        )
    if result.band != "response":
        out.append(f"The curves are the {result.band} edge of the model's credible band.")
    rows = []
    for channel in result.imports:
        for cell in channel.cells:
            curve = cell.curve
            if curve["curve"] == "hill":
                shape = ["hill", significant(curve["alpha"]), money(curve["half_saturation"], currency)]
                top = curve["max"]
            else:
                shape = [f"points ({len(curve['spend'])})", "-", "-"]
                top = curve["conversions"][-1]
            rows.append([channel.mmm_channel, cell.cell, percent(cell.share), *shape, number(top, 1)])
    name = scenario.business.conversion
    headers = ["mmm channel", "cell", "share", "curve", "alpha", f"half-saturation ({currency})", f"max ({name}s)"]
    out += ["", table(headers, rows, [False, False, True, False, True, True, True])]
    if result.skipped:
        out += ["", "Left out (--skip): " + ", ".join(result.skipped)]
    if result.output is not None:
        out += ["", f"Wrote {result.output}"]
    else:
        out += ["", "Nothing written: -o FILE writes the scenario with these curves."]
    return "\n".join(out)


def _weeks(value: float) -> str:
    return f"{short(value)} {'week' if value == 1 else 'weeks'}"
