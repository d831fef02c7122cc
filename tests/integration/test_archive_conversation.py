"""End to end: a Messenger conversation lands in the archive through Rasa's event broker, masked and chained.

The branch's Rasa server runs with `event_broker: bot.archive.broker.ArchiveEventBroker`
(tests/support/branch.py); the archive is checked with the real CLI, as a
compliance officer would run it.
"""
import json
import os
import sqlite3
import subprocess
import time
import uuid
from pathlib import Path
from typing import List, Tuple

from bot.core_bank.seed import DEMO_CUSTOMER_NUMBER, DEMO_PHONE
from tests.support.branch import Branch
from tests.support.processes import PROJECT_ROOT, python_module


def archived(branch: Branch, psid: str) -> List[Tuple[str, str, str, str]]:
    """(direction, kind, channel, text) of the conversation's archive rows, in chain order."""
    path = Path(branch.archive_database_url.removeprefix("sqlite:///"))
    if not path.exists():
        return []
    connection = sqlite3.connect(path)
    try:
        return connection.execute(
            "SELECT direction, kind, channel, text FROM archive_entries WHERE conversation_id = ? ORDER BY seq", (psid,)
        ).fetchall()
    except sqlite3.OperationalError:  # the broker has not created its tables yet
        return []
    finally:
        connection.close()


def wait_for_archived(branch: Branch, psid: str, expected_text: str, timeout: float = 30) -> list:
    """The writer thread appends shortly after Rasa published; wait until `expected_text` is there."""
    deadline = time.monotonic() + timeout
    rows = archived(branch, psid)
    while time.monotonic() < deadline and not any(expected_text in row[3] for row in rows):
        time.sleep(0.2)
        rows = archived(branch, psid)
    return rows


def archive_cli(branch: Branch, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ARCHIVE_DATABASE_URL": branch.archive_database_url,
           "CORE_BANKING_DATABASE_URL": f"sqlite:///{branch.logs.parent / 'core_bank.db'}"}
    return subprocess.run(python_module("bot", "archive", *args), cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_a_messenger_conversation_is_archived_masked_and_verifiable(branch: Branch):
    psid = f"psid-{uuid.uuid4().hex[:12]}"
    branch.exchange(psid, "what's my balance?")
    branch.exchange(psid, DEMO_CUSTOMER_NUMBER)
    code = branch.latest_code(DEMO_PHONE)
    replies = branch.exchange(psid, f"{code[:3]} {code[3:]}")
    assert any("you're verified" in reply for reply in replies), replies
    branch.exchange(psid, "my card number is 4970 1012 3456 7890")

    rows = wait_for_archived(branch, psid, "my card number is")

    inbound = [row[3] for row in rows if row[0] == "inbound"]
    outbound = [row[3] for row in rows if row[0] == "outbound"]
    assert inbound == ["what's my balance?", DEMO_CUSTOMER_NUMBER, "••••••", "my card number is •••• 7890"]
    assert any("customer number" in said for said in outbound)
    assert any("you're verified" in said for said in outbound)
    assert {row[2] for row in rows} == {"messenger"}
    assert ("system", "verified") in {(row[0], row[1]) for row in rows}
    every_text = json.dumps(rows)
    assert code not in every_text and "4970101234567890" not in every_text.replace(" ", "")

    verified = archive_cli(branch, "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "chain intact" in verified.stdout

    exported = archive_cli(branch, "export", "--customer", DEMO_CUSTOMER_NUMBER, "--since", "2026-01-01")
    assert exported.returncode == 0, exported.stderr
    lines = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [line["text"] for line in lines if line["conversation_id"] == psid and line["direction"] == "inbound"] \
        == inbound
    assert {line["customer"] for line in lines} == {DEMO_CUSTOMER_NUMBER}
