"""Unit tests of the scenario loader: merge, variants, YAML edge cases, defaults."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from textwrap import dedent

import pytest
import yaml

from scenarios.errors import Problem, ScenarioError, UsageError
from scenarios.loader import load_scenario, merge, parse_yaml, resolve
from scenarios.schema import Scenario
from scenarios.yamlsafe import MAX_ALIASES, MAX_DEPTH

MINIMAL = dedent(
    """\
    name: minimal
    budget:
      total: 5000
    channels:
      facebook:
        audience: 100000
        in_market: 0.01
        cpm: 10
        ctr: 0.01
        cvr: 0.05
        formats:
          feed: {}
    """
)

VARIANTS = MINIMAL + dedent(
    """\
    kpis:
      min_reach: 1000
    variants:
      lean:
        budget: {total: 4000}
      push:
        channels:
          facebook:
            cpm: 12
            formats:
              reel: {cpm_factor: 0.5}
    """
)


def write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(text: str) -> tuple[Problem, ...]:
    with pytest.raises(ScenarioError) as caught:
        parse_yaml(text, "f.yaml")
    assert caught.value.source == "f.yaml"
    return caught.value.problems


def only(text: str) -> str:
    """The one problem line `parse_yaml` reports for `text`."""
    found = problems(text)
    assert len(found) == 1, found
    return str(found[0])


# merge ------------------------------------------------------------------


def test_merge_merges_mappings_key_by_key_at_every_depth():
    base = {"a": {"x": 1, "y": {"p": 1, "q": 2}}, "b": 2}
    overlay = {"a": {"y": {"q": 20, "r": 30}, "z": 3}}
    assert merge(base, overlay) == {"a": {"x": 1, "y": {"p": 1, "q": 20, "r": 30}, "z": 3}, "b": 2}


def test_merge_replaces_lists_and_scalars():
    base = {"spend": [0, 100, 200], "n": 1, "s": "text"}
    assert merge(base, {"spend": [5], "n": 2, "s": "other"}) == {"spend": [5], "n": 2, "s": "other"}


def test_merge_replaces_a_mapping_by_a_scalar_and_a_scalar_by_a_mapping():
    assert merge({"a": {"x": 1}, "b": 1}, {"a": 7, "b": {"y": 2}}) == {"a": 7, "b": {"y": 2}}


def test_merge_adds_new_keys_and_keeps_the_rest():
    assert merge({"a": 1}, {"b": 2}) == {"a": 1, "b": 2}
    assert merge({"a": 1}, {}) == {"a": 1}
    assert merge({}, {"a": {"b": 1}}) == {"a": {"b": 1}}


def test_merge_mutates_neither_input_and_shares_nothing_with_them():
    base = {"a": {"x": [1, 2], "y": {"p": 1}}, "b": [3]}
    overlay = {"a": {"y": {"q": 2}, "z": [4]}}
    base_before, overlay_before = copy.deepcopy(base), copy.deepcopy(overlay)
    merged = merge(base, overlay)
    assert base == base_before
    assert overlay == overlay_before
    merged["a"]["x"].append(99)
    merged["a"]["y"]["p"] = 100
    merged["a"]["z"].append(5)
    merged["b"].append(6)
    assert base == base_before
    assert overlay == overlay_before


# variants ---------------------------------------------------------------


def test_no_variant_gives_the_base(tmp_path):
    scenario = load_scenario(write(tmp_path, VARIANTS))
    assert scenario.budget.total == 5000
    assert set(scenario.variants) == {"lean", "push"}


def test_a_variant_changes_only_what_it_sets(tmp_path):
    path = write(tmp_path, VARIANTS)
    lean = load_scenario(path, "lean")
    assert lean.budget.total == 4000
    assert lean.kpis.min_reach == 1000
    assert lean.channels["facebook"].cpm == 10
    push = load_scenario(path, "push")
    facebook = push.channels["facebook"]
    assert (facebook.cpm, facebook.ctr, facebook.audience) == (12, 0.01, 100000)
    assert list(facebook.formats) == ["feed", "reel"]
    assert facebook.formats["reel"].cpm_factor == 0.5
    assert push.budget.total == 5000


def test_an_unknown_variant_is_a_usage_error_listing_the_valid_ones(tmp_path):
    path = write(tmp_path, VARIANTS)
    with pytest.raises(UsageError) as caught:
        load_scenario(path, "laen")
    assert str(caught.value) == (
        f"{path}: unknown variant 'laen' (did you mean 'lean'?); the file defines 'lean' or 'push'"
    )
    with pytest.raises(UsageError) as caught:
        load_scenario(path, "zzz")
    assert str(caught.value) == f"{path}: unknown variant 'zzz'; the file defines 'lean' or 'push'"


def test_a_variant_of_a_file_without_variants(tmp_path):
    path = write(tmp_path, MINIMAL)
    with pytest.raises(UsageError, match=r"unknown variant 'lean'; the file defines no variants$"):
        load_scenario(path, "lean")


def test_every_variant_is_validated_even_when_another_is_asked_for(tmp_path):
    path = write(tmp_path, VARIANTS + "  broken:\n    budget: {total: 0}\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, "lean")
    assert caught.value.problems == (
        Problem("variants.broken.budget.total", "0 is out of range: must be greater than 0"),
    )


def test_a_broken_base_is_reported_once_not_once_per_variant():
    data = yaml.safe_load(VARIANTS)
    data["budget"]["total"] = -1
    data["variants"]["fast"] = {"seed": -2}
    with pytest.raises(ScenarioError) as caught:
        resolve(data, "f.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "budget.total: -1 is out of range: must be greater than 0",
        "variants.fast.seed: -2 is out of range: must be at least 0",
    ]


def test_a_variant_name_with_dots_keeps_its_own_problems():
    data = yaml.safe_load(MINIMAL)
    data["budget"]["total"] = 0
    data["variants"] = {"q1.lean": {"budget": {"total": -1}}}
    with pytest.raises(ScenarioError) as caught:
        resolve(data, "f.yaml")
    assert [p.path for p in caught.value.problems] == ["budget.total", "variants.q1.lean.budget.total"]


def test_variants_cannot_be_nested():
    data = yaml.safe_load(VARIANTS)
    data["variants"]["lean"]["variants"] = {"leaner": {"budget": {"total": 3000}}}
    with pytest.raises(ScenarioError) as caught:
        resolve(data, "f.yaml")
    assert [p.path for p in caught.value.problems] == ["variants.lean.variants"]


def test_a_variant_that_is_not_a_mapping():
    data = yaml.safe_load(MINIMAL)
    data["variants"] = {"lean": 5}
    with pytest.raises(ScenarioError) as caught:
        resolve(data, "f.yaml")
    assert caught.value.problems == (
        Problem("variants.lean", "5 is not a mapping; expected a mapping of the scenario keys this variant changes"),
    )


# parse_yaml -------------------------------------------------------------


def test_parse_yaml_returns_the_mapping():
    assert parse_yaml("a: 1\nb: [x, y]\nc: {d: null}\n", "f.yaml") == {"a": 1, "b": ["x", "y"], "c": {"d": None}}


@pytest.mark.parametrize("text", ["", "   \n\t\n", "\n\n"])
def test_parse_yaml_empty(text):
    assert only(text) == "the file is empty; expected a YAML mapping of scenario keys such as name, budget and channels"


@pytest.mark.parametrize("text", ["# just a comment\n", "---\n", "null\n", "~\n"])
def test_parse_yaml_no_data(text):
    assert only(text).startswith("the file holds no data; expected a YAML mapping")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("- a\n- b\n", "a list"),
        ("just words\n", "text ('just words')"),
        ("42\n", "a number (42)"),
        ("1.5\n", "a number (1.5)"),
        ("true\n", "a boolean (true)"),
    ],
)
def test_parse_yaml_top_level_must_be_a_mapping(text, kind):
    assert only(text) == (
        f"the top level is {kind}; expected a YAML mapping of scenario keys such as name, budget and channels"
    )


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (
            "a: {b: 1\nc: 2\n",
            (
                "line 2, column 2: the file is not valid YAML: expected ',' or '}', but got ':' "
                "(while parsing a flow mapping started at line 1, column 4)"
            ),
        ),
        (
            "a: 'open\n",
            (
                "line 2, column 1: the file is not valid YAML: found unexpected end of stream "
                "(while scanning a quoted scalar started at line 1, column 4)"
            ),
        ),
        (
            "a: 1\n\tb: 2\n",
            ("line 2, column 1: the file is not valid YAML: found character '\\t' that cannot start any token"),
        ),
        (
            "a:\n  b: 1\n c: 2\n",
            (
                "line 3, column 2: the file is not valid YAML: expected <block end>, but found "
                "'<block mapping start>' (while parsing a block mapping started at line 1, column 1); "
                "check the indentation"
            ),
        ),
        (
            "a: 1\n---\nb: 2\n",
            ("line 2, column 1: a second YAML document starts here; expected a single document (no second '---')"),
        ),
    ],
)
def test_parse_yaml_syntax_errors_name_line_and_column(text, line):
    assert only(text) == line


@pytest.mark.parametrize(
    ("text", "tag", "path", "where"),
    [
        ('name: !!python/object/apply:os.system ["hi"]\n', "!!python/object/apply:os.system", "name", "1, column 7"),
        ("a:\n  b: !!python/name:os.system ''\n", "!!python/name:os.system", "a.b", "2, column 6"),
        ("a: !!binary aGVsbG8=\n", "!!binary", "a", "1, column 4"),
        ("a: !!set {x, y}\n", "!!set", "a", "1, column 4"),
        ("a: !!omap [x: 1]\n", "!!omap", "a", "1, column 4"),
        ("a: [1, !custom 2]\n", "!custom", "a.1", "1, column 8"),
    ],
)
def test_parse_yaml_refuses_tags_naming_the_key(text, tag, path, where):
    assert only(text) == (
        f"{path}: line {where}: the YAML tag {tag} is not allowed: scenario files hold plain data "
        "(text, numbers, true/false, lists and mappings)"
    )


def test_parse_yaml_keeps_dates_as_text_for_the_schema():
    assert parse_yaml("start: 2027-01-04\n", "f.yaml") == {"start": "2027-01-04"}
    # a date YAML would crash on is left to the schema, which names the key
    assert parse_yaml("start: 2027-13-45\n", "f.yaml") == {"start": "2027-13-45"}


def test_parse_yaml_refuses_every_key_given_twice():
    text = "a: 1\nb:\n  c: 1\n  c: 2\na: 3\n"
    assert [str(problem) for problem in problems(text)] == [
        (
            "b.c: is given twice: at line 3 and again at line 4; "
            "YAML would silently keep only the last one, so remove one of them"
        ),
        (
            "a: is given twice: at line 1 and again at line 5; "
            "YAML would silently keep only the last one, so remove one of them"
        ),
    ]


def test_parse_yaml_allows_a_merge_key_to_be_overridden():
    assert parse_yaml("b: &b {x: 1}\nc:\n  <<: *b\n  x: 2\n", "f.yaml") == {"b": {"x": 1}, "c": {"x": 2}}


def test_parse_yaml_refuses_a_list_as_a_key():
    assert only("a:\n  ? [x, y]\n  : 1\n") == "a: line 2, column 5: a list or mapping cannot be a key; keys are names"


def test_parse_yaml_allows_a_few_aliases_and_merge_keys():
    text = "base: &b {x: 1, y: 2}\none: *b\ntwo:\n  <<: *b\n  y: 3\n"
    assert parse_yaml(text, "f.yaml") == {"base": {"x": 1, "y": 2}, "one": {"x": 1, "y": 2}, "two": {"x": 1, "y": 3}}


def never_constructed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make building Python objects from YAML fail: a refusal must come before it."""
    from scenarios import yamlsafe

    def never(*args: object, **kwargs: object) -> object:
        raise AssertionError("the document reached construction")

    for loader in yamlsafe.LOADERS:  # the libyaml one and the Python one
        monkeypatch.setattr(loader, "construct_document", never)


