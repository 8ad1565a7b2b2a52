"""Platform exports written from a weekly history in the formats `campaign.exports` reads (worked examples, tests).

Each cell goes to the platform of its first `actuals.mapping` rule, under a
campaign name, platform and placement that this rule claims and no earlier
rule does (checked by mapping the written files back with `map_rows`).
Figures are rounded as the platforms write them: money to cents, counts to
whole numbers, half to even (Python's `round`). Meta and the plain CSV get a
Week breakdown (one row per cell and observed Monday-to-Sunday week); Google
Ads, TikTok and LinkedIn a Day breakdown, since their Day column is the one
`campaign.exports` reads: each week's rounded figures are split over its
seven days in whole cents and counts (the first days take the remainder), so
the days of a week add up to the week's figures exactly.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from campaign.actuals import map_rows, match
from campaign.exports import ExportRow, read_export
from scenarios import MappingRule, Scenario, UsageError, WeeklyHistory

#: Placements tried for a Meta cell whose rule names none.
META_PLACEMENTS = ("Feed", "Stories", "Explore", "Marketplace", "Video feeds", "Search results")
#: The file each platform's export is written to.
FILES = {
    "meta": "meta_history.csv",
    "google": "google_ads_history.csv",
    "tiktok": "tiktok_history.csv",
    "linkedin": "linkedin_history.csv",
    "generic": "generic_history.csv",
}


@dataclass(frozen=True)
class Series:
    """One cell's rows in an export: the platform, and the campaign, platform and placement its rule claims."""

    cell: str
    platform: str
    campaign: str
    platform_name: str
    placement: str


@dataclass(frozen=True)
class Week:
    """One cell's rounded figures for one week starting on `monday`: cents and whole counts."""

    monday: dt.date
    cents: int
    impressions: int
    clicks: int
    conversions: int


def first_rules(scenario: Scenario) -> dict[str, tuple[int, MappingRule]]:
    """Each cell's first mapping rule and its index, for the cells some rule names."""
    rules: dict[str, tuple[int, MappingRule]] = {}
    for index, rule in enumerate(scenario.actuals.mapping):
        rules.setdefault(f"{rule.channel}.{rule.format}", (index, rule))
    return rules


def unmapped_cells(history: WeeklyHistory, scenario: Scenario) -> list[str]:
    """The history's cells that no mapping rule names: no export can carry them."""
    rules = first_rules(scenario)
    return [cell for cell in history.cells if cell not in rules]


def series(cell: str, index: int, rule: MappingRule, scenario: Scenario) -> Series:
    """Names for `cell`'s rows that `rule` (mapping rule `index`) claims and no earlier rule does."""
    channel, fmt = cell.split(".", 1)
    if rule.platform == "generic":
        return Series(cell, "generic", f"History - {channel} {fmt}", "", "")
    names = [rule.platform_name] if rule.platform_name else [""]
    if rule.platform == "meta" and not rule.platform_name:
        names = [channel, "facebook", "instagram"]
    if rule.platform_name and rule.platform != "meta":
        raise UsageError(
            f"actuals.mapping[{index}] names the platform '{rule.platform_name}', but {rule.platform} exports have "
            f"no Platform column: no export row can match it, so {cell} cannot be written"
        )
    places = [rule.placement] if rule.placement else (list(META_PLACEMENTS) if rule.platform == "meta" else [""])
    if rule.placement and rule.platform != "meta":
        raise UsageError(
            f"actuals.mapping[{index}] names the placement '{rule.placement}', but {rule.platform} exports have no "
            f"Placement column: no export row can match it, so {cell} cannot be written"
        )
    campaigns = [f"History - {channel} {fmt.replace('_', ' ')}"]
    if rule.campaign:
        campaigns += [f"History - {word}" for word in literals(rule.campaign)] + literals(rule.campaign)
    for campaign in campaigns:
        for name in names:
            for place in places:
                row = ExportRow(0, campaign, name.lower(), place, "", "", None, None, 0.0, 0.0, 0.0, 0.0, "")
                claimed = next(
                    (i for i, r in enumerate(scenario.actuals.mapping) if match(r, rule.platform, row)), None
                )
                if claimed == index:
                    return Series(cell, rule.platform, campaign, name.lower(), place)
    raise UsageError(
        f"no {rule.platform} campaign name, platform and placement that actuals.mapping[{index}] claims for {cell} "
        f"escapes the rules before it (tried the campaigns {', '.join(repr(c) for c in campaigns)}); "
        "give the cell a rule no earlier rule overlaps"
    )


