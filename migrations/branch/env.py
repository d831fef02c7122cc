"""Alembic's environment for the branch database (BRANCH_DATABASE_URL): the tables on bot/branch_db.py's `Base`."""
from bot.db_migrations import BRANCH, run_environment

run_environment(BRANCH)