def test_parse_yaml_refuses_too_many_aliases_before_building_anything(monkeypatch):
    levels = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 12)]
    never_constructed(monkeypatch)
    assert only("\n".join(levels)) == (
        f"the file uses more than {MAX_ALIASES} YAML aliases (*name); at most {MAX_ALIASES} are allowed"
    )


def test_parse_yaml_refuses_aliases_that_expand_too_far(monkeypatch):
    # 9 aliases a level (fewer than MAX_ALIASES in all), but 9^9 values once expanded
    levels = ["a0: &a0 {x: 1}"]
    levels += [f"a{i}: &a{i} {{" + ", ".join(f"k{j}: *a{i - 1}" for j in range(9)) + "}" for i in range(1, 10)]
    never_constructed(monkeypatch)
    assert only("\n".join(levels)) == (
        "the file's YAML aliases (*name) expand to more than 100,000 values; at most 100,000 are allowed"
    )


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: &a [1, *a]\n", "a: line 1, column 4"),
        ("x:\n  y: &y\n    z: *y\n", "x.y: line 2, column 6"),
    ],
)
def test_parse_yaml_refuses_recursive_aliases(text, line):
    assert only(text) == (
        f"{line}: an alias (*name) refers to a value that contains it; recursive YAML structures are not allowed"
    )