def _claimant(scenario: Scenario, platform: str, row: ExportRow) -> int | None:
    """The index of the first mapping rule that claims `row` of a `platform` export."""
    return next((i for i, r in enumerate(scenario.actuals.mapping) if match(r, platform, row)), None)


def literals(pattern: str) -> list[str]:
    """Plain words a campaign pattern's alternatives spell out (``(?i)youtube|video`` gives youtube and video)."""
    text = re.sub(r"\(\?[a-zA-Z]+\)", "", pattern)
    found = []
    for part in text.split("|"):
        words = re.sub(r"\\b|[\^$()]", "", part).strip()
        if words and re.fullmatch(r"[\w \-]+", words):
            found.append(words)
    return found


def rounded_weeks(history: WeeklyHistory, c: int) -> list[Week]:
    """Cell `c`'s observed weeks, rounded half to even: spend to cents, counts to whole numbers."""
    weeks = []
    for w, monday in enumerate(history.weeks):
        if not history.observed[c, w]:
            continue
        if monday.weekday() != 0:
            raise ValueError(f"week {w} of the history starts on {monday}, not a Monday")
        weeks.append(
            Week(
                monday,
                round(round(float(history.spend[c, w]), 2) * 100),
                round(float(history.impressions[c, w])),
                round(float(history.clicks[c, w])),
                round(float(history.conversions[c, w])),
            )
        )
    return weeks


def split(total: int, parts: int = 7) -> list[int]:
    """`total` in `parts` whole parts adding up to it, the first ones taking the remainder."""
    base, rest = divmod(total, parts)
    return [base + (1 if i < rest else 0) for i in range(parts)]


def days(week: Week) -> list[tuple[dt.date, int, int, int, int]]:
    """The week's figures split over its seven days: (day, cents, impressions, clicks, conversions)."""
    cents, impressions, clicks = split(week.cents), split(week.impressions), split(week.clicks)
    conversions = split(week.conversions)
    return [(week.monday + dt.timedelta(days=d), cents[d], impressions[d], clicks[d], conversions[d]) for d in range(7)]


def money(cents: int) -> str:
    """Whole cents as the platforms write an amount: "1,185.04"."""
    return f"{cents // 100:,}.{cents % 100:02d}"


def _meta(rows: list[tuple[Series, Week]], scenario: Scenario) -> tuple[list[str], list[list[str]]]:
    columns = scenario.actuals.conversion_columns
    result = scenario.actuals.conversion_results[0] if scenario.actuals.conversion_results else "Website purchases"
    header = ["Campaign name", "Placement", "Platform", "Impressions", "Link clicks"]
    header += [columns[0]] if columns else ["Result type", "Results"]
    header += [f"Amount spent ({scenario.currency})", "Reporting starts", "Reporting ends"]
    body = []
    for s, w in rows:
        counted = [str(w.conversions)] if columns else [result, str(w.conversions)]
        dates = [str(w.monday), str(w.monday + dt.timedelta(days=6))]
        figures = [f"{w.impressions:,}", f"{w.clicks:,}", *counted, money(w.cents)]
        body.append([s.campaign, s.placement, s.platform_name, *figures, *dates])
    return header, body


def _google(rows: list[tuple[Series, Week]], scenario: Scenario) -> tuple[list[str], list[list[str]]]:
    conversions = scenario.actuals.conversion_columns[0] if scenario.actuals.conversion_columns else "Conversions"
    header = ["Day", "Campaign", "Impr.", "Clicks", "Currency code", "Cost", conversions]
    body = [
        [str(day), s.campaign, f"{i:,}", f"{c:,}", scenario.currency, money(cents), f"{v}.00"]
        for s, w in rows
        for day, cents, i, c, v in days(w)
    ]
    return header, body


def _tiktok(rows: list[tuple[Series, Week]], scenario: Scenario) -> tuple[list[str], list[list[str]]]:
    conversions = scenario.actuals.conversion_columns[0] if scenario.actuals.conversion_columns else "Conversions"
    header = ["Campaign name", "Date", "Cost", "Impressions", "Clicks (destination)", conversions, "Currency"]
    body = [
        [s.campaign, str(day), f"{cents / 100:.2f}", str(i), str(c), str(v), scenario.currency]
        for s, w in rows
        for day, cents, i, c, v in days(w)
    ]
    return header, body


