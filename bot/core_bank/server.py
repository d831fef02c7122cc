"""Running the core bank: `python -m bot core-bank` calls `serve(host, port)`."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Optional

from sqlalchemy.engine import Engine

from bot.core_bank.app import create_app
from bot.core_bank.models import (
    create_database_engine,
    create_session_factory,
    create_tables,
    drop_tables,
    has_outdated_schema,
)
from bot.core_bank.seed import seed_if_empty
from bot.settings import get_settings

logger = logging.getLogger(__name__)


def prepare_database(engine: Engine, now: Optional[datetime] = None) -> bool:
    """Creates the tables if needed and seeds the demo data into an empty database; says whether it seeded.

    A database from an earlier version of the mock (a table or column missing) holds only demo
    data: it is dropped and seeded again, with a warning.
    """
    if has_outdated_schema(engine):
        logger.warning("Core bank database is from an earlier version: recreating it with the demo data")
        drop_tables(engine)
    create_tables(engine)
    return seed_if_empty(create_session_factory(engine), now)


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Runs the core bank in this process until SIGINT/SIGTERM (no access log: bodies and tokens stay out of logs)."""
    settings = get_settings()
    engine = create_database_engine(settings.core_banking_database_url)
    if prepare_database(engine):
        logger.info("Core bank database created and seeded")
    if settings.core_banking_dev_mode:
        logger.warning("Core bank dev mode: /dev/sms-outbox shows the codes sent (never in production)")
    app = create_app(settings, engine=engine)
    app.run(host=host, port=port, workers=1, access_log=False, debug=False, motd=False, auto_reload=False)