def test_parse_yaml_refuses_deep_nesting_without_recursion_error():
    depth = 5000
    text = "a: " + "[" * depth + "]" * depth + "\n"
    assert only(text) == (
        f"line 1, column {MAX_DEPTH + 3}: lists and mappings nest more than {MAX_DEPTH} levels deep; "
        "a scenario nests a few levels"
    )
    nested = "a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n"
    assert "a" in parse_yaml(nested, "f.yaml")


def test_parse_yaml_refuses_aliases_that_nest_too_deep():
    # each level is 20 deep, within MAX_DEPTH, but the aliases stack them 60 levels deep
    levels = ["a0: &a0 " + "[" * 20 + "1" + "]" * 20]
    levels += [f"a{i}: &a{i} " + "[" * 20 + f"*a{i - 1}" + "]" * 20 for i in range(1, 3)]
    assert only("\n".join(levels)) == (
        f"a0: line 1, column 5: the YAML aliases (*name) make lists and mappings nest more than {MAX_DEPTH} "
        "levels deep; a scenario nests a few levels"
    )


def test_a_deeply_nested_alias_in_a_variant_cannot_crash_the_merge():
    levels = ["a0: &a0 " + "[" * 25 + "1" + "]" * 25]
    levels += [f"a{i}: &a{i} " + "[" * 25 + f"*a{i - 1}" + "]" * 25 for i in range(1, 60)]
    text = MINIMAL + "\n".join(levels) + "\nvariants:\n  v: {sources: {a: *a59}}\n"
    assert "nest more than" in only(text)


