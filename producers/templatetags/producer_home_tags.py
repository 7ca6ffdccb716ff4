"""{% producer_home_for request.user as home %}: the producer's to-do figures for its dashboard home."""

from typing import Any

from django import template
from django.utils import timezone

from producers.models import Producer
from producers.selectors import ProducerHome, producer_home

register = template.Library()


@register.simple_tag
def producer_home_for(user: Any) -> ProducerHome | None:
    """None for a user of no producer."""
    producer = (
        Producer.objects.filter(partner__users=user).select_related("partner").first()
        if user.is_authenticated
        else None
    )
    if producer is None:
        return None
    return producer_home(producer=producer, today=timezone.localdate())
