"""Saving a scenario's text into a folder: checked by `validate` itself, written whole, never over a file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from campaign import app
from scenarios import ScenarioError

CAFE_TEXT = app.scenarios()[0].path.read_text(encoding="utf-8")
BROKEN = "name: shop\nbudget: {total: -5}\nchannels: {}\nobjective: fame\n"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_the_check_finds_exactly_the_problems_validate_finds_in_a_file_of_that_text(tmp_path):
    by_file = tmp_path / "elsewhere"
    by_file.mkdir()
    (by_file / "shop.yaml").write_text(BROKEN, encoding="utf-8")
    with pytest.raises(ScenarioError) as from_file:
        app.validate(by_file / "shop.yaml")
    with pytest.raises(ScenarioError) as from_text:
        app.check_scenario_text(tmp_path, "shop.yaml", BROKEN)
    assert from_text.value.problems == from_file.value.problems
    assert len(from_text.value.problems) == 3
    assert str(from_text.value).splitlines()[0] == "shop.yaml: 3 problems"
    assert leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere"]


def test_a_valid_text_is_checked_as_validate_checks_its_file_and_saved_byte_for_byte(tmp_path):
    checked = app.check_scenario_text(tmp_path, "cafe", CAFE_TEXT)
    assert list(tmp_path.iterdir()) == []
    saved = app.save_scenario(tmp_path, "cafe", CAFE_TEXT)
    path = tmp_path / "cafe.yaml"
    assert saved.path == checked.path == path
    assert path.read_text(encoding="utf-8") == CAFE_TEXT
    assert app.validate(path).to_dict() == saved.to_dict()
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    assert leftovers(tmp_path) == []


def test_an_existing_file_is_refused_unless_replaced_and_an_invalid_text_writes_nothing(tmp_path):
    path = tmp_path / "cafe.yaml"
    path.write_text("mine\n", encoding="utf-8")
    with pytest.raises(app.ExistingFileError):
        app.save_scenario(tmp_path, "cafe.yaml", CAFE_TEXT)
    with pytest.raises(ScenarioError):
        app.save_scenario(tmp_path, "cafe.yaml", BROKEN, replace=True)
    assert path.read_text(encoding="utf-8") == "mine\n"
    app.save_scenario(tmp_path, "cafe.yaml", CAFE_TEXT, replace=True)
    assert path.read_text(encoding="utf-8") == CAFE_TEXT
    assert leftovers(tmp_path) == []


def test_a_file_that_appears_while_the_text_is_checked_is_not_overwritten(tmp_path, monkeypatch):
    from campaign.app import authoring

    real = authoring.validate

    def meanwhile(path):
        (tmp_path / "cafe.yaml").write_text("theirs\n", encoding="utf-8")
        return real(path)

    monkeypatch.setattr(authoring, "validate", meanwhile)
    with pytest.raises(app.ExistingFileError):
        app.save_scenario(tmp_path, "cafe", CAFE_TEXT)
    assert (tmp_path / "cafe.yaml").read_text(encoding="utf-8") == "theirs\n"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("name", ["../x", "a/b", ".hidden", "..", "x/../../y", "", "a\\b", "x.txt/"])
def test_a_name_that_could_spell_a_path_is_refused_before_anything_is_written(tmp_path, name):
    with pytest.raises(app.BadFileNameError):
        app.save_scenario(tmp_path, name, CAFE_TEXT)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("name", "file"), [("shop", "shop.yaml"), ("shop.yml", "shop.yml"), ("a.b", "a.b.yaml")])
def test_the_file_name_of_a_name(name, file):
    assert app.file_name_of(name) == file
