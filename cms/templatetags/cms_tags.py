from django import template

from cms.campaigns.services import campaign_state_now
from cms.campaigns.state import CampaignState
from cms.models import CampaignPage

register = template.Library()


@register.simple_tag
def campaign_state(campaign: CampaignPage) -> CampaignState:
    """The campaign's state now (its ``live_state`` is read from ``select_related``)."""
    return campaign_state_now(campaign=campaign)
