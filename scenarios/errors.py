"""The project's exception hierarchy: every error a user can cause or meet.

`CampaignError` is the root; the command line turns it into a one-paragraph
message and exit code 1 (`InfeasibleError`: exit code 3).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


class CampaignError(Exception):
    """Base class of every error the tool reports to its user."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a scenario file.

    Parameters
    ----------
    path : str
        Dotted key path inside the file (``channels.instagram.ctr``); empty for
        the whole document.
    message : str
        What is wrong and what would be valid.
    """

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ScenarioError(CampaignError):
    """A scenario file cannot be read or does not validate.

    Holds every problem found, so a user fixes a file in one pass.
    """

    def __init__(self, source: str, problems: Iterable[Problem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{source}: {count} {noun}"]
        lines.extend(f"  - {problem}" for problem in self.problems)
        super().__init__("\n".join(lines))


class UsageError(CampaignError):
    """A request that names something that does not exist (a variant, a cell)."""


class InfeasibleError(CampaignError):
    """No allocation satisfies all constraints; carries the explanation.

    Parameters
    ----------
    message : str
        The explanation in words: the conflicting constraints and the smallest
        relaxation of each.
    relaxations : tuple
        The machine-readable explanation (optimizer's ``Relaxation`` records).
    """

    def __init__(self, message: str, relaxations: tuple[object, ...] = ()) -> None:
        self.relaxations = relaxations
        super().__init__(message)


class SolverError(CampaignError):
    """The solver failed for a reason other than infeasibility."""


def printable(text: str) -> str:
    """`text` with line breaks, control characters and invisible marks (such as right-to-left) as escapes (\\n,
    \\u200f), as Python writes them in a literal: safe inside one line of a message or a comment."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def did_you_mean(word: str, valid: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest valid word, or ``""``."""
    matches = difflib.get_close_matches(word, list(valid), n=1, cutoff=0.6)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


def one_of(valid: Iterable[str]) -> str:
    """Format a list of valid names for a message: ``'a', 'b' or 'c'``."""
    names = [f"'{name}'" for name in sorted(valid)]
    if not names:
        return "nothing"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]
