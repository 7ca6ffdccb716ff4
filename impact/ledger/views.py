"""Payout follow-ups in the back office (/cms/impact/payouts/…): the list waiting, and the form.

Thin: the list reads ``followups.payouts_awaiting_follow_up``, the form calls
``followups.payout_follow_up_record``; who may is ``followups.follow_up_allowed``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.backoffice import forbidden_as_403, require_monitoring
from common.filters import filter_choice, filter_int, filter_page
from common.forms import form_add_errors
from producers.models import Producer

from ..models import Payout, PayoutFollowUp, Region
from ..monitoring.access import staff_scope
from . import followups


class PayoutFollowUpForm(forms.Form):
    result = forms.ChoiceField(
        label=gettext_lazy("Result"),
        choices=PayoutFollowUp.Result.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


@forbidden_as_403
def payout_follow_up_list(request: HttpRequest) -> HttpResponse:
    """Payouts in the staff member's area not yet confirmed: unverified, disputed, not reached."""
    user = require_monitoring(request.user)
    scope = staff_scope(user)
    if scope is None:
        raise PermissionDenied
    verification = (
        filter_choice(request.GET, "verification", [state.value for state in followups.AWAITING])
        or ""
    )
    producer_id = filter_int(request.GET, "producer")
    village_id = filter_int(request.GET, "village")
    payouts = followups.payouts_awaiting_follow_up(
        user=user, verification=verification, producer_id=producer_id, village_id=village_id
    )
    villages = scope.filter(
        Region.objects.filter(level=Region.Level.VILLAGE), "parent__parent_id"
    ).select_related("parent")
    producers = Producer.objects.filter(
        pk__in=followups.payouts_awaiting_follow_up(user=user).values("producer_id")
    )
    return render(
        request,
        "impact/admin/payout_follow_ups.html",
        {
            "page": Paginator(payouts, 50).get_page(filter_page(request.GET)),
            "states": [(state.value, state.label) for state in followups.AWAITING],
            "verification": verification,
            "producers": producers,
            "producer_id": producer_id,
            "villages": villages.order_by("parent__name", "name"),
            "village_id": village_id,
            "query": request.GET.copy().urlencode(),
        },
    )


@forbidden_as_403
def payout_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    """One payout, its follow-ups so far, and the form to record another."""
    user = require_monitoring(request.user)
    payout = get_object_or_404(
        Payout.objects.select_related("producer", "household__region", "recorded_by"), pk=pk
    )
    if not followups.follow_up_allowed(user, payout):
        raise PermissionDenied
    form = PayoutFollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            followups.payout_follow_up_record(
                payout=payout,
                result=form.cleaned_data["result"],
                note=form.cleaned_data["note"],
                by=user,
            )
        except ValidationError as exc:
            form_add_errors(form, exc)
        else:
            messages.success(request, _("Follow-up recorded."))
            return redirect("impact_payout_follow_ups")
    return render(
        request,
        "impact/admin/payout_follow_up.html",
        {
            "payout": payout,
            "follow_ups": payout.follow_ups.select_related("by"),
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )
