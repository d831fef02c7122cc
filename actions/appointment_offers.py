"""What the appointment actions (actions/appointments.py) show: which free slots are offered, the quick replies of
slots and appointments (their time, Paris time), one line per appointment, and an appointment as the answers say it
(when, how, with whom: for a meeting in the branch, which branch and where). Texts from the catalogue, in the
conversation's language; nothing here asks the core bank.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from actions.text.appointments import BANK_ZONE, fits, long_time, short_time
from actions.text.locale import Presentation
from bot.clock import utc_now

# The slots offered at once: at most PER_DAY a day, SHOWN in all (Messenger shows 13 quick replies at most).
SHOWN, PER_DAY = 8, 2


def choose(slots: list, when: Optional[str]) -> Tuple[list, bool]:
    """The slots to offer (one per start time, at most PER_DAY a day unless a weekday is asked for, SHOWN in all),
    on the day and within the hours asked for (`when`) when there are some then; and whether none fitted."""
    today = utc_now().astimezone(BANK_ZONE).date()
    wanted = [s for s in slots if fits(s.starts_at, when, today)]
    missed = bool(when) and not wanted
    # A weekday asked for, and found: that day's times, not two of them.
    a_day = SHOWN if wanted and any(part.isdigit() for part in (when or "").split()) else PER_DAY
    chosen, starts, per_day = [], set(), {}
    for slot in wanted or slots:
        day = slot.starts_at.astimezone(BANK_ZONE).date()
        if slot.starts_at in starts or per_day.get(day, 0) >= a_day:
            continue
        starts.add(slot.starts_at)
        per_day[day] = per_day.get(day, 0) + 1
        chosen.append(slot)
        if len(chosen) == SHOWN:
            break
    return chosen, missed


def slot_start(slot_id: str) -> datetime:
    """The start of a slot, from its id (`<advisor>@<YYYYMMDDTHHMM>Z`, UTC)."""
    return datetime.strptime(slot_id.rsplit("@", 1)[1], "%Y%m%dT%H%MZ").replace(tzinfo=timezone.utc)


def time_replies(shown_as: Presentation, items: Sequence[Any], slot: str,
                 value: Callable[[Any], str]) -> List[Dict[str, str]]:
    """A quick reply per free slot or appointment: its time as the title; a tap informs `slot` of its `value`."""
    return [{"title": short_time(shown_as, item.starts_at), "payload": f'/inform{{"{slot}":"{value(item)}"}}'}
            for item in items]


def channel_named(shown_as: Presentation, channel: Optional[str]) -> str:
    """ "by video call", "en agence"."""
    return shown_as.text(f"appointment.channel.{channel}")


def advisor_named(shown_as: Presentation, advisor: Any, channel: Optional[str]) -> str:
    """ "Claire Lefèvre", and for a meeting in the branch, which branch and where."""
    if channel == "branch" and advisor.branch is not None:
        return shown_as.text("appointment.advisor_at_branch", advisor=advisor.name, branch=advisor.branch.name,
                             address=advisor.branch.address)
    return shown_as.text("appointment.advisor", advisor=advisor.name)


def appointment_lines(shown_as: Presentation, appointments: Sequence[Any]) -> str:
    """The customer's appointments, one line each: when, how, with whom, and the reference."""
    return "\n".join(
        shown_as.text("appointment.line", moment=long_time(shown_as, a.starts_at),
                      channel=channel_named(shown_as, a.channel), advisor=a.advisor.name, reference=a.reference)
        for a in appointments
    )


def appointment_told(shown_as: Presentation, appointment: Any) -> Dict[str, str]:
    """An appointment booked or moved, as the answer says it: its reference, when, how and with whom."""
    return {"reference": appointment.reference, "moment": long_time(shown_as, appointment.starts_at),
            "channel": channel_named(shown_as, appointment.channel),
            "advisor": advisor_named(shown_as, appointment.advisor, appointment.channel)}
