"""`campaign curves import` on bad input: exit 1 with one paragraph naming the file, field and value (exit 2 for a
bad option value), and nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.campaign.curves_support import (
    DATA,
    ROBYN,
    SHOP,
    SKIP,
    WEEKS,
    refused,
    run,
    tiny_robyn,
    write,
    write_shop,
)


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return write_shop(tmp_path)


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


def test_a_refused_import_creates_no_file(shop: Path, tmp_path: Path) -> None:
    curves = write(tmp_path, "c.csv", "channel,spend,response\nFacebok,0,0\nFacebok,10,5\n")
    out = tmp_path / "new.yaml"
    code, _, err = run("curves", "import", curves, "--scenario", shop, "--response", "conversions", "-o", out)
    assert code == 1
    assert "'Facebok' (did you mean 'facebook'?)" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv", "shop.yaml"]
