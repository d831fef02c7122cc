"""Schema migrations of the branch database and the compliance archive (migrations/, Alembic).

Rules:
- Production code never creates these schemas with `create_all`: a process
  brings its database to the newest revision (`ensure_upgraded`) before using
  it, and `python -m bot db upgrade` does the same before the processes start.
- One upgrade at a time per database, in one transaction: on PostgreSQL a
  transaction-scoped advisory lock (the archive's key is the one its
  `create_schema` took before migrations, so the two can never overlap), on
  SQLite BEGIN IMMEDIATE (the write lock). A second process waits, then finds
  the database at the head and does nothing.
- A database made by the release before migrations has our tables but no
  version table. When it has every table of revision 0001 it is stamped at
  0001 (nothing runs on it); when it has only some (each package created its
  own tables when first used: `staff add` made only the staff tables), 0001
  runs and creates only the ones it lacks. Then it is upgraded like any other.
- Each history keeps its own version table (`alembic_version_branch`,
  `alembic_version_archive`): the two can never be taken for one another.
- Revisions are numbered 0001, 0002, ... (`number_revisions`); times are
  `UtcDateTime` in them too (`render_item`).
"""
from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Set, Tuple, Union

from sqlalchemy import MetaData, create_engine, event, inspect, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import NullPool

from bot.settings import PROJECT_ROOT, Settings
from bot.utc_datetime import UtcDateTime

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
ALEMBIC_INI = MIGRATIONS_DIR / "alembic.ini"
FIRST_REVISION = "0001"
HEAD = "head"
SQLITE_LOCK_WAIT_SECONDS = 60


def _branch_metadata() -> MetaData:
    import bot.handoff.models  # noqa: F401 - their tables join the branch's Base
    import bot.handoff.personas  # noqa: F401
    import bot.knowledge.unanswered  # noqa: F401
    import bot.staff.models  # noqa: F401
    from bot.branch_db import Base

    return Base.metadata


def _archive_metadata() -> MetaData:
    from bot.archive.models import Base

    return Base.metadata


@dataclass(frozen=True)
class Database:
    """One database with a history of its own (an Alembic environment under migrations/<name>/)."""

    name: str
    setting: str  # the Settings field with its URL
    lock_key: int  # PostgreSQL advisory lock held while it is upgraded
    first_tables: Tuple[str, ...]  # what revision 0001 creates, as the previous release's create_all did
    metadata: Callable[[], MetaData]

    @property
    def version_table(self) -> str:
        return f"alembic_version_{self.name}"

    def url(self, settings: Settings) -> str:
        return getattr(settings, self.setting)


BRANCH = Database(
    "branch", "branch_database_url", 7310432,
    ("staff_accounts", "staff_sessions", "staff_login_throttle", "handoffs", "handoff_agent_actions"),
    _branch_metadata,
)
ARCHIVE = Database(
    "archive", "archive_database_url", 7310431,
    ("archive_entries", "archive_head", "archive_anchor"),
    _archive_metadata,
)
DATABASES = {database.name: database for database in (BRANCH, ARCHIVE)}


@dataclass(frozen=True)
class Upgrade:
    """What one upgrade did: the revision before (None: no history yet) and after, and whether it adopted."""

    database: str
    before: Optional[str]
    after: Optional[str]
    adopted: bool = False  # a database of the release before migrations, taken into the history

    def summary(self) -> str:
        if self.after is None:
            return f"{self.database}: no database there; nothing created"
        if self.adopted:
            return f"{self.database}: the previous release's schema, taken in at {FIRST_REVISION}, now at {self.after}"
        if self.before == self.after:
            return f"{self.database}: at {self.after}, nothing to do"
        return f"{self.database}: upgraded from {self.before or 'an empty database'} to {self.after}"


# -- engines and the lock ---------------------------------------------------------------------------

def _url_string(url: Union[str, URL]) -> str:
    return url if isinstance(url, str) else url.render_as_string(hide_password=False)


def migration_engine(url: Union[str, URL]) -> Engine:
    """An engine whose transactions hold the database's write lock from BEGIN on (SQLite), no pool."""
    parsed = make_url(_url_string(url))
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, future=True, poolclass=NullPool)
    database = parsed.database
    if not database or database == ":memory:":
        raise ValueError("an in-memory SQLite database cannot be upgraded from another connection")
    Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, future=True, poolclass=NullPool,
                           connect_args={"timeout": SQLITE_LOCK_WAIT_SECONDS})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.isolation_level = None  # DDL inside our transaction; pysqlite would not BEGIN for it

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@contextmanager
def locked(database: Database, url: Union[str, URL]) -> Iterator[Connection]:
    """A transaction that no other upgrade of this database runs beside; committed when the block ends."""
    engine = migration_engine(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": database.lock_key})
            yield connection
    finally:
        engine.dispose()


# -- upgrading --------------------------------------------------------------------------------------

def alembic_config(database: Database, connection: Optional[Connection] = None) -> Any:
    """Alembic's configuration of `database`'s environment; migrations run on `connection` when given."""
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI), ini_section=database.name)
    config.attributes["connection"] = connection
    return config


def current_revision(connection: Connection, database: Database) -> Optional[str]:
    from alembic.runtime.migration import MigrationContext

    context = MigrationContext.configure(connection, opts={"version_table": database.version_table})
    return context.get_current_revision()


