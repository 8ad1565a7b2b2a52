"""`campaign curves import`: each MMM format imports to the curve a hand calculation gives, the written scenario
loads and optimizes, and bad input exits 1 with the reason and nothing written."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from campaign.cli import cli
from optimizer import Optimizer
from scenarios import load_scenario

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


@pytest.fixture
def shop(tmp_path: Path) -> Path:
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


WEEKS = ["2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26"]


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


# Bad input: exit 1, one paragraph naming the file, field and value, and nothing written.


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


def test_unknown_channels_are_listed_with_near_misses(shop: Path, tmp_path: Path) -> None:
    curves = write(tmp_path, "c.csv", "channel,spend,response\nFacebok,0,0\nFacebok,10,5\ntiktok_S,0,0\ntiktok_S,9,4\n")
    err = refused(tmp_path, curves, "--scenario", shop, "--response", "conversions")
    assert "2 of its channels are not channels of scenario 'shop'" in err
    assert "'Facebok' (did you mean 'facebook'?), 'tiktok_S'" in err
    assert "the scenario's channels are facebook, instagram" in err
    assert "nothing was written" in err
    err = refused(tmp_path, curves, "--scenario", shop, "--response", "conversions", "--map", "Facebok=facebok")
    assert "'facebok' is not a channel of scenario 'shop' (did you mean 'facebook'?)" in err


def test_robyn_channels_not_in_scenario(shop: Path, tmp_path: Path) -> None:
    err = refused(
        tmp_path,
        ROBYN,
        "--scenario",
        shop,
        "--data",
        DATA / "robyn_dt_simulated_weekly.csv",
        "--response",
        "revenue",
        "--solution",
        "1_12_3",
    )
    assert "4 of its channels are not channels of scenario 'shop': 'tv_S', 'ooh_S', 'print_S', 'search_S'" in err


def test_solutions(shop: Path, tmp_path: Path) -> None:
    data = ["--data", DATA / "robyn_dt_simulated_weekly.csv", "--response", "revenue", *SKIP]
    err = refused(tmp_path, ROBYN, "--scenario", shop, *data, "--solution", "1_12_4")
    assert "no solution '1_12_4' (did you mean '1_12_3'?); the file has 1_12_3, 2_7_5" in err
    err = refused(tmp_path, ROBYN, "--scenario", shop, *data)
    assert "2 solutions (1_12_3, 2_7_5); choose one with --solution ID" in err
    err = refused(tmp_path, ROBYN, "--scenario", shop, "--response", "revenue", "--solution", "1_12_3")
    assert "--data FILE" in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("channel,spend,conversions\nfacebook,0,0\n", "c.csv: no column 'response'"),
        ("channel,spend,response\nfacebook,0,0\nfacebook,ten,3\n", "line 3, column 'spend': 'ten' is not valid"),
        ("channel,spend,response\nfacebook,0,0\nfacebook,10,-3\n", "line 3, column 'response': '-3' is not valid"),
        ("channel,spend,response\nfacebook,0,0\nfacebook,10,5\nfacebook,20,4\n", "response 4 at spend 20 (line 4)"),
        ("channel,spend,response\nfacebook,0,2\nfacebook,10,5\n", "has response 2 at spend 0; expected 0"),
        ("channel,spend,response,lower,upper\nfacebook,10,5,6,7\nfacebook,20,6,6,7\n", "outside its band [6, 7]"),
        ("channel,spend,response\nfacebook,10,5\nfacebook,10,6\n", "has spend 10 twice (lines 2 and 3)"),
    ],
)
def test_bad_curve_tables(shop: Path, tmp_path: Path, text: str, expected: str) -> None:
    curves = write(tmp_path, "c.csv", text)
    assert expected in refused(tmp_path, curves, "--scenario", shop, "--format", "csv", "--response", "conversions")


def test_bad_robyn_files(shop: Path, tmp_path: Path) -> None:
    hyper, data = tiny_robyn(tmp_path, WEEKS, [100, 0, 50, 200])
    (tmp_path / "pareto_aggregated.csv").write_text("solID,rn,estimate\ns1,facebook_S,1000\n")
    err = refused(tmp_path, hyper, "--scenario", shop, "--data", data, "--response", "revenue")
    assert "pareto_aggregated.csv: no column 'coef'" in err
    hyper, data = tiny_robyn(tmp_path, WEEKS, [100, 0, 50, 200], alpha=12)
    err = refused(tmp_path, hyper, "--scenario", shop, "--data", data, "--response", "revenue")
    assert "response.facebook.feed.alpha" in err  # the schema's limit (alpha up to 10), checked before writing
    hyper, data = tiny_robyn(tmp_path, ["2026-01-05", "2026-01-12", "2026-01-20", "2026-01-26"], [1, 2, 3, 4])
    err = refused(tmp_path, hyper, "--scenario", shop, "--data", data, "--response", "revenue")
    assert "the dates do not follow each other at one fixed step" in err


def test_revenue_needs_a_value_per_conversion(tmp_path: Path) -> None:
    scenario = write(tmp_path, "s.yaml", SHOP.replace("value_per_conversion: 40, ", ""))
    err = refused(
        tmp_path,
        DATA / "pymc_marketing_curves.csv",
        "--scenario",
        scenario,
        "--response",
        "revenue",
        "--map",
        "x1=facebook",
        "--map",
        "x2=instagram",
    )
    assert "--response revenue needs business.value_per_conversion" in err


def test_usage_errors_exit_2(shop: Path) -> None:
    code, _, err = run(
        "curves",
        "import",
        DATA / "pymc_marketing_curves.csv",
        "--scenario",
        shop,
        "--response",
        "conversions",
        "--map",
        "x1",
    )
    assert code == 2
    assert "'x1' is not NAME=CHANNEL" in err
    code, _, err = run("curves", "import", DATA / "pymc_marketing_curves.csv", "--scenario", shop)
    assert code == 2
    assert "--response" in err


def test_json_error_document(shop: Path, tmp_path: Path) -> None:
    curves = write(tmp_path, "c.csv", "channel,spend,response\nsnapchat,0,0\nsnapchat,1,1\n")
    code, out, _ = run("curves", "import", curves, "--scenario", shop, "--response", "conversions", "--json")
    assert code == 1
    document = json.loads(out)
    assert document["status"] == "error"
    assert "'snapchat'" in document["message"]


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


def test_a_refused_import_creates_no_file(shop: Path, tmp_path: Path) -> None:
    curves = write(tmp_path, "c.csv", "channel,spend,response\nFacebok,0,0\nFacebok,10,5\n")
    out = tmp_path / "new.yaml"
    code, _, err = run("curves", "import", curves, "--scenario", shop, "--response", "conversions", "-o", out)
    assert code == 1
    assert "'Facebok' (did you mean 'facebook'?)" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv", "shop.yaml"]
