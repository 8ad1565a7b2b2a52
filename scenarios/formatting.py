"""Numbers and money as people read them, in their locale: Babel (CLDR) formats and currency digits.

Every human output (CLI tables and sentences, the HTML report) formats through this module;
JSON output keeps plain numbers. The locale is chosen once per command (`--locale`, else
LC_ALL / LC_MESSAGES / LANG, else English) and held in a context variable, so the renderers
take no extra argument. Money keeps the currency's own digits (CLDR: EUR and USD 2, IDR and
JPY 0); counts of people are whole numbers.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from copy import copy

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal, format_scientific, get_currency_precision, get_currency_symbol

#: The locale when neither --locale nor the environment names one.
DEFAULT = Locale("en")
#: Environment variables that name the locale, strongest first (empty ones are skipped, as POSIX does).
ENVIRONMENT = ("LC_ALL", "LC_MESSAGES", "LANG")
#: Valid examples named in the error for an unknown locale.
EXAMPLES = "en, en_US, de_DE, fr_FR, id_ID or ja_JP"

_CURRENT: ContextVar[Locale] = ContextVar("locale", default=DEFAULT)


def parse(text: str) -> Locale:
    """The Babel locale named by `text` (`de_DE`, `de-DE`, `de_DE.UTF-8`); ValueError naming valid examples."""
    name = text.strip().split(".")[0].split("@")[0].replace("-", "_")
    try:
        if not name:
            raise ValueError
        return Locale.parse(name)
    except (ValueError, TypeError, UnknownLocaleError):
        raise ValueError(f"{text!r} is not a known locale; use a CLDR locale such as {EXAMPLES}") from None


def from_environment(environ: Mapping[str, str] | None = None) -> Locale:
    """The locale of the first of LC_ALL, LC_MESSAGES, LANG that is set; English for C, POSIX or an unknown name."""
    environ = os.environ if environ is None else environ
    for key in ENVIRONMENT:
        value = environ.get(key, "")
        if value:
            if value.split(".")[0] in ("C", "POSIX"):
                return DEFAULT
            try:
                return parse(value)
            except ValueError:
                return DEFAULT
    return DEFAULT


def current() -> Locale:
    """The locale numbers are formatted in now."""
    return _CURRENT.get()


def activate(locale: Locale) -> Token[Locale]:
    """Format in `locale` from now on; returns the token that `deactivate` restores from."""
    return _CURRENT.set(locale)


def activate_locale(name: str | None) -> Token[Locale]:
    """Format in the locale `name` gives (as `parse` reads it), or the environment's when it gives none."""
    return activate(parse(name) if name else from_environment())


def deactivate(token: Token[Locale]) -> None:
    """Go back to the locale before the matching `activate`."""
    _CURRENT.reset(token)


@contextmanager
def using(locale: Locale | str) -> Iterator[Locale]:
    """Format in `locale` (a Locale or its name) inside the block."""
    chosen = parse(locale) if isinstance(locale, str) else locale
    token = activate(chosen)
    try:
        yield chosen
    finally:
        deactivate(token)


#: From this size on, numbers are written in scientific notation ("1.23E20"): Babel's decimal
#: arithmetic holds 28 digits, and no real budget or count comes near.
HUGE = 1e18


def _huge(value: float) -> str:
    """A number too large for grouping and decimals, in the locale's scientific notation."""
    return _plain(format_scientific(value, format="0.###E0", locale=current()))


def _undefined(value: float) -> bool:
    """A float that is not a number or infinite (callers check for None first, which narrows the type)."""
    return isinstance(value, float) and not math.isfinite(value)


def _plain(text: str) -> str:
    """Babel's no-break spaces (de "18.000 €", fr "1 234") as ordinary spaces: plain text reads and greps alike."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def _rounded(value: float, digits: int) -> float:
    """`value` rounded to `digits` decimals, without a negative zero (so nothing prints as "-0")."""
    value = round(float(value), digits)
    return 0.0 if value == 0 else value


def digits_of(currency: str) -> int:
    """The currency's own decimal digits (CLDR): EUR and USD 2, IDR and JPY 0; any case of the code."""
    return get_currency_precision(currency.upper())


