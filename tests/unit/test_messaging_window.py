from datetime import datetime, timedelta, timezone

import pytest

from bot.channels.messenger.messaging_window import MessagingWindows, messaging_fields

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
RESPONSE = {"messaging_type": "RESPONSE"}
HUMAN_AGENT = {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}


@pytest.mark.parametrize("ago", [timedelta(0), timedelta(minutes=5), timedelta(hours=23, minutes=59), timedelta(hours=24)])
@pytest.mark.parametrize("from_staff", [False, True])
def test_within_24_hours_everyone_answers_as_a_response(ago, from_staff):
    assert messaging_fields(NOW - ago, NOW, from_staff) == RESPONSE


@pytest.mark.parametrize("ago", [timedelta(hours=24, seconds=1), timedelta(days=3), timedelta(days=7)])
def test_after_24_hours_only_staff_write_with_the_human_agent_tag(ago):
    assert messaging_fields(NOW - ago, NOW, from_staff=True) == HUMAN_AGENT
    assert messaging_fields(NOW - ago, NOW, from_staff=False) is None


@pytest.mark.parametrize("from_staff", [False, True])
def test_after_7_days_nobody_writes(from_staff):
    assert messaging_fields(NOW - timedelta(days=7, seconds=1), NOW, from_staff) is None
    assert messaging_fields(NOW - timedelta(days=30), NOW, from_staff) is None


def test_unknown_time_a_bot_reply_is_a_response_but_staff_may_not_write():
    assert messaging_fields(None, NOW, from_staff=False) == RESPONSE
    assert messaging_fields(None, NOW, from_staff=True) is None


def test_a_customer_clock_slightly_ahead_still_opens_the_window():
    assert messaging_fields(NOW + timedelta(seconds=3), NOW, from_staff=False) == RESPONSE


def test_times_in_another_timezone_compare_as_instants():
    paris = timezone(timedelta(hours=1))
    last = datetime(2026, 3, 9, 13, 30, tzinfo=paris)  # 12:30 UTC the day before: 23.5 hours ago
    assert messaging_fields(last, NOW, from_staff=False) == RESPONSE


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        messaging_fields(datetime(2026, 3, 10, 11, 0), NOW, from_staff=False)
    with pytest.raises(ValueError):
        messaging_fields(None, datetime(2026, 3, 10, 12, 0), from_staff=False)


async def test_the_store_keeps_the_latest_time_per_customer():
    windows = MessagingWindows()
    assert await windows.last_customer_message("psid-1") is None
    await windows.customer_wrote("psid-1", NOW)
    await windows.customer_wrote("psid-1", NOW - timedelta(hours=1))  # a late webhook of an older message
    await windows.customer_wrote("psid-2", NOW - timedelta(days=2))
    assert await windows.last_customer_message("psid-1") == NOW
    assert await windows.last_customer_message("psid-2") == NOW - timedelta(days=2)


async def test_the_store_is_bounded_and_forgets_who_wrote_least_recently():
    windows = MessagingWindows(max_customers=2)
    await windows.customer_wrote("a", NOW)
    await windows.customer_wrote("b", NOW)
    await windows.customer_wrote("a", NOW + timedelta(minutes=1))  # a wrote again: b is now the oldest
    await windows.customer_wrote("c", NOW)
    assert len(windows) == 2
    assert await windows.last_customer_message("b") is None
    assert await windows.last_customer_message("a") == NOW + timedelta(minutes=1)
    assert await windows.last_customer_message("c") == NOW


async def test_the_store_refuses_naive_times():
    with pytest.raises(ValueError):
        await MessagingWindows().customer_wrote("a", datetime(2026, 3, 10, 12, 0))
