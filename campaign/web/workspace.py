"""The workspace the app serves: the folder of the user's scenario files and ledgers, and which names resolve.

A scenario name in a request is resolved by an allow-list, never joined onto
a path: it is a bundled scenario's name (``cafe-chain-q1``) or the file name
of a scenario file directly in the workspace (``my-shop.yaml``), exactly
what the command line takes when run in that folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from campaign.plan_store import STORE_FILE
from scenarios import UsageError, bundled_scenarios

#: What a scenario name may look like: no separators, no leading dot, so no path can be spelt.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,199}")
SUFFIXES = (".yaml", ".yml")


class BadNameError(UsageError):
    """A scenario name that could spell a path (a separator, ``..``, a leading dot): HTTP 400."""


class UnknownScenarioError(UsageError):
    """A well-formed scenario name that is neither bundled nor a file of the workspace: HTTP 404."""


@dataclass(frozen=True)
class Workspace:
    """The folder of scenario files (the command line's working folder), its ledgers beside them."""

    folder: Path

    @classmethod
    def at(cls, folder: Path) -> Workspace:
        """The workspace at `folder`, which must be an existing folder (a `UsageError` otherwise)."""
        if not folder.is_dir():
            raise UsageError(f"{folder}: no such folder; the workspace is a folder of scenario files")
        return cls(folder.resolve())

    def files(self) -> dict[str, Path]:
        """The scenario files directly in the workspace by file name; links leading out of it are left out."""
        return {
            path.name: path
            for path in sorted(self.folder.iterdir())
            if path.suffix.lower() in SUFFIXES and path.is_file() and path.resolve().parent == self.folder
        }

    def scenario(self, name: str) -> Path:
        """The file of the scenario `name`: a workspace file of that name, else the bundled scenario's file."""
        if NAME.fullmatch(name) is None or ".." in name:
            raise BadNameError(
                f"{name!r} is not a scenario name: a name is a bundled scenario's (cafe-chain-q1) or the file name of "
                "a scenario file in the workspace (my-shop.yaml), without folders"
            )
        files = self.files()
        if name in files:
            return files[name]
        bundled = bundled_scenarios()
        if name in bundled:
            return bundled[name][0]
        known = [*bundled, *files]
        raise UnknownScenarioError(
            f"no scenario '{name}': neither a bundled scenario nor a file in the workspace {self.folder}; "
            f"known: {', '.join(known)}"
        )

    def ledger(self, name: str) -> Path | None:
        """The ledger of a bundled scenario `name` (in the workspace); None for a workspace file (beside it)."""
        path = self.scenario(name)
        return None if path.parent == self.folder else self.folder / f"{name}.ledger.sqlite"

    @property
    def store(self) -> Path:
        """The store of runs and adopted plans, in the workspace (where the command line run there finds it)."""
        return self.folder / STORE_FILE

    def text(self, name: str) -> str:
        """The YAML text of scenario `name`'s file."""
        return self.scenario(name).read_text(encoding="utf-8")

    def source(self, name: str) -> str:
        """Where scenario `name` comes from: "workspace" or "bundled"."""
        return "workspace" if self.scenario(name).parent == self.folder else "bundled"