def head_revision(database: Database) -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(database)).get_current_head()


def upgrade(name: str, url: Union[str, URL], *, create: bool = True) -> Upgrade:
    """Brings the database to the head of its history; `create=False` leaves a database without our schema alone."""
    from alembic import command

    database = DATABASES[name]
    with locked(database, url) as connection:
        before = current_revision(connection, database)
        present = set(inspect(connection).get_table_names()) & set(database.first_tables)
        if before is None and not present and not create:
            return Upgrade(database.name, None, None)
        config = alembic_config(database, connection)
        adopted = before is None and bool(present)
        if adopted:
            missing = sorted(set(database.first_tables) - present)
            logger.info("%s database: made by the release before migrations%s; taking it in at %s",
                        database.name, f" (without {', '.join(missing)})" if missing else "", FIRST_REVISION)
            if missing:
                command.upgrade(config, FIRST_REVISION)  # 0001 creates only the tables that are missing
            else:
                command.stamp(config, FIRST_REVISION)
        command.upgrade(config, HEAD)
        after = current_revision(connection, database)
    outcome = Upgrade(database.name, before, after, adopted)
    logger.info("%s", outcome.summary())
    return outcome


_upgraded: Set[Tuple[str, str]] = set()
_upgrading = threading.Lock()


def ensure_upgraded(name: str, url: Union[str, URL]) -> None:
    """`upgrade`, once per database per process: what a process calls before it first uses the database."""
    key = (name, _url_string(url))
    with _upgrading:
        if key in _upgraded:
            return
        upgrade(name, url)
        _upgraded.add(key)


# -- the Alembic environments (migrations/*/env.py) ----------------------------------------------------

def render_item(type_: str, obj: Any, autogen_context: Any) -> Union[str, bool]:
    """Autogenerate writes `UtcDateTime()` (imported) for our time columns, not a bare DateTime."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        autogen_context.imports.add("from bot.utc_datetime import UtcDateTime")
        return "UtcDateTime()"
    return False


def number_revisions(context: Any, revision: Any, directives: list) -> None:
    """New revisions are numbered after the head (0002, 0003, ...); an autogenerate that finds no change writes none.

    Alembic calls this only when it runs env.py for `revision`, i.e. with --autogenerate (alembic.ini does not set
    revision_environment): `alembic revision -m ...` without it still writes an empty revision, for data changes.
    """
    from alembic.script import ScriptDirectory

    script = directives[0]
    if all(ops.is_empty() for ops in script.upgrade_ops_list):
        logger.warning("The models and the database agree: no revision written")
        directives[:] = []
        return
    if getattr(context.config.cmd_opts, "rev_id", None):  # --rev-id given: kept
        return
    heads = ScriptDirectory.from_config(context.config).get_heads()
    if all(head.isdigit() for head in heads):
        script.rev_id = f"{max((int(head) for head in heads), default=0) + 1:04d}"


def environment_options(database: Database) -> dict:
    """What both environments pass to `context.configure` (and tests to compare the models with a database)."""
    return {
        "target_metadata": database.metadata(),
        "version_table": database.version_table,
        "compare_type": True,
        "render_as_batch": True,  # SQLite alters tables by copying them (migrations/README.md)
        "render_item": render_item,
        "process_revision_directives": number_revisions,
    }


def run_environment(database: Database) -> None:
    """The body of migrations/<name>/env.py: on the caller's connection, or on the URL its setting names."""
    from alembic import context

    from bot.settings import get_settings

    options = environment_options(database)
    if context.is_offline_mode():  # `alembic upgrade --sql`: the SQL, for reading
        context.configure(url=database.url(get_settings()), literal_binds=True,
                          dialect_opts={"paramstyle": "named"}, **options)  # named: a % stays a %
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = context.config.attributes.get("connection")
    if connection is not None:  # `upgrade` above: its connection already holds the lock and the transaction
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()
        return
    if not logging.getLogger().handlers:  # the alembic command line
        logging.basicConfig(level=logging.INFO, format="%(levelname)-5.5s [%(name)s] %(message)s")
    with locked(database, database.url(get_settings())) as connection:
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()


# -- `python -m bot db upgrade [branch|archive|all]` --------------------------------------------------

def add_arguments(parser: Any) -> None:
    commands = parser.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    up = commands.add_parser("upgrade", help="bring the databases to the newest schema (run before the processes)")
    up.add_argument("database", nargs="?", default="all", choices=[*DATABASES, "all"],
                    help="which database (default: all)")


def run_cli(args: Any, settings: Settings, out: Any = None) -> int:
    """Upgrades the named database(s) at the URLs of `settings`; 1 (and the reason) at the first failure."""
    import sys

    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    out = out or sys.stdout
    for name in DATABASES if args.database == "all" else [args.database]:
        url = DATABASES[name].url(settings)
        shown = make_url(url).render_as_string(hide_password=True)
        try:
            outcome = upgrade(name, url)
        except (SQLAlchemyError, CommandError) as error:
            reason = str(error).splitlines()[0] if str(error) else ""
            print(f"db upgrade: the {name} database at {shown} was not upgraded ({type(error).__name__}: {reason})",
                  file=sys.stderr)
            return 1
        print(f"{outcome.summary()} ({shown})", file=out)
    return 0