def _linkedin(rows: list[tuple[Series, Week]], scenario: Scenario) -> tuple[list[str], list[list[str]]]:
    conversions = scenario.actuals.conversion_columns[0] if scenario.actuals.conversion_columns else "Conversions"
    header = ["Start Date (in UTC)", "Campaign Name", "Total Spent", "Impressions", "Clicks", conversions, "Currency"]
    body = [
        [f"{day:%m/%d/%Y}", s.campaign, money(cents), f"{i:,}", str(c), str(v), scenario.currency]
        for s, w in rows
        for day, cents, i, c, v in days(w)
    ]
    return header, body


def _generic(rows: list[tuple[Series, Week]], scenario: Scenario) -> tuple[list[str], list[list[str]]]:
    header = ["channel", "format", "campaign", "start", "end", "spend", "impressions", "clicks", "conversions"]
    header.append("currency")
    body = []
    for s, w in rows:
        channel, fmt = s.cell.split(".", 1)
        end = w.monday + dt.timedelta(days=6)
        figures = [f"{w.cents / 100:.2f}", str(w.impressions), str(w.clicks), str(w.conversions)]
        body.append([channel, fmt, s.campaign, str(w.monday), str(end), *figures, scenario.currency])
    return header, body


WRITERS: dict[str, Callable[[list[tuple[Series, Week]], Scenario], tuple[list[str], list[list[str]]]]] = {
    "meta": _meta,
    "google": _google,
    "tiktok": _tiktok,
    "linkedin": _linkedin,
    "generic": _generic,
}


def _preamble(platform: str, first: dt.date, last: dt.date) -> list[list[str]]:
    """The lines above the header that the platform writes (the report's name and dates)."""
    if platform == "google":
        return [["Campaign report"], [f"{first:%B} {first.day}, {first.year} - {last:%B} {last.day}, {last.year}"]]
    if platform == "linkedin":
        return [
            ["Campaign Performance Report (in UTC)"],
            [f"Report Start: {first:%m/%d/%Y}", f" Report End: {last:%m/%d/%Y}"],
            [],
        ]
    return []


def write_exports(history: WeeklyHistory, scenario: Scenario, folder: Path) -> list[Path]:
    """Write one export per platform the cells' first mapping rules name into `folder`; the paths written.

    Cells no rule names are left out (`unmapped_cells`). Every written row is
    mapped back with `map_rows`; a row that maps onto another cell, or none,
    raises `UsageError` and the files written are removed.
    """
    rules = first_rules(scenario)
    by_platform: dict[str, list[tuple[Series, Week]]] = {}
    expected: dict[tuple[str, str, str], str] = {}
    for c, cell in enumerate(history.cells):
        if cell not in rules:
            continue
        named = series(cell, *rules[cell], scenario)
        expected[(named.campaign, named.platform_name, named.placement)] = cell
        by_platform.setdefault(named.platform, []).extend((named, w) for w in rounded_weeks(history, c))
    written: list[Path] = []
    try:
        for platform, rows in by_platform.items():
            if not rows:
                continue
            rows.sort(key=lambda item: (item[1].monday, item[0].cell))
            header, body = WRITERS[platform](rows, scenario)
            first = min(w.monday for _, w in rows)
            last = max(w.monday for _, w in rows) + dt.timedelta(days=6)
            path = folder / FILES[platform]
            written.append(path)
            _write(path, platform, [*_preamble(platform, first, last), header, *body])
            _check(path, scenario, expected)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return written


def _write(path: Path, platform: str, lines: list[list[str]]) -> None:
    """As the platform saves it: Google Ads UTF-16 with tabs, Meta UTF-8 with a byte-order mark, others UTF-8."""
    encoding = {"google": "utf-16", "meta": "utf-8-sig"}.get(platform, "utf-8")
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter="\t" if platform == "google" else ",", lineterminator="\n")
        writer.writerows(lines)


def _check(path: Path, scenario: Scenario, expected: dict[tuple[str, str, str], str]) -> None:
    """Map the written rows back as an import would; raise unless each lands on the cell it was written for."""
    mapped, unmapped = map_rows(read_export(path), scenario)
    if unmapped:
        raise UsageError(f"{path}: line {unmapped[0]['row']} maps onto no cell: {unmapped[0]['reason']}")
    for row in mapped:
        cell = f"{row.channel}.{row.format}"
        wanted = expected.get((row.campaign, row.platform_name, row.placement))
        if wanted != cell:
            raise UsageError(
                f"{path}: the rows of campaign '{row.campaign}' map onto {cell}, not {wanted}: an earlier "
                "actuals.mapping rule claims them"
            )
