"""The text of `campaign scenarios` and `campaign validate`."""

from __future__ import annotations

from collections.abc import Sequence

from campaign.app.catalogue import Bundled, Validated


def catalogue(found: Sequence[Bundled]) -> str:
    """The bundled scenarios, one a line: name, description, and which is the default."""
    width = max(len(s.name) for s in found)
    return "\n".join(f"{s.name.ljust(width)}  {s.description}{' (default)' if s.default else ''}" for s in found)


def validation(checked: Validated) -> str:
    """The valid scenario's channels, cells and variants in one line, then its caveats."""
    listing = ", ".join(checked.variants) if checked.variants else "none"
    scenario = checked.scenario
    out = [
        (
            f"{checked.path}: valid scenario '{scenario.name}': {len(scenario.channels)} channels, "
            f"{len(checked.cells)} cells, variants: {listing}"
        )
    ]
    out += [f"warning: {warning}" for warning in checked.warnings]
    return "\n".join(out)
