"""The producer's payout to-do on its dashboard home (issue #16). Thin: one selector."""

from typing import Any

from django import template
from django.utils import timezone

from impact.reporting.producer import ProducerPayoutTodo, producer_payout_todo
from producers.models import Producer

register = template.Library()


@register.simple_tag
def producer_payout_todo_for(user: Any) -> ProducerPayoutTodo | None:
    """{% producer_payout_todo_for request.user as todo %}: None for a user of no producer."""
    producer = (
        Producer.objects.filter(partner__users=user).first() if user.is_authenticated else None
    )
    if producer is None:
        return None
    return producer_payout_todo(producer=producer, today=timezone.localdate())
