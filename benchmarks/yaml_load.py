"""Benchmark: reading scenario files of Hill-curve cells with libyaml against PyYAML's Python parser.

Writes scenario files of 300 to 10,000 cells (10 formats a channel, a Hill
curve each, as `tests/scenarios/test_yaml_parsers.py` builds them) and reads
each with `parse_yaml`, every check included, twice in one run: with libyaml
(the default where PyYAML has it) and with the Python parser alone (the
baseline, as on a PyYAML built without libyaml). Best of three.

Run: .venv/bin/python benchmarks/yaml_load.py [--sizes 300,1000,2000,10000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, this folder would shadow the `optimizer` package.
sys.path = [p for p in sys.path if Path(p).resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml  # noqa: E402

from scenarios import yamlsafe  # noqa: E402
from tests.scenarios.test_yaml_parsers import hill_scenario  # noqa: E402


def best_of(text: str, runs: int = 3) -> float:
    """The fewest seconds `parse_yaml` takes on `text` in `runs` reads."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        yamlsafe.parse_yaml(text, "bench.yaml")
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="300,1000,2000,10000", help="cell counts, comma-separated")
    sizes = [int(size) for size in parser.parse_args(argv).sizes.split(",")]
    if not yaml.__with_libyaml__:
        sys.exit("PyYAML here was built without libyaml: nothing to compare")
    fast = yamlsafe._FastLoader
    print("| cells | file | libyaml | Python parser (baseline) | ratio |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for cells in sizes:
            path = Path(folder) / f"hill-{cells}.yaml"
            path.write_text(yaml.dump(hill_scenario(cells), Dumper=yaml.CSafeDumper), encoding="utf-8")
            text = yamlsafe.read_text(path)
            with_c = best_of(text)
            yamlsafe._FastLoader = None
            try:
                python = best_of(text)
            finally:
                yamlsafe._FastLoader = fast
            size = f"{path.stat().st_size / 1e6:.2f} MB"
            print(f"| {cells:,} | {size} | {with_c:.2f} s | {python:.2f} s | {python / with_c:.1f}× |")


if __name__ == "__main__":
    main()
