"""Numbers and money in the reader's locale: CLDR currency digits and separators, through Babel."""

from __future__ import annotations

import json
import math

import pytest

from scenarios import formatting
from scenarios.formatting import amount, digits_of, money, number, people, percent, signed


@pytest.mark.parametrize(
    ("locale", "currency", "expected"),
    [
        ("en", "EUR", "€18,000"),
        ("de_DE", "EUR", "18.000 €"),
        ("en", "USD", "$18,000"),
        ("de_DE", "USD", "18.000 $"),
        ("en", "IDR", "IDR 18,000"),
        ("de_DE", "IDR", "18.000 IDR"),
        ("id_ID", "IDR", "Rp 18.000"),
        ("en", "JPY", "¥18,000"),
        ("de_DE", "JPY", "18.000 ¥"),
    ],
)
def test_amounts_in_whole_units_carry_the_symbol_where_the_locale_puts_it(locale, currency, expected):
    with formatting.using(locale):
        assert amount(18_000.4, currency) == expected


@pytest.mark.parametrize(
    ("locale", "currency", "expected"),
    [
        ("en", "EUR", "€1,234.57"),
        ("de_DE", "EUR", "1.234,57 €"),
        ("en", "USD", "$1,234.57"),
        ("de_DE", "USD", "1.234,57 $"),
        ("en", "IDR", "IDR 1,235"),
        ("de_DE", "IDR", "1.235 IDR"),
        ("en", "JPY", "¥1,235"),
        ("de_DE", "JPY", "1.235 ¥"),
    ],
)
def test_amounts_in_minor_units_keep_the_currencys_own_digits(locale, currency, expected):
    with formatting.using(locale):
        assert amount(1234.5678, currency, minor=True) == expected


def test_currency_digits_come_from_cldr_in_any_case():
    assert [digits_of(c) for c in ("EUR", "USD", "IDR", "JPY", "eur", "jpy")] == [2, 2, 0, 0, 2, 0]


@pytest.mark.parametrize(
    ("locale", "currency", "expected"),
    [
        ("en", "EUR", "12,345.68"),
        ("de_DE", "EUR", "12.345,68"),
        ("en", "usd", "12,345.68"),
        ("en", "IDR", "12,346"),
        ("de_DE", "IDR", "12.346"),
        ("en", "JPY", "12,346"),
        ("de_DE", "jpy", "12.346"),
    ],
)
def test_money_without_symbol_keeps_the_currencys_digits(locale, currency, expected):
    with formatting.using(locale):
        assert money(12_345.678, currency) == expected


@pytest.mark.parametrize(("locale", "expected"), [("en", "48,250 (35,000)"), ("de_DE", "48.250 (35.000)")])
def test_a_cpm_in_idr_has_thousands_separators(locale, expected):
    with formatting.using(locale):
        assert f"{money(48_250.0, 'IDR')} ({money(35_000.0, 'IDR')})" == expected


@pytest.mark.parametrize(("locale", "expected"), [("en", "320,358"), ("de_DE", "320.358")])
def test_counts_of_people_are_whole(locale, expected):
    with formatting.using(locale):
        assert people(320_357.6) == expected


def test_numbers_percentages_and_signs_follow_the_locale():
    with formatting.using("de_DE"):
        assert (number(1944.04, 1), percent(0.1712), signed(1234.5, 1), signed(-3.0)) == (
            "1.944,0",
            "17,1 %",
            "+1.234,5",
            "-3",
        )
    assert (number(1944.04, 1), percent(0.1712), signed(1234.5, 1), signed(-3.0)) == (
        "1,944.0",
        "17.1 %",
        "+1,234.5",
        "-3",
    )


def test_undefined_is_a_dash_and_nothing_prints_as_minus_zero():
    assert [number(None), number(math.nan), amount(math.inf, "EUR"), percent(math.nan)] == ["-"] * 4
    assert (number(-0.0001), number(-0.04, 1), signed(-0.0001, 1), amount(-0.2, "EUR")) == ("0", "0.0", "+0.0", "€0")