# reading files ----------------------------------------------------------


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    assert load_scenario(path).name == "minimal"


def test_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(MINIMAL.replace("minimal", "caf\xe9").encode("latin-1"))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert caught.value.problems == (Problem("", "is not UTF-8 text (invalid continuation byte)"),)


# a valid scenario ---------------------------------------------------------


def test_a_valid_scenario_loads_with_defaults_filled_in(tmp_path):
    scenario = load_scenario(write(tmp_path, MINIMAL))
    assert isinstance(scenario, Scenario)
    assert scenario.name == "minimal"
    assert (scenario.description, scenario.currency, scenario.start, scenario.seed) == ("", "EUR", None, 0)
    assert (scenario.periods.count, scenario.periods.unit, scenario.objective) == (1, "week", "conversions")
    business = scenario.business
    assert (business.conversion, business.value_per_conversion, business.gross_margin) == ("conversion", 0.0, 1.0)
    assert business.monthly_costs.total == 0.0
    facebook = scenario.channels["facebook"]
    assert (facebook.bounce_rate, facebook.engagement_rate, facebook.negative_feedback_rate) == (0.0, 0.0, 0.0)
    assert (facebook.followers, facebook.sources) == (0.0, {})
    assert (facebook.spend.min, facebook.spend.max) == (0.0, None)
    assert facebook.organic.posts_per_week == 0.0
    assert facebook.organic.extra_post_decay == 0.8
    feed = facebook.formats["feed"]
    assert (feed.cpm_factor, feed.ctr_factor, feed.cvr_factor, feed.engagement_factor, feed.audience_share) == (
        1.0,
        1.0,
        1.0,
        1.0,
        1.0,
    )
    assert scenario.response == {}
    assert all(value is None for value in scenario.kpis.model_dump().values())
    assert (scenario.rules.channel_share, scenario.rules.format_share) == ({}, {})
    assert (scenario.sources, scenario.variants) == ({}, {})


