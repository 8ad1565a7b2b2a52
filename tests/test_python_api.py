"""The README's Python API examples and the docstring examples run as doctests, so they stay true."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Modules whose docstrings carry examples.
DOCUMENTED = ("scenarios.loader", "campaign.app")


def test_the_readme_examples_hold():
    failures, tried = doctest.testfile(str(ROOT / "README.md"), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert tried >= 20, "the README's Python API section lost its examples"
    assert failures == 0


@pytest.mark.parametrize("name", DOCUMENTED)
def test_the_docstring_examples_hold(name):
    failures, tried = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert tried > 0, f"{name} has no examples"
    assert failures == 0
