"""The conversion wizard (SPEC §5, §17): ``/leads/{id}/convert`` shows what converting would
attach to (``conversion.preview``: accounts by domain and company name, the contact, the open
opportunities of those accounts) and lets the user choose or create; the form sends the same
request ``POST /api/v1/leads/{id}/convert`` takes, to the same service. One error per field,
beside the field; a lead not ready to convert shows what its qualification still lacks, with
a link to the qualification form of its page. Success opens the opportunity."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from bascule.conversion import preview as conversion_preview
from bascule.conversion import service as conversion
from bascule.errors import AlreadyConverted, BasculeError, Forbidden, NotReadyToConvert
from bascule.http.deps import Now, PathId, PlaybookDep, ReadUow, WriteUow
from bascule.leads import service as leads
from bascule.playbook.schema import Playbook
from bascule.storage.uow import UnitOfWork
from bascule.web.auth import PageActor
from bascule.web.i18n import N_, _
from bascule.web.opportunity_forms import field_errors, message, parse_amount, parse_day
from bascule.web.render import locale_of, render

router = APIRouter(include_in_schema=False)

# What the qualification lacks (``leads.model.missing_for_conversion`` keys), in words.
MISSING = {
    "need": N_("The need is not confirmed."),
    "budget": N_("The budget is not known well enough (at least a range)."),
    "timing": N_("The timing is unknown."),
    "authority": N_("The decision maker is not identified."),
    "meddic.metrics": N_("MEDDIC: metrics"),
    "meddic.economic_buyer": N_("MEDDIC: economic buyer"),
    "meddic.decision_criteria": N_("MEDDIC: decision criteria"),
    "meddic.decision_process": N_("MEDDIC: decision process"),
    "meddic.identify_pain": N_("MEDDIC: pain identified"),
    "meddic.champion": N_("MEDDIC: champion"),
}


def missing_label(key: str) -> str:
    words = MISSING.get(key)
    return _(words) if words else key


FormText = Annotated[str, Form(max_length=200)]
# The service's field names → the form's.
FIELDS = {
    "opportunity.name": "opportunity_name",
    "opportunity.amount": "amount",
    "opportunity.expected_close_date": "expected_close_date",
    "opportunity.stage": "stage",
    "name": "opportunity_name",
    "account_id": "account",
    "new_account": "account",
    "company": "account",
    "opportunity_id": "target",
}


def request_of(form: dict[str, str], locale: str) -> dict[str, Any]:
    """The API's conversion body from the wizard's fields (values as the API's JSON has them,
    so a form sent twice is recognised as the same request)."""
    body: dict[str, Any] = {}
    target = form["target"]
    if target.isdigit():
        body["opportunity_id"] = int(target)
    else:
        amount = parse_amount(form["amount"], locale)
        day = parse_day(form["expected_close_date"])
        body["opportunity"] = {
            "name": form["opportunity_name"].strip() or None,
            "amount": None if amount is None else str(amount),
            "expected_close_date": None if day is None else str(day),
            "stage": form["stage"] or None,
        }
        # Adding the lead to an opportunity puts it on that opportunity's account: the
        # account choice only matters for a new opportunity.
        if form["account"] == "new":
            body["new_account"] = True
        elif form["account"].isdigit():
            body["account_id"] = int(form["account"])
    return body


@router.get("/leads/{lead_id}/convert", response_model=None)
def wizard(
    request: Request, lead_id: PathId, uow: ReadUow, actor: PageActor, playbook: PlaybookDep
) -> Response:
    return _wizard(request, uow, playbook, lead_id, form=None, errors={})


@router.post("/leads/{lead_id}/convert", response_model=None)
def convert(
    request: Request, lead_id: PathId, uow: WriteUow, actor: PageActor, playbook: PlaybookDep,
    now: Now, account: FormText = "", target: FormText = "new", opportunity_name: FormText = "",
    amount: FormText = "", expected_close_date: FormText = "", stage: FormText = "",
) -> Response:  # fmt: skip
    form = {
        "account": account, "target": target, "opportunity_name": opportunity_name,
        "amount": amount, "expected_close_date": expected_close_date, "stage": stage,
    }  # fmt: skip
    body = request_of(form, locale_of(request))
    try:
        result = conversion.convert(
            uow, lead_id=lead_id, request=body, actor=actor, playbook=playbook, now=now
        )
    except (Forbidden, AlreadyConverted):
        raise  # an error page; a converted lead's wizard then opens its opportunity
    except NotReadyToConvert:
        uow.session.rollback()
        return _wizard(request, uow, playbook, lead_id, form=form, errors={}, status=422)
    except BasculeError as exc:
        uow.session.rollback()  # nothing half-written is read back into the page
        errors = field_errors(exc, FIELDS)
        if expected_close_date.strip() and "expected_close_date" in errors:
            errors["expected_close_date"] = message("must be a date")  # typed, not a day
        return _wizard(request, uow, playbook, lead_id, form=form, errors=errors, status=422)
    uow.commit()
    return RedirectResponse(f"/opportunities/{result['opportunity_id']}", status_code=303)


def _wizard(
    request: Request, uow: UnitOfWork, playbook: Playbook, lead_id: int, *,
    form: dict[str, str] | None, errors: dict[str, str], status: int = 200,
) -> Response:  # fmt: skip
    lead = leads.get(uow, lead_id)
    seen = conversion_preview.preview(uow, lead=lead, playbook=playbook)
    if seen.conversion is not None:
        return RedirectResponse(f"/opportunities/{seen.conversion.opportunity_id}", 303)
    if form is None:
        account = seen.suggested_account_id
        form = {"account": str(account) if account else ("" if seen.accounts else "new"),
                "target": "new", "opportunity_name": "", "amount": "",
                "expected_close_date": "", "stage": playbook.conversion.default_stage}  # fmt: skip
    return render(
        request, "convert/wizard.html", playbook, lead=lead, preview=seen, form=form,
        errors=errors, missing_label=missing_label, status_code=status,
    )  # fmt: skip