def test_the_default_is_english_and_a_block_restores_the_locale_before_it():
    assert formatting.current() == formatting.DEFAULT
    with formatting.using("de_DE"):
        with formatting.using("fr_FR"):
            assert number(1234) == "1 234"
        assert number(1234) == "1.234"
    assert number(1234) == "1,234"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "de_DE.UTF-8"}, "de_DE"),
        ({"LC_ALL": "fr_FR.UTF-8", "LC_MESSAGES": "de_DE", "LANG": "en_US.UTF-8"}, "fr_FR"),
        ({"LC_ALL": "", "LC_MESSAGES": "de_DE", "LANG": "en_US.UTF-8"}, "de_DE"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "POSIX"}, "en"),
        ({"LANG": "xx_XX.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_environment_names_the_locale(environ, expected):
    assert str(formatting.from_environment(environ)) == expected


@pytest.mark.parametrize("name", ["de_DE", "de-DE", "de_DE.UTF-8", " de_de "])
def test_locale_names_are_read_in_the_usual_spellings(name):
    assert str(formatting.parse(name)) == "de_DE"


@pytest.mark.parametrize("name", ["xx_XX", "", "german", "de_DE_FOO"])
def test_an_unknown_locale_names_valid_examples(name):
    with pytest.raises(ValueError, match=r"^.* is not a known locale; use a CLDR locale such as en, en_US, de_DE"):
        formatting.parse(name)


def test_excel_formats_keep_the_currencys_digits():
    assert [formatting.excel_money(c) for c in ("EUR", "IDR", "JPY", "usd")] == [
        "#,##0.00",
        "#,##0",
        "#,##0",
        "#,##0.00",
    ]


@pytest.mark.parametrize(("locale", "fraction"), [("en", "2.5E20"), ("de_DE", "2,5E20")])
def test_numbers_beyond_any_budget_are_scientific_not_a_crash(locale, fraction):
    with formatting.using(locale):
        assert number(1e308, 2) == "1E308"
        assert amount(-1e308, "EUR") == "-1E308 EUR"
        assert formatting.short(2.5e20) == fraction


def test_the_command_line_reads_in_the_locale_of_locale_or_the_environment(monkeypatch):
    from click.testing import CliRunner

    from campaign.cli import cli

    runner = CliRunner()
    german = runner.invoke(cli, ["--locale", "de_DE", "optimize", "cafe-chain-q1"])
    assert german.exit_code == 0, german.output
    assert german.output.startswith("cafe-chain-q1: maximise pre-orders; budget 18.000 € over 13 weeks\n")
    assert "facebook    feed_image         3.079    17,1 %        368,9        8,35" in german.output
    assert "revenue 62.209 € · ROAS 3,46 · profit after fixed costs 15.074 €" in german.output
    monkeypatch.setenv("LC_ALL", "de_DE.UTF-8")
    from_environment = runner.invoke(cli, ["optimize", "cafe-chain-q1"]).output
    assert from_environment.splitlines()[2:] == german.output.splitlines()[2:]  # the solve time aside
    # JSON keeps plain numbers in any locale; only its sentences (explanations) follow the locale.
    english = json.loads(runner.invoke(cli, ["--locale", "en", "optimize", "cafe-chain-q1", "--json"]).output)
    german = json.loads(runner.invoke(cli, ["--locale", "de_DE", "optimize", "cafe-chain-q1", "--json"]).output)
    for document in (english, german):
        document["solver"].pop("seconds")
    budget = next(c for c in german["constraints"] if c["name"] == "budget.total")
    assert budget["explanation"] == "one more EUR of budget buys 0,08073 pre-orders (marginal CPA 12,39 €)"
    assert without_sentences(english) == without_sentences(german)


def without_sentences(document):
    """A JSON document with every "explanation" left out."""
    if isinstance(document, dict):
        return {k: without_sentences(v) for k, v in document.items() if k != "explanation"}
    if isinstance(document, list):
        return [without_sentences(v) for v in document]
    return document


@pytest.mark.parametrize(("count", "expected"), [(0, "0 data rows"), (1, "1 data row"), (1234, "1,234 data rows")])
def test_counts_take_the_plural_form_of_their_number(count, expected):
    assert formatting.counted(count, "data row") == expected
    assert formatting.counted(count, "reply", "replies").endswith("reply" if count == 1 else "replies")


def test_an_unknown_locale_is_a_usage_error():
    from click.testing import CliRunner

    from campaign.cli import cli

    result = CliRunner().invoke(cli, ["--locale", "xx_YY", "scenarios"])
    assert result.exit_code == 2
    assert "Invalid value for '--locale': 'xx_YY' is not a known locale; use a CLDR locale such as en, en_US, " in (
        result.output
    )
