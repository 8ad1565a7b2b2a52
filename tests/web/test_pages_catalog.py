"""Every message the pages show has its German translation, with the same placeholders."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).parents[2]
PO = ROOT / "campaign" / "web" / "locale" / "de" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def extracted():
    spec = importlib.util.spec_from_file_location("update_web_catalog", ROOT / "scripts" / "update_web_catalog.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.extracted()


def test_the_german_catalog_translates_every_message_of_the_pages():
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="de")
    messages = [m for m in extracted() if m.id]
    assert len(messages) > 50
    missing, wrong = [], []
    for message in messages:
        held = catalog.get(message.id)
        if held is None or not held.string or (isinstance(held.string, tuple) and not all(held.string)):
            missing.append(message.id)
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = held.string if isinstance(held.string, tuple) else (held.string,)
        if any(set(PLACEHOLDER.findall(s)) != set(PLACEHOLDER.findall(ids[0])) for s in strings):
            wrong.append(message.id)
    assert missing == [], "run scripts/update_web_catalog.py and translate these"
    assert wrong == []
