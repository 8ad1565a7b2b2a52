"""The text of `campaign actuals import` and `campaign actuals show`."""

from __future__ import annotations

import datetime as dt

from campaign.render.tables import table
from scenarios import amount, counted, money, number


def imports(reports) -> str:
    """One paragraph per imported file, with its unmapped rows."""
    out = []
    for r in reports:
        t = r.totals
        out.append(
            f"{r.file}: {r.platform} export in {r.currency}, {counted(r.rows, 'data row')} "
            f"({counted(len(r.dropped), 'total row')} dropped); {number(r.imported)} imported, "
            f"{number(r.duplicates)} already in the ledger"
            + (f", {sum(c['rows'] for c in r.replaced)} replaced" if r.replaced else "")
        )
        out.append(
            f"  totals of all data rows: spend {amount(t['spend'], r.currency, minor=True)}, impressions "
            f"{number(t['impressions'])}, clicks {number(t['clicks'])}, conversions {number(t['conversions'], 1)}"
        )
        if r.note:
            out.append(f"  note: {r.note}")
        if r.history_note:
            out.append(f"  {r.history_note}")
        for d in r.dropped_rows:
            out.append(f"  dropped total row, line {d['row']}: {d['label']}")
        for c in r.replaced:
            out.append(
                f"  replaced {c['cell']} ({counted(c['rows'], 'row')}): spend "
                f"{amount(c['spend_before'], r.currency, minor=True)} → "
                f"{amount(c['spend_after'], r.currency, minor=True)}, conversions "
                f"{number(c['conversions_before'], 1)} → {number(c['conversions_after'], 1)}"
            )
        for u in r.unmapped:
            out.append(f"  unmapped line {u['row']}: {u['reason']}")
    return "\n".join(out)


def ledger(document: dict, currency: str, start: dt.date | None = None) -> str:
    """The ledger's imports, the actuals per cell, and the history rows (dated before `start`) in summary."""
    out = [f"{document['ledger']}: {len(document['imports'])} imports"]
    rows = [[i["file"], i["platform"], i["currency"], i["imported_at"], str(i["rows"])] for i in document["imports"]]
    out += ["", table(["file", "platform", "currency", "imported", "rows"], rows, [False] * 4 + [True])]
    rows = [
        [cell, money(v["spend"], currency), number(v["impressions"]), number(v["clicks"]), number(v["conversions"], 1)]
        for cell, v in document["cells"].items()
    ]
    headers = ["cell", f"spend ({currency})", "impressions", "clicks", "conversions"]
    out += ["", table(headers, rows, [False, True, True, True, True])]
    h = document.get("history")
    if h:
        them = "it" if h["rows"] == 1 else "them"
        line = (
            f"history: {counted(h['rows'], 'row')} dated {h['first']} to {h['last']} "
            f"({counted(h['weeks'], 'calendar week')}), before the scenario's start ({start}): "
            f"`campaign calibrate` reads {them}; the actuals above do not count {them}"
        )
        out += ["", line]
    return "\n".join(out)
