"""The scenario pages: a form that writes a new scenario file into the workspace, and a YAML editor.

`/scenarios/new` builds the scenario document from the form (`scenario_form`)
and saves it with `app.save_scenario`, which checks it with `campaign
validate`'s own use case and writes ``NAME.yaml`` atomically, never over an
existing file; the problems are shown beside the fields they concern.
`/scenarios/{name}/edit` shows a scenario file's YAML: validate it, save it
(workspace files), or save a copy under a new name (bundled ones are
read-only). Both forms carry the CSRF token; their bodies are size-limited.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, quote

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from campaign import app
from campaign.render.catalogue import validation
from campaign.web.errors import TooLargeError
from campaign.web.page_kit import CSRF_FIELD, N_, check_csrf, language, render
from campaign.web.planning import workspace
from campaign.web.scenario_form import (
    CHANNEL_FIGURES,
    FORMAT_FIGURES,
    KPI_NAMES,
    RULE_KINDS,
    TABLES,
    Entries,
    document_of,
    entries_of,
    placed,
)
from campaign.web.uploads import MAX_BYTES, read_body
from scenarios import OBJECTIVES, CampaignError, ScenarioError, UsageError

router = APIRouter(tags=["pages"], include_in_schema=False)
#: The most bytes a scenario form may send (the largest file the app takes), and the most fields.
MAX_FORM = MAX_BYTES
MAX_FIELDS = 2000
#: The column headings of the form's tables.
HEADINGS = {
    "name": N_("Name"),
    "channel": N_("Channel"),
    "audience": N_("Audience (people)"),
    "in_market": N_("In market (share)"),
    "cpm": N_("CPM"),
    "ctr": N_("CTR"),
    "cvr": N_("CVR"),
    "bounce_rate": N_("Bounce rate"),
    "engagement_rate": N_("Engagement rate"),
    "negative_feedback_rate": N_("Negative feedback rate"),
    "followers": N_("Followers"),
    "cpm_factor": N_("CPM factor"),
    "ctr_factor": N_("CTR factor"),
    "cvr_factor": N_("CVR factor"),
    "engagement_factor": N_("Engagement factor"),
    "audience_share": N_("Audience share"),
    "target": N_("Target"),
    "kind": N_("Rule"),
    "min": N_("Min. share"),
    "max": N_("Max. share"),
}


async def form_pairs(request: Request) -> list[tuple[str, str]]:
    """The URL-encoded form's fields in order, the body limited to `MAX_FORM` bytes and `MAX_FIELDS` fields."""
    body = await read_body(request, MAX_FORM, "the form")
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except UnicodeDecodeError:
        raise CampaignError("the form is not UTF-8 text") from None
    except ValueError:
        raise TooLargeError(f"the form has more than {MAX_FIELDS} fields") from None


def _new_form(request: Request, entries: Entries, problems: dict[str, list[str]], status: int = 200) -> Response:
    context: dict[str, Any] = {
        "entries": entries,
        "problems": problems,
        "tables": TABLES,
        "headings": HEADINGS,
        "objectives": OBJECTIVES,
        "kpi_names": KPI_NAMES,
        "rule_kinds": RULE_KINDS,
        "channel_figures": CHANNEL_FIGURES,
        "format_figures": FORMAT_FIGURES,
    }
    return render(request, "new_scenario.html", context, status)


@router.get("/scenarios/new", response_class=HTMLResponse)
def new_scenario_form(request: Request) -> Response:
    """The empty new-scenario form."""
    return _new_form(request, Entries(), {})


@router.post("/scenarios/new", response_class=HTMLResponse)
async def new_scenario(request: Request) -> Response:
    """Add a row, or write the form's scenario into the workspace and go to its plan; problems beside the fields."""
    pairs = await form_pairs(request)
    given = dict(pairs)
    check_csrf(request, given.get(CSRF_FIELD))
    entries = entries_of(pairs, given.get("add"))
    if given.get("add"):
        return _new_form(request, entries, {})
    document, places = document_of(entries, "de_DE" if language(request) == "de" else "en")
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    name = entries.get("name").strip()
    try:
        saved = app.save_scenario(workspace(request).folder, name or "unnamed.yaml", text)
    except ScenarioError as error:
        found = placed(error.problems, places)
        found[""] = [str(error).splitlines()[0], *found.get("", [])]
        return _new_form(request, entries, found, 400)
    except app.ExistingFileError as error:
        return _new_form(request, entries, {"name": [str(error)]}, 409)
    except app.BadFileNameError as error:
        return _new_form(request, entries, {"name": [str(error)]}, 400)
    return RedirectResponse(f"/plan/{quote(saved.path.name)}", status_code=303)


def _editor(request: Request, name: str, text: str, **extra: Any) -> Response:
    status = extra.pop("status", 200)
    context = {
        "name": name,
        "text": text,
        "bundled": workspace(request).source(name) == "bundled",
        "problems": [],
        "checked": None,
        "saved": False,
        "copy_name": "",
        "copy_problem": None,
        **extra,
    }
    return render(request, "edit_scenario.html", context, status)


@router.get("/scenarios/{name}/edit", response_class=HTMLResponse, name="edit_scenario")
def edit_form(name: str, request: Request) -> Response:
    """The scenario file's YAML in a text area."""
    return _editor(request, name, workspace(request).text(name))


@router.post("/scenarios/{name}/edit", response_class=HTMLResponse)
async def edit(name: str, request: Request) -> Response:
    """Validate the YAML, save it (a workspace file), or save a copy under a new name; problems under the text."""
    pairs = await form_pairs(request)
    given = dict(pairs)
    check_csrf(request, given.get(CSRF_FIELD))
    space = workspace(request)
    bundled = space.source(name) == "bundled"
    text = given.get("yaml", "").replace("\r\n", "\n")
    action = given.get("action", "validate")
    copy_name = given.get("copy_name", "").strip()
    if action == "save" and bundled:
        raise UsageError(f"{name} is a bundled scenario and read-only; save a copy to the workspace to change it")
    try:
        if action == "copy":
            saved = app.save_scenario(space.folder, copy_name, text)
            return RedirectResponse(f"/scenarios/{quote(saved.path.name)}/edit", status_code=303)
        if action == "save":
            checked = app.save_scenario(space.folder, space.scenario(name).name, text, replace=True)
        else:
            checked = app.check_scenario_text(space.folder, space.scenario(name).name if not bundled else name, text)
    except ScenarioError as error:
        lines = str(error).splitlines()
        problems = [str(problem) for problem in error.problems] or lines[1:]
        return _editor(request, name, text, problems=[lines[0], *problems], copy_name=copy_name, status=400)
    except (app.ExistingFileError, app.BadFileNameError) as error:
        status = 409 if isinstance(error, app.ExistingFileError) else 400
        return _editor(request, name, text, copy_name=copy_name, copy_problem=str(error), status=status)
    shown = validation(checked).replace(str(checked.path), checked.path.name, 1)
    return _editor(request, name, text, checked=shown, saved=action == "save", copy_name=copy_name)
