"""README screenshots of the bank site's web chat and the staff console, taken from the real branch.

    .venv/bin/python -m tests.support.screenshots            # writes docs/site.png, docs/console-*.png

Not a test (pytest does not collect it). It starts the branch as the browser tests do
(tests/support/stack.py, temporary databases, free ports), creates an advisor with
`python -m bot staff add`, and drives Debian's chromium (scripts/ensure-chromium) with Playwright:
a customer asks the widget for help and the loans; a Messenger customer (signed webhooks) is not
understood twice and accepts an advisor; another web chat customer checks the balance with the SMS
code and asks for a person; the advisor logs in, sees both waiting,
takes the web chat and replies. Everything shown is the seeded demo bank: no real data, and the one
time code shows masked in the console. The one thing arranged: the Messenger request is dated 42
minutes back in the temporary database, so the queue shows how an overdue row looks (SLA 30 min).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy import update

from bot.branch_db import session_factory
from bot.core_bank.seed import DEMO_CUSTOMER_NUMBER, DEMO_PHONE
from bot.handoff.models import Handoff
from tests.e2e.conftest import CHROMIUM_ARGS
from tests.support.branch import MODEL
from tests.support.processes import PROJECT_ROOT
from tests.support.stack import Stack as SandboxBranch
from tests.support.stack import running_stack as running_sandbox_branch

REPLY_MS = 30_000
DOCS = PROJECT_ROOT / "docs"
ADVISOR, ADVISOR_NAME = "camille", "Camille Roche"
ADVISOR_PASSWORD = "screenshots only, temporary database"  # the account lives in a temporary database


def _say(page: Page, text: str) -> None:
    page.locator("#web-chat-input").fill(text)
    page.locator("#web-chat-input").press("Enter")
    expect(page.locator("#web-chat-thread .msg.user").last).to_have_text(text)


def _bot_says(page: Page, text: str) -> None:
    expect(page.locator("#web-chat-thread .msg.bot").filter(has_text=text).first).to_be_visible(timeout=REPLY_MS)


def _add_advisor(sandbox: SandboxBranch) -> None:
    subprocess.run(
        [sys.executable, "-m", "bot", "staff", "add", ADVISOR, "--name", ADVISOR_NAME, "--password-stdin"],
        input=ADVISOR_PASSWORD + "\n", text=True, check=True, cwd=PROJECT_ROOT,
        env={**os.environ, **sandbox.env}, stdout=subprocess.DEVNULL,
    )


def _open_chat(page: Page, sandbox: SandboxBranch) -> None:
    page.goto(f"{sandbox.web_url}/")
    page.get_by_role("button", name="Chat with us").click()
    expect(page.locator("#web-chat-status")).to_have_text("online", timeout=REPLY_MS)


def _customer_on_the_site(page: Page, sandbox: SandboxBranch, out: Path) -> None:
    """The site with the widget open: the help answer, a quick reply tapped, the loans carousel."""
    _open_chat(page, sandbox)
    _say(page, "hi")
    expect(page.locator("#web-chat-thread .msg.bot").first).to_be_visible(timeout=REPLY_MS)
    _say(page, "what can you do?")
    chips = page.locator("#web-chat-quick-replies .quick-reply")
    expect(chips.filter(has_text="Loans")).to_be_visible(timeout=REPLY_MS)
    chips.filter(has_text="Loans").click()
    expect(page.locator("#web-chat-thread .carousel .card")).to_have_count(3, timeout=REPLY_MS)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(out / "site.png"))


def _customer_asking_for_a_person(page: Page, sandbox: SandboxBranch) -> None:
    """Another web chat customer checks the balance with the SMS code, then asks for a person."""
    _open_chat(page, sandbox)
    _say(page, "what's my balance?")
    _bot_says(page, "customer number")
    _say(page, DEMO_CUSTOMER_NUMBER)
    _bot_says(page, "sent a 6-digit code")
    _say(page, sandbox.branch.latest_code(DEMO_PHONE))
    _bot_says(page, "Here are your balances")
    _say(page, "talk to a human")
    _bot_says(page, "passing you to an advisor")


def _messenger_customer_waiting_for_42_minutes(sandbox: SandboxBranch) -> None:
    """A Messenger customer the bot did not understand twice, who then accepted an advisor."""
    psid = "screenshot-messenger-customer"
    sandbox.branch.exchange(psid, "what's the weather in Paris")
    sandbox.branch.exchange(psid, "do you like pizza")
    sandbox.branch.tap(psid, "Talk to an advisor")
    sessions = session_factory(sandbox.branch.branch_database_url)
    with sessions.begin() as session:
        row = session.query(Handoff).filter(Handoff.conversation_id == psid).one()
        session.execute(update(Handoff).where(Handoff.id == row.id)
                        .values(requested_at=row.requested_at - timedelta(minutes=42)))


def _advisor_in_the_console(page: Page, sandbox: SandboxBranch, out: Path) -> None:
    page.goto(f"{sandbox.web_url}/console/")
    page.get_by_label("Username").fill(ADVISOR)
    page.get_by_label("Password").fill(ADVISOR_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    rows = page.locator("#queue-rows tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#queue-status")).to_contain_text("Updated", timeout=REPLY_MS)  # the live refresh ran
    page.screenshot(path=str(out / "console-queue.png"))

    rows.filter(has_text="Web chat").get_by_role("button", name="Take").click()
    expect(page.get_by_role("heading", name="Conversation")).to_be_visible()
    page.get_by_label("Your reply").fill(
        "Hello Alex, I'm Camille from the branch. I can see your balances above: what can I do for you?")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status")).to_have_text("Your message was sent.")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(out / "console-conversation.png"), full_page=True)


def take_screenshots(out: Path) -> None:
    if not MODEL.exists():
        raise SystemExit(f"{MODEL} is missing: run `make train` first")
    executable = shutil.which("chromium")
    if executable is None:
        raise SystemExit("Debian's chromium is missing: run scripts/ensure-chromium")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="branch-screenshots-") as workdir, \
            running_sandbox_branch(Path(workdir)) as sandbox, sync_playwright() as driver:
        _add_advisor(sandbox)
        browser = driver.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            site = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 800})
            _customer_on_the_site(site.new_page(), sandbox, out)
            _messenger_customer_waiting_for_42_minutes(sandbox)
            another = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 800})
            _customer_asking_for_a_person(another.new_page(), sandbox)
            console = browser.new_context(locale="en-GB", viewport={"width": 1100, "height": 640})
            _advisor_in_the_console(console.new_page(), sandbox, out)
        finally:
            browser.close()
    for name in ("site.png", "console-queue.png", "console-conversation.png"):
        print(out / name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DOCS, help="where to write the PNGs (default: docs/)")
    take_screenshots(parser.parse_args().out)


if __name__ == "__main__":
    main()
