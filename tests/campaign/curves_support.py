"""What the tests of `campaign curves import` share: a two-channel scenario, the MMM test files, and runners."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner

from campaign.cli import cli

DATA = Path(__file__).parents[1] / "data" / "mmm"
ROBYN = DATA / "robyn" / "pareto_hyperparameters.csv"
SKIP = ["--skip", "tv_S", "--skip", "ooh_S", "--skip", "print_S", "--skip", "search_S"]
SHOP = """\
name: shop
periods: {count: 13, unit: week}
budget: {total: 30000}
business: {value_per_conversion: 40, gross_margin: 0.5}
channels:
  facebook:
    audience: 150000
    in_market: 0.03
    cpm: 10.0
    ctr: 0.01
    cvr: 0.04
    formats: {feed: {}, reel: {cpm_factor: 0.5, ctr_factor: 0.6}}
  instagram:
    audience: 120000
    in_market: 0.02
    cpm: 8.0
    ctr: 0.012
    cvr: 0.03
    formats: {reel: {}, story: {ctr_factor: 0.8}}
variants:
  lean: {budget: {total: 20000}}
"""
# Conversions per EUR at equal spend, 1000 · CTR · CVR / CPM: feed 1000 · 0.01 · 0.04 / 10 = 0.04, reel
# 1000 · 0.006 · 0.04 / 5 = 0.048; shares 0.04 / 0.088 = 5/11 and 6/11. Instagram: reel 0.045, story 0.036: 5/9, 4/9.
FEED, REEL, IG_REEL, IG_STORY = 5 / 11, 6 / 11, 5 / 9, 4 / 9

WEEKS = ["2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26"]


def write_shop(tmp_path: Path) -> Path:
    path = tmp_path / "shop.yaml"
    path.write_text(SHOP)
    return path


def table_rows(name: str) -> list[dict[str, str]]:
    with open(DATA / name, newline="") as f:
        return list(csv.DictReader(f))


def run(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def imported(*args: object) -> dict:
    code, out, err = run("curves", "import", *args, "--json")
    assert code == 0, err
    return json.loads(out)


def cells(document: dict) -> dict[str, dict]:
    return {c["cell"]: c["curve"] | {"share": c["share"]} for ch in document["channels"] for c in ch["cells"]}


def tiny_robyn(folder: Path, dates: list[str], spend: list[float], alpha: float = 0.8) -> tuple[Path, Path]:
    """A one-channel Robyn model: hyperparameters, coefficients and input data written as Robyn writes them."""
    (folder / "pareto_hyperparameters.csv").write_text(
        f"solID,facebook_S_alphas,facebook_S_gammas,facebook_S_thetas,lambda\ns1,{alpha},0.4,0.5,10\n"
    )
    (folder / "pareto_aggregated.csv").write_text("solID,rn,coef\ns1,(Intercept),5\ns1,facebook_S,1000\n")
    data = folder / "dt_input.csv"
    data.write_text("DATE,revenue,facebook_S\n" + "".join(f"{d},1,{s}\n" for d, s in zip(dates, spend, strict=True)))
    return folder / "pareto_hyperparameters.csv", data


def refused(tmp_path: Path, *args: object) -> str:
    out = tmp_path / "out.yaml"
    out.write_text("earlier\n")
    code, text, err = run("curves", "import", *args, "-o", out)
    assert code == 1, (text, err)
    assert out.read_text() == "earlier\n"  # nothing written
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.yaml")]
    assert "Traceback" not in err
    return " ".join(err.split())


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path
