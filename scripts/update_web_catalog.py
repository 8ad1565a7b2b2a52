"""Extract the pages' messages (templates and *_pages.py) and merge them into the German catalog.

Run after changing a page's text: new messages are added untranslated (the
test of the catalog fails until they are translated), gone ones dropped.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

WEB = Path(__file__).resolve().parents[1] / "campaign" / "web"
PO = WEB / "locale" / "de" / "LC_MESSAGES" / "messages.po"
METHODS = [("templates/**.html", "jinja2.ext:babel_extract"), ("*_pages.py", "python")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}, "*_pages.py": {}}
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}


def extracted() -> Catalog:
    """Every message the pages show, as a template catalog."""
    template = Catalog(project="campaign-planner")
    for name, line, message, comments, context in extract_from_dir(WEB, METHODS, OPTIONS, keywords=KEYWORDS):
        template.add(message, locations=[(name, line)], auto_comments=comments, context=context)
    return template


def main() -> None:
    template = extracted()
    if PO.exists():
        with PO.open("rb") as handle:
            catalog = read_po(handle, locale="de")
    else:
        catalog = Catalog(locale="de", project="campaign-planner")
    catalog.update(template, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    catalog.fuzzy = False
    PO.parent.mkdir(parents=True, exist_ok=True)
    with PO.open("wb") as handle:
        write_po(handle, catalog, width=120, omit_header=False, sort_output=True, include_lineno=False)
    print(f"{PO}: {len(catalog)} messages")


if __name__ == "__main__":
    main()