def test_a_date_loads_as_a_date(tmp_path):
    scenario = load_scenario(write(tmp_path, MINIMAL + "start: 2027-01-04\n"))
    assert scenario.start == dt.date(2027, 1, 4)


def test_the_bundled_scenarios_still_load():
    from scenarios.library import bundled_scenarios

    for name, (path, _) in bundled_scenarios().items():
        scenario = load_scenario(path)
        assert scenario.name == name
        for variant in scenario.variants:
            assert load_scenario(path, variant).name == name


# cross-reference messages ---------------------------------------------------


@pytest.mark.parametrize(
    ("overlay", "line"),
    [
        (
            {"rules": {"format_share": {"reels": {"max": 0.5}}}},
            (
                "rules.format_share.reels: unknown format 'reels' (did you mean 'reel'?); "
                "expected a format of this scenario: 'feed' or 'reel'"
            ),
        ),
        (
            {"objective": "profit"},
            (
                "business.value_per_conversion: 0 is not valid when the objective is profit; "
                "expected a number greater than 0 (what one conversion is worth)"
            ),
        ),
        (
            {"kpis": {"min_roas": 2}},
            (
                "business.value_per_conversion: 0 is not valid when kpis.min_roas is set; expected a number greater "
                "than 0 (ROAS is revenue per unit of spend, revenue being conversions times this value)"
            ),
        ),
        (
            {"sources": {"budget.totl": "a note"}},
            (
                "sources.budget.totl: 'budget.totl' names no key of this scenario; "
                "expected a dotted key path such as business.value_per_conversion"
            ),
        ),
        (
            {"channels": {"facebook": {"sources": {"cmp": "a note"}}}},
            "channels.facebook.sources.cmp: 'cmp' names no key of the channel (did you mean 'cpm'?)",
        ),
        (
            {"response": {"facebook.feed": {"curve": "points", "spend": [0, 100, 200], "conversions": [0, 10]}}},
            (
                "response.facebook.feed: 'spend' has 3 points but 'conversions' has 2; "
                "expected one conversions value per spend value"
            ),
        ),
        (
            {"response": {"facebook.feed": {"curve": "points", "spend": [0, 100, 100], "conversions": [0, 10, 12]}}},
            (
                "response.facebook.feed.spend: [0, 100, 100] is not valid: 100 follows 100; "
                "expected spend values that increase strictly"
            ),
        ),
        (
            {"response": {"facebook.feed": {"curve": "points", "spend": [0, 100], "conversions": [5, 10]}}},
            (
                "response.facebook.feed.conversions: 5 at spend 0 is not valid; "
                "expected 0 (the curve is the paid response only)"
            ),
        ),
        (
            {"response": {"facebook.feed": {"curve": "hil", "max": 1}}},
            (
                "response.facebook.feed.curve: unknown curve 'hil' (did you mean 'hill'?); "
                "expected 'exponential', 'hill' or 'points'"
            ),
        ),
        (
            {"periods": {"count": 2.5, "unit": "weeks"}},
            "periods.count: 2.5 is not a whole number; expected a whole number from 1 to 520",
        ),
        (
            {"rules": {"channel_share": {"facebook": {"max": 1.2}}}},
            "rules.channel_share.facebook.max: 1.2 is out of range: a share must be between 0 and 1",
        ),
        (
            {"channels": {"facebook": {"cvr": None}}},
            "channels.facebook.cvr: null is not a number; expected a fraction between 0 and 1",
        ),
        (
            {"description": 42},
            "description: 42 is not text; expected text (put it in quotes)",
        ),
    ],
)
def test_messages_name_the_path_the_value_and_what_is_valid(overlay, line):
    data = merge(yaml.safe_load(MINIMAL.replace("      feed: {}", "      feed: {}\n      reel: {}")), overlay)
    with pytest.raises(ScenarioError) as caught:
        resolve(data, "f.yaml")
    assert str(caught.value.problems[0]) == line


def test_a_channel_without_formats():
    data = yaml.safe_load(MINIMAL)
    data["channels"]["facebook"]["formats"] = {}
    with pytest.raises(ScenarioError) as caught:
        resolve(data, "f.yaml")
    assert caught.value.problems == (
        Problem("channels.facebook.formats", "is empty; expected at least 1 format, such as feed: {}"),
    )
