"""No one-time code and no card number is kept in clear: databases, tracker, logs."""
import re
import sqlite3
import uuid
from pathlib import Path
from typing import Dict, List

from actions.text.locale import Presentation
from bot.channels.messenger.routing import META_PAGE_INBOX_APP_ID
from bot.devtools.graph_rules import DEFAULT_APP_ID
from tests.support.branch import Branch

CARD_TYPED = "4970 1012 3456 7890"
# 13-19 digits standing alone: not the decimals of a number ("0.9993663333662716": NLU confidences),
# not inside a hex digest or an id ("m_test_3_1732384512123456789": these tests' mids end in a clock).
CARD_NUMBER = re.compile(rb"(?<![\w.])(?:\d[ -]?){12,18}\d(?![\w.])")
# Meta's app ids have as many digits and are no secret: the channel logs who passed a thread to whom.
APP_IDS = {DEFAULT_APP_ID.encode(), META_PAGE_INBOX_APP_ID.encode()}


def card_numbers(content: bytes) -> List[bytes]:
    return [found for found in CARD_NUMBER.findall(content) if found not in APP_IDS]


def values_in(database: Path) -> List[bytes]:
    """Every value of every row of every table, each on its own (digits of two columns never join)."""
    connection = sqlite3.connect(database)
    try:
        tables = [row[0] for row in connection.execute("select name from sqlite_master where type = 'table'")]
        return [str(value).encode() for table in tables
                for row in connection.execute(f'select * from "{table}"') for value in row if value is not None]
    finally:
        connection.close()


def everything_written(branch: Branch) -> Dict[Path, List[bytes]]:
    """What the processes wrote: database values, and the raw bytes of every other file (logs)."""
    workdir = branch.logs.parent
    written: Dict[Path, List[bytes]] = {}
    for path in workdir.rglob("*"):
        if not path.is_file() or path.suffix in (".db-journal", ".db-wal", ".db-shm"):
            continue
        written[path] = values_in(path) if path.suffix == ".db" else [path.read_bytes()]
    return written


def test_a_verified_card_block_leaves_no_code_and_no_card_number_at_rest(branch: Branch):
    psid = f"psid-{uuid.uuid4().hex[:12]}"
    branch.exchange(psid, "I lost my card")
    branch.exchange(psid, "100003")  # Tom
    code = branch.latest_code("+33611223344")
    replies = branch.exchange(psid, f"it's {code}")
    assert any("you're verified" in r for r in replies), replies
    replies = branch.exchange(psid, f"the one ending 2267, the number is {CARD_TYPED}")
    assert any("is blocked" in r for r in replies), replies

    written = everything_written(branch)
    assert any(path.name == "tracker.db" for path in written)
    for path, contents in written.items():
        for content in contents:
            # Standing alone: the code's six digits can sit inside a timestamp ("1796577028.3967779").
            assert not standalone(code).search(content), f"the code is in {path}"
            assert CARD_TYPED.replace(" ", "").encode() not in content.replace(b" ", b""), f"the card is in {path}"
            found = card_numbers(content)
            assert not found, f"{path} holds what looks like a card number: {found[:3]}"


CARD_WITH_DOTS = "4970.1012.3456.7891"


def without_separators(content: bytes) -> bytes:
    return re.sub(rb"[ .\-/]", b"", content)


def test_codes_and_a_card_typed_with_separators_leave_nothing_at_rest(branch: Branch):
    camille = ("100002", "+33698765432")
    psid = f"psid-{uuid.uuid4().hex[:12]}"
    branch.exchange(psid, "please send 20€ to +33 6 11 22 33 44")
    assert any("sent a 6-digit code" in r for r in branch.exchange(psid, camille[0]))
    login_code = branch.latest_code(camille[1])
    typed_login = f"{login_code[:3]}.{login_code[3:]}"
    replies = branch.exchange(psid, typed_login)
    assert any("you're verified" in r for r in replies), replies

    # A card number typed as the payee: not a phone number, and never said back (digits are no name).
    replies = branch.exchange(psid, f"no wait, to {CARD_WITH_DOTS} instead")
    assert any("can't find that name" in r for r in replies) and not any("7891" in r for r in replies), replies
    replies = branch.exchange(psid, "+33 6 11 22 33 44")
    twenty = Presentation.of("en", branch.slots(psid)["locale"]).money("20.00")  # in the conversation's locale
    assert any(f"Send {twenty} to" in r for r in replies), replies
    assert any("I've sent a code" in r for r in branch.tap(psid, "Yes, send it"))
    transfer_code = branch.latest_code(camille[1])
    typed_transfer = "-".join(transfer_code)  # 4-1-2-6-1-2
    replies = branch.exchange(psid, typed_transfer)
    assert any("Sent ✅" in r for r in replies), replies

    # Standing alone: six digits inside a longer number (a timestamp's) are not a code someone typed.
    secrets = [standalone(text) for text in (login_code, typed_login, transfer_code, typed_transfer, CARD_WITH_DOTS)]
    written = everything_written(branch)
    for path, contents in written.items():
        for content in contents:
            found = [pattern.pattern for pattern in secrets if pattern.search(content)]
            assert not found, f"{path} holds {found}"
            assert CARD_WITH_DOTS.replace(".", "").encode() not in without_separators(content), f"the card is in {path}"


def standalone(text: str) -> "re.Pattern[bytes]":
    return re.compile(rb"(?<![\d.])" + re.escape(text.encode()) + rb"(?![\d])")
