"""The pages' stylesheet is a static file: served with 200 as text/css, linked from every page instead of inline
styles, and shipped in the package (pyproject's package data covers every file of campaign/web/static)."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

import campaign.web

ROOT = Path(__file__).resolve().parents[2]
STATIC = Path(campaign.web.__file__).parent / "static"


def test_the_stylesheet_is_served_as_css(client):
    answer = client.get("/static/pages.css")
    assert answer.status_code == 200
    assert answer.headers["content-type"].split(";")[0] == "text/css"
    assert answer.text == (STATIC / "pages.css").read_text(encoding="utf-8")
    assert "td.num {" in answer.text
    assert ".chart svg {" in answer.text


@pytest.mark.parametrize("path", ["/", "/plan/cafe-chain-q1", "/whatif/cafe-chain-q1", "/frontier/cafe-chain-q1"])
def test_every_page_links_the_stylesheet_and_carries_no_inline_style(client, path):
    page = client.get(path)
    assert page.status_code == 200, page.text
    assert page.text.count('<link rel="stylesheet" href="/static/pages.css">') == 1
    assert "<style" not in page.text[: page.text.index("<body>")]  # (a chart's SVG keeps its own)


def test_the_package_data_ships_every_static_file():
    with (ROOT / "pyproject.toml").open("rb") as handle:
        data = tomllib.load(handle)["tool"]["setuptools"]["package-data"]["campaign.web"]
    files = [path.relative_to(STATIC.parent).as_posix() for path in STATIC.iterdir()]
    assert "static/pages.css" in files
    for name in files:
        assert any(fnmatch(name, pattern) for pattern in data), name
