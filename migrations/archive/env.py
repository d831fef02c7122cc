"""Alembic's environment for the compliance archive (ARCHIVE_DATABASE_URL): the tables of bot/archive/models.py."""
from bot.db_migrations import ARCHIVE, run_environment

run_environment(ARCHIVE)
