"""Spending insights: where the customer's money went over a period, by category, beside the period before.

The core bank decides everything that is a rule (what counts as spending, the period and the previous one:
bot/core_bank/spending.py); this action only asks for it and writes it in the conversation's language and locale.

The answer is two messages:

1. a short text summary (`utter_spending_summary`): the total, the top categories with their amounts, the change
   against the previous period, and, when the customer named a category ("restaurants"), that category's line;
2. a chart, sent as a custom payload `{"spending_chart": {...}}` (bot/dialogue_signals.py SPENDING_CHART_KEY)
   that carries the chart's DATA only, already in the customer's words (category names, period labels, amounts
   written in their locale), never an image.

Where the chart is drawn (the decision): in the channel, in the Rasa server process, not here. The action server
stays thin (it imports the core bank's client only: tests/unit/test_process_boundaries.py) and never loads
matplotlib; the channel that knows how the image reaches the customer draws it (bot/channels/spending_chart.py,
matplotlib imported on the first chart only, Agg backend) and delivers it without any public URL:
- Messenger: the PNG is uploaded with the message itself (Send API, multipart `filedata`);
- web chat: a short-lived image URL that only the customer's own web chat session can open.
A channel that cannot show images shows the text summary alone, which says everything the chart shows.

The chart's title and labels hold nothing the customer does not see in the text (no name, no account number).
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Dict, List, Optional, Text

from babel.dates import format_date
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.bank_day import BANK_TIMEZONE, today
from actions.banking import INVALID_REQUEST, BankError, core_bank
from actions.identity import VERIFIED
from actions.text.locale import Presentation
from actions.text.numbers import fold
from actions.text.periods import Period, parse_period
from actions.transactions import _pick_account
from actions.verified import bank_trouble, request_entity, request_message, verified_session
from bot.dialogue_signals import SPENDING_CHART_KEY

REQUEST = "spending_insights"
TOP_IN_TEXT = 3  # categories named in the summary
TOP_IN_CHART = 8  # bars on the chart; the rest is not drawn (the total says it all)

# Words a customer may name a category with (folded: lower case, no accents), English and French. Matching only:
# what the customer reads comes from the catalogue (spending.category.<category>).
CATEGORY_WORDS: Dict[str, tuple] = {
    "groceries": ("groceries", "grocery", "supermarket", "supermarkets", "food shopping", "courses", "supermarche",
                  "alimentation"),
    "restaurants": ("restaurant", "restaurants", "eating out", "takeaway", "takeaways", "food delivery", "cafe",
                    "cafes", "bars", "resto", "restos"),
    "transport": ("transport", "transports", "taxi", "taxis", "uber", "fuel", "petrol", "train", "trains",
                  "essence", "carburant"),
    "housing": ("rent", "housing", "loyer", "loyers", "logement"),
    "bills": ("bills", "utilities", "factures", "charges"),
    "shopping": ("shopping", "shops", "achats", "magasins"),
    "leisure": ("leisure", "entertainment", "going out", "loisirs", "sorties", "abonnements", "subscriptions"),
    "health": ("health", "pharmacy", "doctor", "doctors", "sante", "pharmacie", "medecin"),
    "cash": ("cash", "atm", "withdrawals", "especes", "retraits", "liquide"),
}


def category_asked(text: str) -> Optional[str]:
    """The category a request names ("on restaurants", "en courses"), or None."""
    words = fold(text)
    for category, names in CATEGORY_WORDS.items():
        if any(re.search(rf"\b{re.escape(name)}\b", words) for name in names):
            return category
    return None


def whole_month(since: date, until: date, today: date) -> bool:
    """The period is one calendar month: all of it, or this month so far."""
    same_month = (since.year, since.month) == (until.year, until.month)
    return since.day == 1 and same_month and ((until + timedelta(days=1)).month != until.month or until == today)


def bank_period(period: Optional[Period], today: date) -> Dict[str, str]:
    """The query for the bank: a whole calendar month (this one: so far) as `month`, any other span as since/until,
    nothing at all as this month so far."""
    if period is None:
        return {}
    if whole_month(period.since, period.until, today):
        return {"month": period.since.strftime("%Y-%m")}
    return {"since": period.since.isoformat(), "until": period.until.isoformat()}


def period_label(shown_as: Presentation, since: date, until: date, today: date) -> str:
    """ "November 2026" for a whole month (or this month so far), else the days: "3–9 Nov 2026"."""
    if whole_month(since, until, today):
        return format_date(since, "LLLL y", locale=shown_as.date_locale)
    return shown_as.days(since, until)


def category_name(shown_as: Presentation, category: str) -> str:
    return shown_as.text_or(f"spending.category.{category}", category)


def _percent(shown_as: Presentation, value: Optional[Decimal]) -> str:
    if value is None:
        return ""
    return shown_as.text("spending.percent", percent=shown_as.number(abs(value).quantize(Decimal("1"))))


def summary(shown_as: Presentation, found: Any, asked: Optional[str], today: date) -> str:
    """The text: total, top categories, change against the previous period, the category asked for."""
    period = period_label(shown_as, found.period.since, found.period.until, today)
    previous = period_label(shown_as, found.previous_period.since, found.previous_period.until, today)
    money = lambda amount: shown_as.money(amount, found.currency)  # noqa: E731
    lines = [shown_as.text("spending.heading", period=period, total=money(found.total))]
    spent = [c for c in found.categories if c.total > 0]
    for category in spent[:TOP_IN_TEXT]:
        lines.append(shown_as.text("spending.line", category=category_name(shown_as, category.category),
                                   amount=money(category.total)))
    if found.previous_total == 0:
        lines.append(shown_as.text("spending.compared.nothing_before", previous_period=previous))
    elif found.change == 0:
        lines.append(shown_as.text("spending.compared.same", previous_period=previous))
    else:
        key = "spending.compared.more" if found.change > 0 else "spending.compared.less"
        lines.append(shown_as.text(key, change=money(abs(found.change)), previous_period=previous,
                                   previous_total=money(found.previous_total),
                                   percent=_percent(shown_as, found.change_percent)))
    if asked is not None:
        row = next((c for c in found.categories if c.category == asked), None)
        total, before = (row.total, row.previous_total) if row is not None else (Decimal("0"), Decimal("0"))
        lines.append(shown_as.text("spending.focus", category=category_name(shown_as, asked), amount=money(total),
                                   period=period, previous=money(before), previous_period=previous))
    return "\n".join(lines)


def chart(shown_as: Presentation, found: Any, today: date) -> Dict[str, Any]:
    """The chart's data, in the customer's words: what the channel draws (bot/channels/spending_chart.py)."""
    period = period_label(shown_as, found.period.since, found.period.until, today)
    previous = period_label(shown_as, found.previous_period.since, found.previous_period.until, today)
    drawn = [c for c in found.categories if c.total > 0 or c.previous_total > 0][:TOP_IN_CHART]
    return {
        "title": shown_as.text("spending.chart.title", period=period),
        "alt": shown_as.text("spending.chart.alt", period=period, total=shown_as.money(found.total, found.currency)),
        "series": [period, previous],
        "currency": found.currency,
        "language": shown_as.language,
        "categories": [
            {
                "name": category_name(shown_as, c.category),
                "total": str(c.total),
                "previous_total": str(c.previous_total),
                "total_shown": shown_as.money(c.total, found.currency),
            }
            for c in drawn
        ],
    }


class ActionShowSpending(Action):
    def name(self) -> Text:
        return "action_show_spending"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        session, events = verified_session(tracker, dispatcher, request=REQUEST)
        if session is None:
            return events
        done: List[EventType] = [SlotSet("identity", VERIFIED), SlotSet("pending_request", None)]
        asked_text, _ = request_message(tracker, REQUEST)
        day = today()
        period = parse_period(request_entity(tracker, REQUEST, "period") or asked_text, day)
        try:
            token = session.access_token
            account = _pick_account(await core_bank().accounts(token), request_entity(tracker, REQUEST, "account_type"))
            if account is None:
                dispatcher.utter_message(response="utter_no_accounts")
                return done
            customer = await core_bank().me(token)
            shown_as = Presentation.from_tracker(tracker, customer.locale)
            found = await core_bank().spending(token, account.account_id, **bank_period(period, day),
                                               time_zone=BANK_TIMEZONE)
        except BankError as error:
            if error.code == INVALID_REQUEST:  # a period the bank cannot show (not begun yet)
                dispatcher.utter_message(response="utter_spending_bad_period")
                return done
            return done + bank_trouble(tracker, dispatcher, error, REQUEST)
        if found.total == 0 and found.previous_total == 0:
            period_text = period_label(shown_as, found.period.since, found.period.until, day)
            dispatcher.utter_message(response="utter_no_spending", period=period_text)
            return done
        dispatcher.utter_message(response="utter_spending_summary",
                                 summary=summary(shown_as, found, category_asked(asked_text), day))
        if found.total > 0:
            dispatcher.utter_message(json_message={SPENDING_CHART_KEY: chart(shown_as, found, day)})
        return done
