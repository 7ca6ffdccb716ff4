"""A campaign's state from the clock and the host: a pure function over plain data."""

from __future__ import annotations

import datetime
from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class CampaignState(StrEnum):
    UPCOMING = "upcoming"
    LIVE = "live"
    PAUSED = "paused"
    ENDED = "ended"

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self])


STATE_LABELS = {
    CampaignState.UPCOMING: _("Stream upcoming"),
    CampaignState.LIVE: _("Stream live"),
    CampaignState.PAUSED: _("Stream paused"),
    CampaignState.ENDED: _("Stream ended"),
}


def campaign_state(
    *,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    paused_at: datetime.datetime | None,
    ended_at: datetime.datetime | None,
    now: datetime.datetime,
) -> CampaignState:
    """Upcoming before ``starts_at``; live from ``starts_at`` up to and including ``ends_at``
    (the same bounds as Oscar's offer dates, so the campaign price applies exactly
    while the state is live); paused while the host has paused; ended after
    ``ends_at``, or from the moment the host ended the stream early."""
    if ended_at is not None and now >= ended_at:
        return CampaignState.ENDED
    if now > ends_at:
        return CampaignState.ENDED
    if now < starts_at:
        return CampaignState.UPCOMING
    if paused_at is not None:
        return CampaignState.PAUSED
    return CampaignState.LIVE
