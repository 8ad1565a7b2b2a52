"""`campaign curves import`: each MMM format imports to the curve a hand calculation gives, and the written
scenario loads and optimizes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from optimizer import Optimizer
from scenarios import load_scenario
from tests.campaign.curves_support import (
    DATA,
    FEED,
    IG_STORY,
    REEL,
    ROBYN,
    SHOP,
    SKIP,
    WEEKS,
    cells,
    imported,
    refused,
    run,
    table_rows,
    tiny_robyn,
    write,
    write_shop,
)


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return write_shop(tmp_path)


def test_robyn_by_hand(shop: Path, tmp_path: Path) -> None:
    hyper, data = tiny_robyn(tmp_path, WEEKS, [100, 0, 50, 200])
    doc = imported(hyper, "--scenario", shop, "--data", data, "--response", "revenue")
    # Adstock θ = 0.5: 100, 0 + 50 = 50, 50 + 25 = 75, 200 + 37.5 = 237.5; inflexion 0.6 · 50 + 0.4 · 237.5 = 125;
    # half-saturation per week (1 − 0.5) · 125 = 62.5; over 13 weeks 812.5 EUR; max 13 · 1000 / 40 = 325 conversions.
    model = doc["channels"][0]["model"]
    assert (model["adstocked_min"], model["adstocked_max"], model["inflexion"]) == (50, 237.5, 125)
    got = cells(doc)
    assert got["facebook.feed"]["share"] == pytest.approx(FEED)
    assert got["facebook.feed"]["half_saturation"] == pytest.approx(812.5 * FEED)
    assert got["facebook.feed"]["max"] == pytest.approx(325 * FEED)
    assert got["facebook.reel"]["half_saturation"] == pytest.approx(812.5 * REEL)
    assert got["facebook.reel"]["max"] == pytest.approx(325 * REEL)
    assert got["facebook.reel"]["alpha"] == 0.8
    assert (doc["periods"], doc["value_per_conversion"], doc["solution"]) == (13, 40, "s1")
    # The modelling window: the first three weeks only, adstocked 100, 50, 75: inflexion 0.6 · 50 + 0.4 · 100 = 70.
    doc = imported(hyper, "--scenario", shop, "--data", data, "--response", "conversions", "--window-end", WEEKS[2])
    assert cells(doc)["facebook.feed"]["half_saturation"] == pytest.approx(13 * 0.5 * 70 * FEED)
    assert cells(doc)["facebook.feed"]["max"] == pytest.approx(13 * 1000 * FEED)


def test_robyn_daily_data(shop: Path, tmp_path: Path) -> None:
    hyper, data = tiny_robyn(tmp_path, ["2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08"], [100, 0, 50, 200])
    doc = imported(hyper, "--scenario", shop, "--data", data, "--response", "conversions")
    # A day's curve: 13 weeks are 91 days, so F(X) = 91 · f(X / 91).
    assert doc["model_period_weeks"] == pytest.approx(1 / 7)
    assert doc["periods"] == pytest.approx(91)
    assert cells(doc)["facebook.reel"]["half_saturation"] == pytest.approx(91 * 62.5 * REEL)
    assert cells(doc)["facebook.reel"]["max"] == pytest.approx(91 * 1000 * REEL)


def test_robyn_files_against_an_independent_calculation(shop: Path) -> None:
    doc = imported(
        ROBYN,
        "--scenario",
        shop,
        "--data",
        DATA / "robyn_dt_simulated_weekly.csv",
        "--response",
        "revenue",
        "--solution",
        "2_7_5",
        "--window-start",
        "2016-01-04",
        *SKIP,
    )
    spend = np.array([float(r["facebook_S"]) for r in table_rows("robyn_dt_simulated_weekly.csv")])
    dates = [r["DATE"] for r in table_rows("robyn_dt_simulated_weekly.csv")]
    theta, gamma, alpha, coef = 0.05, 0.35, 2.2, 120000.0  # solution 2_7_5's facebook_S in make_inputs.py
    # Adstock as a convolution with θ^j (Robyn's recursion unrolled), then Robyn's older inflexion formula: the
    # gamma quantile of 100 evenly spaced points over the window's range.
    adstocked = np.convolve(spend, theta ** np.arange(len(spend)))[: len(spend)]
    window = adstocked[[d >= "2016-01-04" for d in dates]]
    inflexion = np.quantile(np.linspace(window.min(), window.max(), 100), gamma)
    got = cells(doc)
    for cell, share in (("facebook.feed", FEED), ("facebook.reel", REEL)):
        assert got[cell]["alpha"] == alpha
        assert got[cell]["half_saturation"] == pytest.approx(13 * (1 - theta) * inflexion * share, rel=1e-12)
        assert got[cell]["max"] == pytest.approx(13 * coef / 40 * share, rel=1e-12)
    assert doc["skipped"] == ["tv_S", "ooh_S", "print_S", "search_S"]


def test_written_scenario_loads_and_optimizes(shop: Path, tmp_path: Path) -> None:
    out = tmp_path / "with-mmm.yaml"
    code, text, err = run(
        "curves",
        "import",
        ROBYN,
        "--scenario",
        shop,
        "--data",
        DATA / "robyn_dt_simulated_weekly.csv",
        "--response",
        "revenue",
        "--solution",
        "1_12_3",
        *SKIP,
        "-o",
        out,
    )
    assert code == 0, err
    assert f"Wrote {out}" in text
    scenario = load_scenario(out)
    curve = scenario.response["facebook.feed"]
    assert "robyn pareto_hyperparameters.csv, solution 1_12_3, channel facebook_S" in (curve.source or "")
    assert load_scenario(out, "lean").budget.total == 20000  # the variants are kept
    assert "instagram.reel" not in scenario.response
    result = Optimizer().optimize(scenario)
    assert result.status == "optimal"
    spend = {c: sum(r.spend for r in result.allocation if f"{r.channel}.{r.format}" == c) for c in scenario.response}
    conversions = {
        c: sum(r.conversions for r in result.allocation if f"{r.channel}.{r.format}" == c) for c in scenario.response
    }
    total = sum(spend.values())
    # The formats' curves are w · F(x / w) of the channel's F: the best split is in the shares w, and together they
    # bring F(total) (Hill with α = 0.85 < 1 is concave), F the channel's curve over the horizon.
    whole = scenario.response["facebook.feed"].model_copy()
    k, top, a = whole.half_saturation / FEED, whole.max / FEED, whole.alpha
    assert spend["facebook.feed"] / total == pytest.approx(FEED, rel=1e-3)
    assert sum(conversions.values()) <= top * total**a / (total**a + k**a) * (1 + 1e-9)
    assert sum(conversions.values()) >= top * total**a / (total**a + k**a) * (1 - 1e-3)


def test_pymc_marketing_curves(shop: Path) -> None:
    rows = [r for r in table_rows("pymc_marketing_curves.csv") if r["channel"] == "x2"]
    for band in ("response", "lower"):
        doc = imported(
            DATA / "pymc_marketing_curves.csv",
            "--scenario",
            shop,
            "--format",
            "pymc-marketing",
            "--response",
            "conversions",
            "--map",
            "x1=facebook",
            "--map",
            "x2=instagram",
            "--band",
            band,
        )
        story = cells(doc)["instagram.story"]
        # A week's curve over 13 weeks: spend and conversions times 13, times the format's share.
        assert story["curve"] == "points"
        assert story["spend"] == pytest.approx([13 * float(r["spend"]) * IG_STORY for r in rows], rel=1e-12)
        assert story["conversions"] == pytest.approx([13 * float(r[band]) * IG_STORY for r in rows], rel=1e-12)
        assert doc["format"] == "pymc-marketing"
        assert doc["band"] == band


def test_meridian_curves_cover_the_analysis_period(shop: Path, tmp_path: Path) -> None:
    rows = [r for r in table_rows("meridian_response_curves.csv") if r["channel"] == "Facebook"]
    out = tmp_path / "meridian.yaml"
    doc = imported(
        DATA / "meridian_response_curves.csv",
        "--scenario",
        shop,
        "--format",
        "meridian",
        "--response",
        "revenue",
        "--curve-weeks",
        "104",
        "-o",
        out,
    )
    # 104 weeks of spend and revenue; 13 weeks are n = 0.125 of them: spend · 0.125, revenue · 0.125 / 40.
    feed = cells(doc)["facebook.feed"]
    assert feed["spend"] == pytest.approx([0.125 * float(r["spend"]) * FEED for r in rows], rel=1e-12)
    assert feed["conversions"] == pytest.approx([0.125 * float(r["response"]) / 40 * FEED for r in rows], rel=1e-12)
    assert [c["mmm_channel"] for c in doc["channels"]] == ["Facebook", "Instagram"]  # matched in any case
    assert Optimizer().optimize(load_scenario(out)).status == "optimal"
    code, _, err = run(
        "curves",
        "import",
        DATA / "meridian_response_curves.csv",
        "--scenario",
        shop,
        "--format",
        "meridian",
        "--response",
        "revenue",
    )
    assert code == 1
    assert "--curve-weeks" in err


def test_text_table_matches_the_curves(shop: Path, tmp_path: Path) -> None:
    hyper, data = tiny_robyn(tmp_path, WEEKS, [100, 0, 50, 200])
    code, text, _ = run("curves", "import", hyper, "--scenario", shop, "--data", data, "--response", "revenue")
    assert code == 0
    assert "n = 13 periods; revenue divided by €40.00 per conversion." in text
    # feed: share 5/11 = 45.5 %, half-saturation 812.5 · 5/11 = 369.32 EUR, max 325 · 5/11 = 147.7 conversions.
    rows = {line.split()[1]: line.split() for line in text.splitlines() if line.startswith("facebook_S")}
    assert rows["facebook.feed"] == ["facebook_S", "facebook.feed", "45.5", "%", "hill", "0.8", "369.32", "147.7"]
    # reel: 6/11 = 54.5 %, 812.5 · 6/11 = 443.18 EUR, 325 · 6/11 = 177.3 conversions.
    assert rows["facebook.reel"] == ["facebook_S", "facebook.reel", "54.5", "%", "hill", "0.8", "443.18", "177.3"]
    assert "Nothing written" in text


def test_bundled_scenario_shares(tmp_path: Path) -> None:
    hyper, data = tiny_robyn(tmp_path, WEEKS, [100, 0, 50, 200])
    out = tmp_path / "cafe.yaml"
    doc = imported(hyper, "--scenario", "cafe-chain-q1", "--data", data, "--response", "conversions", "-o", out)
    # Facebook's formats: feed_image 1, carousel CTR × 0.9, reel CTR × 0.6 at CPM × 0.44.
    slopes = {"feed_image": 1.0, "carousel": 0.9, "reel": 0.6 / 0.44}
    shares = {c["cell"]: c["share"] for c in doc["channels"][0]["cells"]}
    assert shares == pytest.approx({f"facebook.{f}": s / sum(slopes.values()) for f, s in slopes.items()})
    assert set(load_scenario(out).response) == set(shares)


def test_the_use_case_is_the_command(shop: Path) -> None:
    from campaign import app

    args = ("--scenario", shop, "--response", "conversions", "--map", "x1=facebook", "--map", "x2=instagram")
    document = imported(DATA / "pymc_marketing_curves.csv", *args)
    result = app.import_curves(
        DATA / "pymc_marketing_curves.csv", str(shop), "conversions", mapping={"x1": "facebook", "x2": "instagram"}
    )
    assert json.loads(json.dumps(result.to_dict())) == document
    assert (
        result.scenario.response["facebook.reel"].conversions
        == document["channels"][0]["cells"][1]["curve"]["conversions"]
    )


def test_a_skipped_robyn_channel_needs_no_coefficient_or_data(shop: Path, tmp_path: Path) -> None:
    hyper, data = tiny_robyn(tmp_path, WEEKS, [100, 0, 50, 200])
    hyper.write_text(
        hyper.read_text()
        .replace(",lambda\n", ",radio_S_alphas,radio_S_gammas,radio_S_thetas,lambda\n")
        .replace(",10\n", ",1,0.5,0.1,10\n")
    )
    (tmp_path / "pareto_aggregated.csv").write_text("solID,rn,coef\ns1,facebook_S,1000\ns1,radio_S,0\n")
    err = refused(tmp_path, hyper, "--scenario", shop, "--data", data, "--response", "revenue")
    assert "coef 0 for 'radio_S': the model finds no effect; leave it out with --skip radio_S" in err
    doc = imported(hyper, "--scenario", shop, "--data", data, "--response", "revenue", "--skip", "radio_S")
    assert doc["skipped"] == ["radio_S"]
    assert cells(doc)["facebook.feed"]["max"] == pytest.approx(325 * FEED)


def test_a_monthly_horizon_counts_its_weeks(tmp_path: Path) -> None:
    scenario = write(tmp_path, "m.yaml", SHOP.replace("{count: 13, unit: week}", "{count: 3, unit: month}"))
    hyper, data = tiny_robyn(tmp_path, WEEKS, [100, 0, 50, 200])
    doc = imported(hyper, "--scenario", scenario, "--data", data, "--response", "revenue")
    # Three months are 3 · 52 / 12 = 13 weeks: the same curves as a 13-week horizon.
    assert doc["horizon_weeks"] == pytest.approx(13)
    assert cells(doc)["facebook.feed"]["half_saturation"] == pytest.approx(812.5 * FEED)


def test_text_of_points_curves(shop: Path) -> None:
    rows = [r for r in table_rows("meridian_response_curves.csv") if r["channel"] == "Instagram"]
    code, text, _ = run(
        "curves",
        "import",
        DATA / "meridian_response_curves.csv",
        "--scenario",
        shop,
        "--format",
        "meridian",
        "--response",
        "revenue",
        "--curve-weeks",
        "104",
        "--band",
        "lower",
    )
    assert code == 0
    assert "(13 weeks; one period of the model: 104 weeks)" in text
    assert "n = 0.125 periods; revenue divided by €40.00 per conversion." in text
    assert "The curves are the lower edge of the model's credible band." in text
    line = next(line.split() for line in text.splitlines() if "instagram.story" in line)
    # The story's last point: 0.125 · lower / 40 · 4/9, in conversions with one decimal.
    top = 0.125 * float(rows[-1]["lower"]) / 40 * IG_STORY
    assert line == ["Instagram", "instagram.story", "44.4", "%", "points", f"({len(rows)})", "-", "-", f"{top:,.1f}"]


def test_the_split_keeps_the_channel_curve(shop: Path) -> None:
    doc = imported(
        DATA / "robyn" / "pareto_hyperparameters.csv",
        "--scenario",
        shop,
        "--data",
        DATA / "robyn_dt_simulated_weekly.csv",
        "--response",
        "revenue",
        "--solution",
        "1_12_3",
        *SKIP,
    )
    feed, reel = cells(doc)["facebook.feed"], cells(doc)["facebook.reel"]

    def hill(c: dict, x: np.ndarray) -> np.ndarray:
        return c["max"] * x ** c["alpha"] / (x ** c["alpha"] + c["half_saturation"] ** c["alpha"])

    channel = {"alpha": feed["alpha"], "max": feed["max"] / FEED, "half_saturation": feed["half_saturation"] / FEED}
    total = np.array([1.0, 500.0, 30_000.0, 2e6])
    # Spend split in the shares brings the channel's curve exactly; any other split of the same spend brings less
    # (α = 0.85: a concave curve).
    assert hill(feed, FEED * total) + hill(reel, REEL * total) == pytest.approx(hill(channel, total), rel=1e-12)
    for part in np.random.default_rng(7).uniform(0, 1, 200):
        split = hill(feed, part * total) + hill(reel, (1 - part) * total)
        assert np.all(split <= hill(channel, total) * (1 + 1e-12))
