"""A campaign's state from the clock and the host (pure: no database)."""

import datetime

from cms.campaigns.state import CampaignState, campaign_state

START = datetime.datetime(2026, 6, 3, 15, 0, tzinfo=datetime.UTC)
END = START + datetime.timedelta(hours=2)
TICK = datetime.timedelta(microseconds=1)


def state(now, *, paused_at=None, ended_at=None):
    return campaign_state(
        starts_at=START, ends_at=END, paused_at=paused_at, ended_at=ended_at, now=now
    )


def test_upcoming_until_the_start_then_live_up_to_and_including_the_end_then_ended():
    assert state(START - TICK) == CampaignState.UPCOMING
    assert state(START) == CampaignState.LIVE
    assert state(END) == CampaignState.LIVE
    assert state(END + TICK) == CampaignState.ENDED


def test_paused_while_the_host_has_paused_but_ended_once_the_schedule_is_over():
    paused = START + datetime.timedelta(minutes=30)
    assert state(paused + TICK, paused_at=paused) == CampaignState.PAUSED
    assert state(END + TICK, paused_at=paused) == CampaignState.ENDED


def test_ended_from_the_moment_the_host_ends_early():
    ended = START + datetime.timedelta(minutes=45)
    assert state(ended - TICK, ended_at=ended) == CampaignState.LIVE
    assert state(ended, ended_at=ended) == CampaignState.ENDED


def test_states_have_chinese_labels():
    from django.utils import translation

    with translation.override("zh-hans"):
        assert [s.label for s in CampaignState] == ["即将开播", "直播中", "暂停中", "已结束"]
