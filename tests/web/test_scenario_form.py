"""The new-scenario form's mapping: numbers in the page's locale, blank rows left out, problems placed by key path."""

from __future__ import annotations

import pytest

from campaign.web.scenario_form import MAX_ROWS, document_of, entries_of, number_of, placed
from scenarios import Problem


@pytest.mark.parametrize(
    ("text", "locale", "value"),
    [
        ("18,000", "en", 18000),
        ("18.000", "de_DE", 18000),
        ("0,02", "de_DE", 0.02),
        ("0.02", "de_DE", 0.02),
        ("1e-3", "en", 0.001),
        (" 7 ", "en", 7),
        ("lots", "en", "lots"),
        ("nan", "en", "nan"),
        ("inf", "en", "inf"),
    ],
)
def test_a_number_is_read_in_the_locale_or_as_a_program_writes_it_else_kept_as_typed(text, locale, value):
    got = number_of(text, locale)
    assert got == value
    assert type(got) is type(value)


def test_placed_puts_each_problem_at_the_field_of_its_longest_known_key_path():
    places = {"channels.fb": "channel-0-name", "channels.fb.cpm": "channel-0-cpm", "name": "name"}
    problems = [
        Problem("channels.fb.cpm", "bad"),
        Problem("channels.fb.audience", "missing"),
        Problem("channels", "empty"),
        Problem("", "not YAML"),
    ]
    assert placed(problems, places) == {
        "channel-0-cpm": ["channels.fb.cpm: bad"],
        "channel-0-name": ["channels.fb.audience: missing"],
        "": ["channels: empty", "not YAML"],
    }


def test_rows_are_counted_from_what_was_typed_and_bounded():
    entries = entries_of([("rows-channel", "999"), ("kpi-7-name", "max_cpa"), ("unknown", "x")], add="kpi")
    assert entries.rows["channel"] == MAX_ROWS
    assert entries.rows["kpi"] == 9
    assert "unknown" not in entries.fields
    document, _ = document_of(entries, "en")
    assert document["kpis"] == {"max_cpa": ""}
