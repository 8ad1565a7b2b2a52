"""Writing workbook cells: formulas the tool builds, and text that stays text.

openpyxl reads any string that starts with "=" as a formula; a label, key or
source from a scenario file is written as a text cell instead, so no user
text ever becomes a formula. Only `Formula` values are formulas.
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE


class Formula(str):
    """A formula the tool itself wrote (starts with "=")."""

    __slots__ = ()


def put(cell, value: Any) -> None:
    """Set one cell: a `Formula` as a formula, any other string as text, numbers and booleans as they are.

    Control characters a workbook cannot hold (openpyxl refuses them) are written as their escapes (\\x07).
    """
    if isinstance(value, str) and not isinstance(value, Formula):
        cell.value = ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
        cell.data_type = "s"
    else:
        cell.value = value


def put_row(sheet, values: list[Any]) -> int:
    """Append `values` as the sheet's next row; return its number."""
    row = sheet.max_row + 1 if sheet.max_row > 1 or sheet.cell(1, 1).value is not None else 1
    for column, value in enumerate(values, start=1):
        put(sheet.cell(row, column), value)
    return row
