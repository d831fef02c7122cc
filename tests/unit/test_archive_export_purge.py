"""`archive export` finds a customer's conversations through their verifications; `archive purge` keeps the chain."""
from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Optional

import pytest
from sqlalchemy import select, text

from bot.archive.chain import NewEntry, row_hash
from bot.archive.cli import run
from bot.archive.store import ArchiveStore
from bot.archive.verify import verify
from bot.core_bank.models import Customer, OtpChallenge, create_database_engine, create_session_factory, create_tables
from bot.core_bank.seed import DEMO_CUSTOMER_NUMBER, TOM_CUSTOMER_NUMBER, seed_if_empty
from bot.settings import Settings
from tests.unit.test_archive_chain import tamper
from tests.unit.test_archive_support import T0, archive_url, entries  # noqa: F401 (fixture)


def core_bank_with_challenges(path: Path, challenges: dict[str, str], unused: Optional[dict[str, str]] = None) -> str:
    """A seeded core bank whose customers used the given one-time-code challenges ({challenge id: customer})
    and were sent the `unused` ones (the right code never given)."""
    url = f"sqlite:///{path}"
    engine = create_database_engine(url)
    create_tables(engine)
    sessions = create_session_factory(engine)
    seed_if_empty(sessions)
    with sessions.begin() as session:
        for challenge, number in challenges.items():
            customer_id = session.scalar(select(Customer.id).where(Customer.customer_number == number))
            session.add(OtpChallenge(id=challenge, customer_id=customer_id, requester_key="r" * 64, subject_key="s" * 64,
                                     code_hash="x" * 64, created_at=T0,
                                     expires_at=T0 + timedelta(minutes=5), used_at=T0))
        for challenge, number in (unused or {}).items():
            customer_id = session.scalar(select(Customer.id).where(Customer.customer_number == number))
            session.add(OtpChallenge(id=challenge, customer_id=customer_id, requester_key="r" * 64, subject_key="s" * 64,
                                     code_hash="x" * 64, created_at=T0,
                                     expires_at=T0 + timedelta(minutes=5), used_at=None))
    engine.dispose()
    return url


def row(at: datetime, conversation: str, direction: str, said: str, kind: str = "message", channel: str = "messenger",
        reference: str = None, agent: str = None) -> NewEntry:
    return NewEntry(at=at, channel=channel, conversation_id=conversation, direction=direction, kind=kind, text=said,
                    reference=reference, agent=agent)


def cli(settings: Settings, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    from bot.archive.cli import add_arguments

    add_arguments(parser)
    return run(parser.parse_args(argv), settings)


@pytest.fixture
def archive(tmp_path: Path):
    store = ArchiveStore(f"sqlite:///{tmp_path / 'archive.db'}")
    day = timedelta(days=1)
    store.append([
        row(T0, "psid-anna", "inbound", "hi, what's my balance?"),
        row(T0, "psid-anna", "system", "customer verified (one-time code)", kind="verified", reference="ch-anna-1"),
        row(T0 + timedelta(minutes=1), "psid-anna", "outbound", "Your current account: €1,250.00"),
        row(T0 + timedelta(minutes=2), "web-tom", "inbound", "balance", channel="socketio"),
        row(T0 + timedelta(minutes=2), "web-tom", "system", "verified", kind="verified", reference="ch-tom-1",
            channel="socketio"),
        row(T0 + timedelta(minutes=3), "psid-stranger", "inbound", "hello"),
        row(T0 + 10 * day, "web-anna-2", "inbound", "transfer 50 to Tom", channel="socketio"),
        row(T0 + 10 * day, "web-anna-2", "system", "verified", kind="verified", reference="ch-anna-2",
            channel="socketio"),
        row(T0 + 10 * day, "web-anna-2", "agent", "", kind="take", agent="marc", reference="handoff:4",
            channel="socketio"),
        row(T0 + 40 * day, "psid-anna", "inbound", "thanks"),
        # verified on another Rasa instance than the one that sent the code: only the code row names the challenge
        row(T0 + 20 * day, "psid-anna-2", "system", "one-time code sent", kind="code_sent", reference="ch-anna-3"),
        row(T0 + 20 * day, "psid-anna-2", "system", "verified", kind="verified"),
        row(T0 + 20 * day, "psid-camille", "system", "one-time code sent", kind="code_sent", reference="ch-cam-1"),
    ])
    yield store
    store.dispose()


def test_export_writes_every_row_of_the_customers_verified_conversations_as_json_lines(
        archive: ArchiveStore, tmp_path: Path) -> None:
    core_bank = core_bank_with_challenges(tmp_path / "bank.db", {
        "ch-anna-1": DEMO_CUSTOMER_NUMBER, "ch-anna-2": DEMO_CUSTOMER_NUMBER, "ch-anna-3": DEMO_CUSTOMER_NUMBER,
        "ch-tom-1": TOM_CUSTOMER_NUMBER}, unused={"ch-cam-1": DEMO_CUSTOMER_NUMBER})
    settings = Settings(archive_database_url=archive.url, core_banking_database_url=core_bank)
    out = tmp_path / "anna.jsonl"

    assert cli(settings, "export", "--customer", DEMO_CUSTOMER_NUMBER, "--since", "2026-01-01",
               "--until", "2026-01-31", "--out", str(out)) == 0

    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(line["conversation_id"], line["direction"], line["text"]) for line in lines] == [
        ("psid-anna", "inbound", "hi, what's my balance?"),
        ("psid-anna", "system", "customer verified (one-time code)"),
        ("psid-anna", "outbound", "Your current account: €1,250.00"),
        ("web-anna-2", "inbound", "transfer 50 to Tom"),
        ("web-anna-2", "system", "verified"),
        ("web-anna-2", "agent", ""),
        ("psid-anna-2", "system", "one-time code sent"),
        ("psid-anna-2", "system", "verified"),
    ]  # not Tom's, not the stranger's, not a code never used, not after --until
    assert {line["customer"] for line in lines} == {DEMO_CUSTOMER_NUMBER}
    assert lines[5]["agent"] == "marc" and lines[5]["time"] == "2026-01-15T09:00:00+00:00"
    first = {**lines[0], "at": datetime.fromisoformat(lines[0]["time"])}
    assert row_hash(first) == lines[0]["row_hash"]  # each line can be checked against the chain


