"""`python -m bot archive verify|export|purge`: the compliance officer's commands.

    verify                      walk the chain; exit 0 with a summary, 1 naming the first broken row
    export --customer N [--since DATE] [--until DATE] [--out FILE]
                                the customer's conversations as JSON Lines (stdout by default)
    purge [--dry-run]           delete rows older than ARCHIVE_RETENTION_DAYS (the only deletion there is)

ARCHIVE_DATABASE_URL says which archive; `--database-url` overrides it. An
archive is brought to the newest schema first (bot/db_migrations.py); none is
ever created by these commands.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.settings import Settings

EXIT_BROKEN = 1
EXIT_USAGE = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", help="the archive database (default: ARCHIVE_DATABASE_URL)")
    commands = parser.add_subparsers(dest="archive_command", required=True, metavar="COMMAND")
    commands.add_parser("verify", help="check the hash chain; names the first altered, removed or inserted row")
    export = commands.add_parser("export", help="a customer's conversations as JSON Lines")
    export.add_argument("--customer", required=True, help="the customer number, e.g. 100001")
    export.add_argument("--since", help="from this day (2026-01-01) or time, inclusive")
    export.add_argument("--until", help="to this day (inclusive) or time (exclusive)")
    export.add_argument("--out", help="write to this file instead of standard output")
    purge = commands.add_parser("purge", help="delete rows older than the retention period")
    purge.add_argument("--dry-run", action="store_true", help="only say what would be deleted")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from bot.archive.store import ArchiveStore
    from bot.db_migrations import upgrade

    url = args.database_url or settings.archive_database_url
    shown = make_url(url).render_as_string(hide_password=True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and not Path(parsed.database).exists():
        print(f"archive {args.archive_command}: there is no archive at {shown}", file=sys.stderr)
        return EXIT_USAGE
    store = ArchiveStore(url, create=False)  # the commands read an archive; they never make an empty one
    try:
        upgrade("archive", url, create=False)  # an archive of an earlier release gets this one's schema
        if args.archive_command == "verify":
            return _verify(store)
        if args.archive_command == "export":
            return _export(store, settings, args)
        return _purge(store, settings, args.dry_run)
    except SQLAlchemyError as error:
        print(f"archive {args.archive_command}: the archive at {shown} cannot be read "
              f"({type(error).__name__}: {str(error).splitlines()[0]})", file=sys.stderr)
        return EXIT_USAGE
    finally:
        store.dispose()


def _verify(store) -> int:
    from bot.archive.verify import verify

    result = verify(store)
    print(result.summary())
    return 0 if result.intact else EXIT_BROKEN


def _export(store, settings: Settings, args: argparse.Namespace) -> int:
    from bot.archive.export import ExportError, export, parse_moment

    try:
        since = parse_moment(args.since) if args.since else None
        until = parse_moment(args.until, end_of_day=True) if args.until else None
        if args.out:
            path = Path(args.out)
            with path.open("w", encoding="utf-8") as out:
                done = export(store, settings.core_banking_database_url, args.customer, out, since, until)
        else:
            done = export(store, settings.core_banking_database_url, args.customer, sys.stdout, since, until)
    except ExportError as error:
        print(f"archive export: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(f"customer {done.customer}: {done.conversations} conversations, {done.rows} rows exported"
          + (f" to {args.out}" if args.out else ""), file=sys.stderr)
    return 0


def _purge(store, settings: Settings, dry_run: bool) -> int:
    from bot.archive.retention import purge

    result = purge(store, settings.archive_retention_days, dry_run=dry_run)
    print(result.summary(dry_run))
    return 0
