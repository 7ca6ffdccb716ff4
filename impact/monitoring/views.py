"""The monitoring back office inside Wagtail admin (/cms/impact/…): households, clues, imports.

Every query goes through the staff member's county scope
(``access.households_visible_to`` / ``access.clues_visible_to``), so a county's
staff never read another county's households, whatever URL they type.
"""

import datetime
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.forms import BaseForm, ChoiceField
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.backoffice import forbidden_as_403, require_monitoring, require_permission
from common.filters import filter_choice, filter_int, filter_page, filter_year
from common.forms import form_save, messages_add_errors
from common.masking import mask_id_numbers
from common.spreadsheets import ImportFileError

from ..ledger import payouts, selectors
from ..ledger.followups import disputed_payouts
from ..models import WARNING_LEVELS, Clue, Household, MonitoringSettings, Region
from . import access, clues, households, notices, search
from .forms import (
    ClueAdvanceForm,
    ExpenditureForm,
    HelpMeasureForm,
    HouseholdEditForm,
    ImportForm,
    IncomeForm,
    NoticeContactForm,
    NoticeListForm,
    RevealForm,
)
from .history import household_history
from .imports import KINDS, impact_import
from .pii import pii_hash
from .rules import Level

# The household list's filters: none of them personal data, so they may stay in the URL.
HOUSEHOLD_FILTERS = ("county", "township", "level", "kind", "overdue")


def _household_search_posted(request: HttpRequest) -> HttpResponse:
    """The search form, posted: the term kept in the session, the list shown under a token.

    The URL carries the filters and an opaque token, never the term (see ``search``).
    """
    params = QueryDict(mutable=True)
    for name in HOUSEHOLD_FILTERS:
        value = request.POST.get(name, "").strip()
        if value:
            params[name] = value
    term = request.POST.get("q", "").strip()
    if term:
        params["s"] = search.household_search_remember(session=request.session, term=term)
    elif request.POST.get("s", "").strip():  # new filters on the search already shown
        params["s"] = request.POST["s"].strip()
    return redirect(reverse("impact_households") + (f"?{params.urlencode()}" if params else ""))


@forbidden_as_403
def household_list(request: HttpRequest) -> HttpResponse:
    require_monitoring(request.user)
    if request.method == "POST":
        return _household_search_posted(request)
    if "q" in request.GET:
        # A term typed into an address (an old bookmark): not used, and not carried on.
        kept = request.GET.copy()
        del kept["q"]
        messages.warning(request, _("Search terms are not taken from the address: use the form."))
        return redirect(reverse("impact_households") + (f"?{kept.urlencode()}" if kept else ""))
    visible = access.households_visible_to(user=request.user).select_related(
        "region__parent", "county", "status__assessment"
    )
    counties = access.counties_visible_to(user=request.user)
    params = request.GET
    county, township = filter_int(params, "county"), filter_int(params, "township")
    level = filter_choice(params, "level", [value for value, _label in WARNING_LEVELS])
    kind = filter_choice(params, "kind", Household.Kind.values)
    if county is not None:
        visible = visible.filter(county_id=county)
    if township is not None:
        visible = visible.filter(region__parent_id=township)
    if level is not None:
        visible = visible.filter(status__level=int(level))
    if kind is not None:
        visible = visible.filter(kind=kind)
    if params.get("overdue"):
        visible = visible.filter(
            clues__stage__in=[
                Clue.Stage.OPEN,
                Clue.Stage.VERIFIED,
                Clue.Stage.NOTICE,
                Clue.Stage.TOWNSHIP,
            ],
            clues__due_at__lt=timezone.now(),
        ).distinct()
    token = params.get("s", "")
    query, fresh = search.household_search_recall(session=request.session, token=token)
    if token and query is None:
        messages.warning(request, _("That search has expired: search again."))
    if query:
        # by household code, or by the exact ID number through its keyed hash
        visible = visible.filter(Q(code__icontains=query) | Q(id_number_hash=pii_hash(query)))
    page = Paginator(visible.order_by("code"), 50).get_page(filter_page(params, "p"))
    if fresh and page.paginator.count == 1:
        # a new search that found exactly one household: its page
        return redirect("impact_household", pk=page.object_list[0].pk)
    unsearched = params.copy()
    unsearched.pop("s", None)
    unsearched.pop("p", None)
    townships = Region.objects.filter(parent__in=counties, level=Region.Level.TOWNSHIP).order_by(
        "name"
    )
    return render(
        request,
        "impact/admin/household_list.html",
        {
            "page": page,
            "counties": counties,
            "townships": townships,
            "levels": WARNING_LEVELS,
            "kinds": Household.Kind.choices,
            "params": params,
            # the term searched for, shown with any ID number in it masked; never in a URL
            "query": mask_id_numbers(query) if query else "",
            "search_token": token if query else "",
            "unsearched": unsearched.urlencode(),
        },
    )


