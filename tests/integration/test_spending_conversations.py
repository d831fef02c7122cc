"""End to end through every process: spending insights in Messenger, in English and in French. The summary comes as
text in the conversation's language and locale, and the chart as an image uploaded with its message to the Graph
API stand-in (multipart `filedata`: no URL anywhere). Periods are the seeded bank's: its history is dated relative
to the moment it was seeded, so "last month" and "the last 30 days" always hold spending."""
import re

import requests

from bot.core_bank.seed import DEMO_CUSTOMER_NUMBER, DEMO_PHONE
from tests.integration.test_french_conversations import CAMILLE, french_customer, in_french, verify_in_french
from tests.integration.test_service_conversations import joined, new_psid, verify_as
from tests.support.branch import Branch

PNG = b"\x89PNG\r\n\x1a\n"


def charts_to(branch: Branch, psid: str) -> list:
    """The images sent to `psid` with their file, as the stand-in recorded them, and their bytes."""
    found = []
    for body in branch.sent_to(psid):
        attachment = body["message"].get("attachment") or {}
        if attachment.get("type") == "image" and "filedata" in body:
            data = requests.get(f"{branch.standin_url}/_standin/attachments/{body['filedata']['attachment_id']}",
                                timeout=5)
            data.raise_for_status()
            found.append((body, data.content))
    return found


def test_where_did_my_money_go_last_month_in_english(branch: Branch):
    psid = new_psid()
    replies = branch.exchange(psid, "where did my money go last month?")
    assert "make sure it's really you" in joined(replies), replies
    verify_as(branch, psid, DEMO_CUSTOMER_NUMBER, DEMO_PHONE)

    everything = joined(branch.texts_to(psid))
    summary = re.search(r"Your spending, (\w+ \d{4}): €[\d,]+\.\d\d", everything)
    assert summary, everything
    assert re.search(r"• [^\n]+: €[\d,]+\.\d\d", everything)
    assert re.search(r"That's €[\d,]+\.\d\d (more|less) than |That's the same as |You spent nothing ", everything)

    [(body, png)] = charts_to(branch, psid)
    assert body["message"] == {"attachment": {"type": "image", "payload": {"is_reusable": False}}}
    assert body["filedata"]["content_type"] == "image/png" and png.startswith(PNG)
    assert "url" not in str(body["message"])

    # A total for one category is a search ("how much did I spend on restaurants": test_money_questions.py); a
    # breakdown over another period is a second chart.
    replies = branch.exchange(psid, "break down my spending by category over the last 30 days")
    assert re.search(r"Your spending, [^\n]+: €[\d,]+\.\d\d", joined(replies)), replies
    assert len(charts_to(branch, psid)) == 2


def test_mes_depenses_par_categorie_in_french(branch: Branch):
    psid = french_customer(branch)
    replies = branch.exchange(psid, "où part mon argent ? mes dépenses par catégorie du mois dernier")
    assert "m'assurer qu'il s'agit bien de vous" in in_french(replies), replies
    customer_number, phone = CAMILLE
    verify_in_french(branch, psid, customer_number, phone)

    everything = joined(branch.texts_to(psid))
    assert re.search(r"Vos dépenses, [a-zéû]+ \d{4} : [\d\u202f\u00a0 ]+,\d\d\u00a0€", everything), everything
    assert re.search(r"C'est [\d\u202f\u00a0 ]+,\d\d\u00a0€ de (plus|moins)|C'est autant|Vous n'aviez rien", everything)
    [(body, png)] = charts_to(branch, psid)
    assert body["filedata"]["content_type"] == "image/png" and png.startswith(PNG)