def test_export_of_an_unknown_customer_says_so(archive: ArchiveStore, tmp_path: Path,
                                               capsys: pytest.CaptureFixture) -> None:
    settings = Settings(archive_database_url=archive.url,
                        core_banking_database_url=core_bank_with_challenges(tmp_path / "bank.db", {}))

    assert cli(settings, "export", "--customer", "999999", "--since", "2026-01-01") == 2
    assert "no customer 999999" in capsys.readouterr().err


def test_export_refuses_a_bad_date(archive: ArchiveStore, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    settings = Settings(archive_database_url=archive.url,
                        core_banking_database_url=core_bank_with_challenges(tmp_path / "bank.db", {}))

    assert cli(settings, "export", "--customer", DEMO_CUSTOMER_NUMBER, "--since", "yesterday") == 2
    assert "not a date" in capsys.readouterr().err


def test_verify_exits_non_zero_naming_the_row(archive: ArchiveStore, capsys: pytest.CaptureFixture) -> None:
    settings = Settings(archive_database_url=archive.url)
    assert cli(settings, "verify") == 0
    assert capsys.readouterr().out.startswith("13 rows, chain intact")

    tamper(archive, "UPDATE archive_entries SET text = 'goodbye' WHERE seq = 6")

    assert cli(settings, "verify") == 1
    assert "BROKEN at row #6" in capsys.readouterr().out


def test_purge_deletes_only_rows_past_retention_and_the_rest_still_verifies(archive_url: str) -> None:  # noqa: F811
    from bot.archive.retention import purge

    store = ArchiveStore(archive_url)
    now = T0 + timedelta(days=2192 + 30)
    store.append(entries(4, start=T0, step=timedelta(days=10)))  # days 0, 10, 20, 30 after T0
    store.append(entries(2, conversation="psid-2", start=now - timedelta(days=1)))

    assert purge(store, 2192, dry_run=True, clock=lambda: now).purged == 3
    assert verify(store).rows == 6
    done = purge(store, 2192, clock=lambda: now)

    assert (done.purged, done.through_seq) == (3, 3)
    result = verify(store)
    assert result.intact, result.reason
    assert (result.first_seq, result.last_seq, result.anchored_at) == (4, 7, 3)  # #7: the purge's own record
    with store.reader.connect() as connection:
        kinds = list(connection.execute(text("SELECT kind FROM archive_entries ORDER BY seq")).scalars())
    assert kinds == ["message", "message", "message", "purge"]
    assert purge(store, 2192, clock=lambda: now).purged == 0

    store.append(entries(1, conversation="psid-3", start=now))
    assert purge(store, 2192, clock=lambda: now + timedelta(days=40)).purged == 1  # a second purge moves the anchor
    assert verify(store).intact
    store.dispose()


def test_cutting_the_start_of_the_chain_behind_a_forged_anchor_is_found(tmp_path: Path) -> None:
    from bot.archive.retention import purge

    store = ArchiveStore(f"sqlite:///{tmp_path / 'archive.db'}")
    now = T0 + timedelta(days=3000)
    store.append(entries(3, start=T0))
    store.append(entries(4, conversation="psid-2", start=now))
    purge(store, 2192, clock=lambda: now)
    assert verify(store).intact
    with store.reader.connect() as connection:
        hash_4 = connection.execute(text("SELECT row_hash FROM archive_entries WHERE seq = 4")).scalar_one()

    tamper(store, "DELETE FROM archive_entries WHERE seq = 4",
           "UPDATE archive_anchor SET through_seq = 4, through_hash = :hash", hash=hash_4)

    result = verify(store)
    assert not result.intact
    assert "no matching purge record" in result.reason


def test_purge_through_the_cli_uses_the_retention_setting(archive: ArchiveStore, capsys: pytest.CaptureFixture) -> None:
    settings = Settings(archive_database_url=archive.url, archive_retention_days=2192)

    assert cli(settings, "purge") == 0

    assert "nothing older than" in capsys.readouterr().out  # the rows are from 2026: all kept
    assert verify(archive).rows == 13


def test_the_commands_do_not_make_an_empty_archive_where_there_is_none(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture) -> None:
    settings = Settings(archive_database_url=f"sqlite:///{tmp_path / 'typo.db'}")

    assert cli(settings, "verify") == 2

    assert "there is no archive at" in capsys.readouterr().err
    assert not (tmp_path / "typo.db").exists()


def test_the_retention_setting_defaults_to_six_years_and_must_be_positive() -> None:
    from bot.settings import SettingsError

    assert Settings.from_env({}).archive_retention_days == 2192
    assert Settings.from_env({"ARCHIVE_RETENTION_DAYS": "3650"}).archive_retention_days == 3650
    assert Settings.from_env({}).archive_database_url.endswith("/var/archive.db")
    with pytest.raises(SettingsError, match="ARCHIVE_RETENTION_DAYS"):
        Settings.from_env({"ARCHIVE_RETENTION_DAYS": "0"})