def _household(request: HttpRequest, pk: int, *, change: bool = False) -> Household:
    """The household, for staff of its county (refusals logged); with ``change``, for staff who may edit."""
    staff = require_monitoring(request.user)
    household = access.household_get_for_user(user=staff, pk=pk, path=request.path)
    if change:
        require_permission(request.user, "impact.change_household")
    return household


def _household_context(request: HttpRequest, household: Household, **extra: Any) -> dict[str, Any]:
    attributions = Paginator(selectors.household_attributions(household=household), 50)
    return {
        "household": household,
        "attributions": attributions.get_page(filter_page(request.GET, "attributions")),
        "attributed_years": selectors.household_attributed_by_year(household=household),
        "income_sources": [
            selectors.INCOME_SOURCE_LABELS[source] for source in selectors.INCOME_SOURCES
        ],
        "level_changes": selectors.household_sales_level_changes(household=household),
        **_payout_year_context(request, household),
        "payout_balances": payouts.household_payouts_by_producer(household=household),
        "payout_total": payouts.household_payout_balance(household=household),
        "assessments": household.assessments.order_by("-assessed_at", "-pk")[:24],
        "incomes": household.incomes.order_by("-year"),
        "expenditures": household.expenditures.order_by("-date"),
        "clues": household.clues.prefetch_related("steps__by").order_by("-opened_at"),
        "measures": household.measures.order_by("-started"),
        "targets": household.targets.select_related("included_by", "eliminated_by", "clue"),
        "can_reveal": request.user.has_perm("impact.reveal_personal_data"),
        "reveal_form": RevealForm(),
        "measure_form": HelpMeasureForm(initial={"started": timezone.localdate()}),
        "income_form": IncomeForm(initial={"year": timezone.localdate().year}),
        "expenditure_form": ExpenditureForm(
            household=household, initial={"date": timezone.localdate()}
        ),
        "can_change": request.user.has_perm("impact.change_household"),
        "levels": {level.value: level for level in Level},
        "history": household_history(household=household),
        # Payouts the household disputes (issue #16); they count for nothing until resolved.
        "disputed_payouts": disputed_payouts(household_id=household.pk),
        **extra,
    }


def _payout_year_context(request: HttpRequest, household: Household) -> dict[str, Any]:
    """Due, paid out, outstanding and disputed for the year chosen with ``?payout_year=``."""
    years = selectors.household_payout_years(household=household)
    this_year = timezone.localdate().year
    wanted = filter_year(request.GET, "payout_year")
    year = wanted if wanted in years else None
    if year is None:
        year = this_year if this_year in years or not years else years[0]
    return {
        "payout_years": years,
        "payout_year": selectors.household_payout_year(household=household, year=year),
    }


def _household_form_saved(
    request: HttpRequest,
    household: Household,
    form_name: str,
    form: BaseForm,
    save: Callable[[dict[str, Any]], object],
    *,
    done: str,
    section: str,
) -> HttpResponse:
    """A form of the household page, posted: once saved, back to its section; else the page, 400."""
    if form_save(request, form, save, done):
        return redirect(reverse("impact_household", args=[household.pk]) + f"#{section}")
    context = _household_context(request, household, **{form_name: form})
    return render(request, "impact/admin/household_detail.html", context, status=400)


@forbidden_as_403
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    return render(
        request, "impact/admin/household_detail.html", _household_context(request, household)
    )


@forbidden_as_403
@require_POST
def household_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    staff = require_monitoring(request.user)
    household = _household(request, pk)
    form = RevealForm(request.POST)
    revealed = None
    if form.is_valid():
        try:
            revealed = access.household_reveal_id_number(
                user=staff, household=household, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error("reason", exc)
    context = _household_context(request, household, reveal_form=form, revealed=revealed)
    response = render(request, "impact/admin/household_detail.html", context)
    response["Cache-Control"] = "no-store"
    return response


@forbidden_as_403
@require_POST
def household_add_measure(request: HttpRequest, pk: int) -> HttpResponse:
    staff = require_monitoring(request.user)
    household = _household(request, pk)
    return _household_form_saved(
        request,
        household,
        "measure_form",
        HelpMeasureForm(request.POST),
        lambda data: clues.help_measure_record(household=household, by=staff, **data),
        done=_("Help measure recorded."),
        section="measures",
    )


@forbidden_as_403
def clue_queue(request: HttpRequest) -> HttpResponse:
    """The clues in review in the staff member's area: overdue ones counted and flagged."""
    require_monitoring(request.user)
    queue = access.clues_visible_to(user=request.user).exclude(stage__in=Clue.CLOSED)
    now = timezone.now()
    counts = queue.aggregate(total=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)))
    level = access.staff_level(request.user)
    if request.GET.get("overdue"):
        queue = queue.filter(due_at__lt=now)
    if request.GET.get("mine") and level is not None:
        queue = queue.filter(
            stage__in=[stage for stage, at in clues.PENDING_LEVEL.items() if at == level]
        )
    page = Paginator(queue.order_by("due_at", "pk"), 50).get_page(filter_page(request.GET, "p"))
    for clue in page:
        clue.deadline = clues.clue_deadline(clue=clue, now=now)  # type: ignore[attr-defined]
    return render(
        request,
        "impact/admin/clue_queue.html",
        {
            "page": page,
            "counts": counts,
            "staff_level": Region.Level(level).label if level else None,
            "params": request.GET,
            "levels": {lv.value: lv for lv in Level},
        },
    )


