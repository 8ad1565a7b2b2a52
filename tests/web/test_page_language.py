"""The pages' language from Accept-Language, negotiated by Babel (`babel.core.negotiate_locale`) over the tags
ordered by their q-values: a regional tag falls back to its language, a tag the pages lack gives way to the next
one wanted, and a wildcard, an empty or unreadable header or q=0 leaves English, the default."""

from __future__ import annotations

import pytest

from campaign.web.page_kit import accepted


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("de-CH,de;q=0.9", "de"),
        ("fr, de;q=0.5", "de"),
        ("en-GB", "en"),
        ("*", "en"),
        ("", "en"),
        (";;;, q=x ,=,de;q=abc,;q=1", "en"),
        ("en;q=0.4, de;q=0.8", "de"),
        ("de;q=0.8, en;q=0.8", "de"),
        ("DE-at ; Q=0.7, fr", "de"),
        ("de;q=0, en;q=0.1", "en"),
        ("de;q=0", "en"),
        ("de;q=1.5", "en"),
        ("en-US,en;q=0.9,de;q=0.8", "en"),
        ("de_DE", "de"),
    ],
)
def test_accept_language_picks_the_pages_language(client, header, language):
    page = client.get("/", headers={"accept-language": header})
    assert page.status_code == 200, page.text
    assert page.headers["content-language"] == language
    assert f'<html lang="{language}">' in page.text


def test_the_tags_are_ordered_by_their_q_values_the_first_of_equals_first():
    assert accepted("fr;q=0.5, de-CH, en;q=0.9, it;q=0.5, xx;q=0") == ["de-CH", "en", "fr", "it"]
    assert accepted("") == []
    assert accepted(" , ;q=1, de;q=nan, en;q=inf") == []


def test_the_lang_query_and_its_cookie_still_come_before_the_header(client):
    page = client.get("/", params={"lang": "de"}, headers={"accept-language": "en"})
    assert page.headers["content-language"] == "de"
    again = client.get("/", headers={"accept-language": "en"})
    assert again.headers["content-language"] == "de"  # the cookie the switch set