def number(value: float | None, digits: int = 0) -> str:
    """A number with the locale's thousands separators and `digits` decimals; '-' for undefined."""
    if value is None or _undefined(value):
        return "-"
    if abs(value) >= HUGE:
        return _huge(value)
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return _plain(format_decimal(_rounded(value, digits), format=pattern, locale=current()))


def people(value: float | None) -> str:
    """A count of people (reach, followers): a whole number."""
    return number(value, 0)


def money(value: float | None, currency: str) -> str:
    """An amount in the currency's own digits, without its symbol (for tables headed with the code)."""
    return number(value, digits_of(currency))


def amount(value: float | None, currency: str, minor: bool = False) -> str:
    """An amount with the currency's symbol where the locale puts it ("€18,000", "18.000 €").

    Whole currency units unless `minor` (then the currency's own digits: "€9.26", "IDR 15,234").
    """
    if value is None or _undefined(value):
        return "-"
    if abs(value) >= HUGE:
        return f"{_huge(value)} {currency.upper()}"
    code = currency.upper()
    locale = current()
    digits = digits_of(code) if minor else 0
    pattern = copy(locale.currency_formats["standard"])
    pattern.frac_prec = (digits, digits)
    text = pattern.apply(_rounded(value, digits), locale, currency=code, currency_digits=False)
    symbol = get_currency_symbol(code, locale)
    # CLDR's currency spacing, which Babel leaves out: a symbol of letters ("IDR") is spaced from the digits.
    if symbol[-1:].isalpha():
        text = re.sub(re.escape(symbol) + r"(?=\d)", symbol + " ", text)
    if symbol[:1].isalpha():
        text = re.sub(r"(?<=\d)" + re.escape(symbol), " " + symbol, text)
    return _plain(text)


def decimal(value: float | None, digits: int = 2) -> str:
    """A ratio or measure (ROAS, hours, seconds) with exactly `digits` decimals; '-' for undefined."""
    return number(value, digits)


def short(value: float | None) -> str:
    """A number with as many decimals as it needs, at most three (hours a week: "40", "37.5")."""
    if value is None or _undefined(value):
        return "-"
    if abs(value) >= HUGE:
        return _huge(value)
    return _plain(format_decimal(_rounded(value, 3), locale=current()))


def significant(value: float | None, figures: int = 3) -> str:
    """A number to `figures` significant digits (a ROAS target: "2.5", "0.123")."""
    if value is None or _undefined(value):
        return "-"
    if abs(value) >= HUGE:
        return _huge(value)
    return _plain(format_decimal(value, format="@" + "#" * (figures - 1), locale=current()))


def counted(value: int, singular: str, plural: str | None = None) -> str:
    """A count with its noun in the locale's plural form ("1 data row", "2 data rows")."""
    one = current().plural_form(value) == "one"
    return f"{number(value)} {singular if one else plural or singular + 's'}"


def percent(value: float | None, digits: int = 1) -> str:
    """A fraction as a percentage with `digits` decimals ("12.3 %"); '-' for undefined."""
    if value is None or _undefined(value):
        return "-"
    return f"{number(100 * value, digits)} %"


def signed(value: float | None, digits: int = 0) -> str:
    """A difference with its sign ("+1,234", "-12.5", "+0"); '-' for undefined."""
    if value is None or _undefined(value):
        return "-"
    text = number(value, digits)
    return text if _rounded(value, digits) < 0 else f"+{text}"


def excel_money(currency: str) -> str:
    """An Excel number format for amounts in the currency's own digits ("#,##0.00" for EUR, "#,##0" for IDR)."""
    digits = digits_of(currency)
    return "#,##0" + ("." + "0" * digits if digits else "")