@forbidden_as_403
def clue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One clue: where its review stands, who did each step, and the steps this user may take."""
    staff = require_monitoring(request.user)
    clue = (
        access.clues_visible_to(user=staff)
        .select_related("household__region__parent", "declaration__village")
        .filter(pk=pk)
        .first()
    )
    if clue is None:
        raise PermissionDenied
    moves = []
    for stage in clues.TRANSITIONS[clue.stage]:
        problems = clues.clue_actor_problems(clue=clue, to_stage=stage, by=staff)
        moves.append((Clue.Stage(stage), problems))
    allowed = [(stage.value, stage.label) for stage, problems in moves if not problems]
    form = ClueAdvanceForm()
    cast(ChoiceField, form.fields["stage"]).choices = allowed
    return render(
        request,
        "impact/admin/clue_detail.html",
        {
            "clue": clue,
            "village": clues.clue_village(clue),
            "deadline": clues.clue_deadline(clue=clue),
            "steps": clue.steps.select_related("by").order_by("at", "pk"),
            "step_levels": {
                stage: Region.Level(level).label for stage, level in clues.STEP_LEVEL.items()
            },
            "moves": moves,
            "form": form if allowed else None,
            "staff_level": access.staff_level(staff),
            "notice_days": MonitoringSettings.load().notice_days,
        },
    )


@forbidden_as_403
@require_POST
def clue_advance(request: HttpRequest, pk: int) -> HttpResponse:
    staff = require_monitoring(request.user)
    clue = access.clues_visible_to(user=request.user).filter(pk=pk).first()
    if clue is None:
        raise PermissionDenied
    form = ClueAdvanceForm(request.POST)
    if form.is_valid():
        try:
            clues.clue_advance(
                clue=clue,
                to_stage=form.cleaned_data["stage"],
                by=staff,
                note=form.cleaned_data["note"],
                notice_from=form.cleaned_data["notice_from"],
                target_type=form.cleaned_data["target_type"] or None,
            )
        except ValidationError as exc:
            messages_add_errors(request, exc)
        else:
            messages.success(request, _("Clue moved on."))
    else:
        messages.error(request, _("Choose a stage."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("impact_clue", args=[clue.pk])
    return redirect(target)


def _notice_villages(user: Any) -> Any:
    """The villages a staff member may print notice lists for: those in their area."""
    scope = access.staff_scope(user)
    if scope is None:
        return Region.objects.none()
    villages = Region.objects.filter(level=Region.Level.VILLAGE).select_related("parent__parent")
    if scope.county_ids is not None:
        villages = villages.filter(parent__parent_id__in=scope.county_ids)
    if scope.area is not None:
        level, area_pk = scope.area
        villages = (
            villages.filter(pk=area_pk)
            if level == "village"
            else villages.filter(parent_id=area_pk)
        )
    return villages.order_by("parent__parent__name", "parent__name", "name")


def _notice_for(request: HttpRequest) -> tuple[NoticeListForm, notices.NoticeList | None]:
    staff = require_monitoring(request.user)
    villages = _notice_villages(staff)
    today = timezone.localdate()
    wanted = filter_int(request.GET, "village")
    if wanted is not None and not villages.filter(pk=wanted).exists():
        raise PermissionDenied  # a village outside the staff member's area
    start, end = today - datetime.timedelta(days=30), today
    data: Any = request.GET
    if not request.GET:
        only = villages.first() if villages.count() == 1 else None
        if only is None:
            return NoticeListForm(villages=villages, initial={"start": start, "end": end}), None
        data = {"village": str(only.pk), "start": start.isoformat(), "end": end.isoformat()}
    form = NoticeListForm(data, villages=villages)
    if not form.is_valid():
        return form, None
    village = form.cleaned_data["village"]
    if not access.staff_covers(staff, village):  # the form's choices already say so
        raise PermissionDenied
    try:
        notice = notices.notice_list(
            village=village, start=form.cleaned_data["start"], end=form.cleaned_data["end"]
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return form, None
    return form, notice


@forbidden_as_403
def notice_list(request: HttpRequest) -> HttpResponse:
    """The village notice list (公示名单), ready to print (A4), with a PDF download."""
    form, notice = _notice_for(request)
    intro, objections = notices.notice_texts(notice) if notice is not None else ("", "")
    contact_form = (
        NoticeContactForm(
            initial={"contact": notice.village.notice_contact, "phone": notice.village.notice_phone}
        )
        if notice is not None
        else None
    )
    return render(
        request,
        "impact/admin/notice_list.html",
        {
            "form": form,
            "notice": notice,
            "intro": intro,
            "objections": objections,
            "contact_form": contact_form,
            "query": request.GET.urlencode(),
        },
        status=200 if request.method == "GET" and (notice or not request.GET) else 400,
    )


@forbidden_as_403
def notice_list_pdf(request: HttpRequest) -> HttpResponse:
    _form, notice = _notice_for(request)
    if notice is None:
        messages.error(request, _("Choose a village and a period."))
        return redirect(reverse("impact_notice_list") + "?" + request.GET.urlencode())
    try:
        pdf = notices.notice_pdf(notice)
    except ValidationError as exc:
        messages_add_errors(request, exc)
        return redirect(reverse("impact_notice_list") + "?" + request.GET.urlencode())
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"notice-{notice.village.code or notice.village.pk}-{notice.start}-{notice.end}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@forbidden_as_403
@require_POST
def notice_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """Set who takes objections to a village's notices: staff of an area covering the village."""
    staff = require_monitoring(request.user)
    village = Region.objects.filter(pk=pk, level=Region.Level.VILLAGE).first()
    if (
        village is None
        or access.staff_level(staff) is None
        or not access.staff_covers(staff, village)
    ):
        raise PermissionDenied
    form = NoticeContactForm(request.POST)
    if form.is_valid():
        try:
            notices.village_notice_contact_set(
                village=village,
                contact=form.cleaned_data["contact"],
                phone=form.cleaned_data["phone"],
            )
        except ValidationError as exc:
            messages_add_errors(request, exc)
        else:
            messages.success(request, _("Contact for objections saved."))
    else:
        messages.error(request, _("Give the contact's name and phone."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("impact_notice_list") + f"?village={village.pk}"
    return redirect(target)


@forbidden_as_403
def data_import(request: HttpRequest) -> HttpResponse:
    """Staff upload the same files `impact_import` reads: all rows or none."""
    require_permission(request.user, "impact.add_household")
    form = ImportForm(request.POST or None, request.FILES or None, kinds=KINDS)
    result = None
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
            handle.flush()
            try:
                result = impact_import(
                    kind=form.cleaned_data["kind"],
                    path=handle.name,
                    dry_run=form.cleaned_data["dry_run"],
                    user=request.user,
                )
            except (ImportFileError, ValueError) as exc:
                form.add_error("file", str(exc))
        if result is not None and not result.ok:
            status = 400
    elif request.method == "POST":
        status = 400
    return render(
        request, "impact/admin/import.html", {"form": form, "result": result}, status=status
    )


@forbidden_as_403
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a household's facts; screening re-assesses it once saved."""
    household = _household(request, pk, change=True)
    form = HouseholdEditForm(request.POST or None, instance=household)
    if request.method == "POST" and form_save(
        request,
        form,
        lambda data: households.household_update(household=household, **data),
        _("Household saved; it will be re-assessed."),
    ):
        return redirect("impact_household", pk=household.pk)
    household.refresh_from_db()
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "impact/admin/household_edit.html",
        {"household": household, "form": form},
        status=status,
    )


@forbidden_as_403
@require_POST
def household_add_income(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk, change=True)
    return _household_form_saved(
        request,
        household,
        "income_form",
        IncomeForm(request.POST),
        lambda data: households.income_record_save(household=household, **data),
        done=_("Income recorded; the household will be re-assessed."),
        section="incomes",
    )


@forbidden_as_403
@require_POST
def household_add_expenditure(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk, change=True)
    return _household_form_saved(
        request,
        household,
        "expenditure_form",
        ExpenditureForm(request.POST, household=household),
        lambda data: households.expenditure_record(household=household, **data),
        done=_("Expenditure recorded; the household will be re-assessed."),
        section="expenditures",
    )


@forbidden_as_403
@require_POST
def expenditure_resolve(request: HttpRequest, pk: int, expenditure_pk: int) -> HttpResponse:
    household = _household(request, pk, change=True)
    expenditure = household.expenditures.filter(pk=expenditure_pk).first()
    if expenditure is None:
        raise Http404
    households.expenditure_resolve(expenditure=expenditure)
    messages.success(request, _("Marked resolved; the household will be re-assessed."))
    return redirect(reverse("impact_household", args=[household.pk]) + "#expenditures")
