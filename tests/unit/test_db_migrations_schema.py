"""An empty database upgraded to the head has exactly the models' schema, on SQLite and PostgreSQL.

Alembic's `compare_metadata` between the upgraded database and the models must
find nothing; it does find a column the migrations lack (so a model changed
without a revision fails here). The archive's head also has its guard and the
empty chain's head row. New revisions render `UtcDateTime` and are numbered.
"""
from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Column, MetaData, String, create_engine, text
from sqlalchemy.exc import DBAPIError

from bot.archive.chain import NewEntry
from bot.archive.store import ArchiveStore
from bot.archive.verify import verify
from bot.db_migrations import ARCHIVE, BRANCH, DATABASES, MIGRATIONS_DIR, head_revision, migration_engine, upgrade
from tests.unit.db_migrations_support import schema_diffs, triggers, urls  # noqa: F401 (fixture)


@pytest.mark.parametrize("name", list(DATABASES))
def test_each_history_has_one_head_and_starts_at_0001(name: str) -> None:
    from alembic.script import ScriptDirectory

    from bot.db_migrations import alembic_config

    script = ScriptDirectory.from_config(alembic_config(DATABASES[name]))
    assert len(script.get_heads()) == 1
    assert [revision.revision for revision in script.walk_revisions()][-1] == "0001"


def test_an_empty_database_upgraded_to_the_head_is_the_models_schema(urls) -> None:  # noqa: F811
    for name, url in urls.items():
        outcome = upgrade(name, url)

        assert (outcome.before, outcome.after, outcome.adopted) == (None, head_revision(DATABASES[name]), False)
        assert schema_diffs(name, url) == [], name


def test_the_comparison_sees_a_column_the_migrations_lack(urls) -> None:  # noqa: F811
    upgrade("branch", urls["branch"])
    changed = MetaData()
    for table in BRANCH.metadata().tables.values():
        table.to_metadata(changed)
    changed.tables["handoffs"].append_column(Column("priority", String(16)))

    [(kind, _schema, table, column)] = schema_diffs("branch", urls["branch"], changed)

    assert (kind, table, column.name) == ("add_column", "handoffs", "priority")


def test_a_new_archive_has_its_guard_and_an_empty_chain(urls) -> None:  # noqa: F811
    url = urls["archive"]
    upgrade("archive", url)
    store = ArchiveStore(url, create=False)
    try:
        assert verify(store).summary() == "0 rows, chain intact (empty archive)"
        store.append([NewEntry(at=datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc), channel="messenger",
                               conversation_id="psid-1", direction="inbound", kind="message", text="hello")])
        with store.engine.connect() as connection:
            assert triggers(connection) == (["archive_entries_no_update"] if connection.dialect.name == "sqlite"
                                            else ["archive_entries_append_only"])
        with pytest.raises(DBAPIError, match="append-only archive"):
            with store.engine.begin() as connection:
                connection.execute(text("UPDATE archive_entries SET text = 'altered' WHERE seq = 1"))
        assert verify(store).intact
    finally:
        store.dispose()


def test_the_archive_history_is_never_rewound(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    upgrade("archive", url)
    engine = migration_engine(url)
    with engine.begin() as connection:
        config = Config(str(MIGRATIONS_DIR / "alembic.ini"), ini_section=ARCHIVE.name)
        config.attributes["connection"] = connection
        with pytest.raises(RuntimeError, match="no migration drops it"):
            command.downgrade(config, "base")
    engine.dispose()


def test_autogenerate_writes_utc_datetime_columns_and_numbers_the_revision(tmp_path: Path) -> None:
    """The real env.py, on an empty copy of the branch history: the whole schema becomes revision 0001."""
    scripts = tmp_path / "branch"
    (scripts / "versions").mkdir(parents=True)
    for name in ("env.py", "script.py.mako"):
        shutil.copy(MIGRATIONS_DIR / "branch" / name, scripts / name)
    config = Config()
    config.set_main_option("script_location", str(scripts))
    engine = create_engine(f"sqlite:///{tmp_path / 'branch.db'}", future=True)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message="everything", autogenerate=True)
        [written] = (scripts / "versions").glob("*.py")
        source = written.read_text()

        assert written.name.startswith("0001_") and "revision: str = '0001'" in source
        assert "from bot.utc_datetime import UtcDateTime" in source
        assert "sa.Column('created_at', UtcDateTime(), nullable=False)" in source
        assert "DateTime" not in source.replace("UtcDateTime", "")

        command.upgrade(config, "head")
        command.revision(config, message="nothing", autogenerate=True)
        assert list((scripts / "versions").glob("*.py")) == [written]  # no change in the models: no revision
    engine.dispose()
