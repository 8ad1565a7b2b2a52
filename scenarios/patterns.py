"""Campaign-name patterns of `actuals.mapping`: regular expressions matched within a time limit.

Python's `re` backtracks without bound: `(a|aa)+$` against 35 letters "a" runs
for minutes. The `regex` package matches the same syntax and stops after
`MATCH_SECONDS`, so a slow pattern is named instead of hanging the import.
"""

from __future__ import annotations

import regex

#: The longest one pattern may take on one campaign name, in seconds.
MATCH_SECONDS = 0.25
#: Probe strings for `too_slow`: this many repeats of each character the pattern names.
PROBE_LENGTH = 40

__all__ = ["MATCH_SECONDS", "SlowPatternError", "compile_error", "pattern_search", "too_slow"]


class SlowPatternError(Exception):
    """A pattern took longer than `MATCH_SECONDS` on a text."""

    def __init__(self, pattern: str, text: str) -> None:
        super().__init__(pattern, text)
        self.pattern, self.text = pattern, text


def compile_error(pattern: str) -> str | None:
    """Why `pattern` is no regular expression, or None when it is one."""
    try:
        regex.compile(pattern)
    except (regex.error, ValueError, OverflowError, RecursionError) as error:
        return str(error)
    return None


def pattern_search(pattern: str, text: str, seconds: float = MATCH_SECONDS) -> bool:
    """Whether `pattern` is found in `text`; raises `SlowPatternError` after `seconds`."""
    try:
        return regex.search(pattern, text, timeout=seconds) is not None
    except TimeoutError:
        raise SlowPatternError(pattern, text) from None


def too_slow(pattern: str, seconds: float = MATCH_SECONDS) -> str | None:
    """A text on which `pattern` takes longer than `seconds`, found by probing, or None.

    The probes repeat each letter or digit the pattern names `PROBE_LENGTH` times and
    end with a character it cannot match: nested or overlapping repetitions such as
    `(a+)+$` or `(a|aa)+$` backtrack exponentially on them. A pattern that passes may
    still be slow on some other name; the import's time limit catches that.
    """
    characters = sorted({c for c in pattern if c.isalnum()}) or ["a"]
    for character in characters:
        for text in (character * PROBE_LENGTH + "\x00", character * PROBE_LENGTH):
            try:
                pattern_search(pattern, text, seconds)
            except SlowPatternError:
                return text
    return None
