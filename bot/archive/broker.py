"""The Rasa event broker that feeds the archive (endpoints.yml):

    event_broker:
      type: bot.archive.broker.ArchiveEventBroker
      # url: postgresql://...   (optional; default ARCHIVE_DATABASE_URL)

Rasa's tracker store publishes every new event here, synchronously, on the
event loop: `publish` only translates the event (bot/archive/events.py) and
queues the row for the process's writer thread (bot/archive/writer.py), which
appends in order and retries while the archive database is down. A failing
archive never fails a conversation.
"""
from __future__ import annotations

import asyncio
import logging
from asyncio import AbstractEventLoop
from typing import Any, Dict, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.archive.events import EventTranslator
from bot.archive.writer import ArchiveWriter

logger = logging.getLogger(__name__)


class ArchiveEventBroker(EventBroker):
    def __init__(self, writer: ArchiveWriter, translator: Optional[EventTranslator] = None) -> None:
        self.writer = writer
        self.translator = translator or EventTranslator()

    @classmethod
    async def from_endpoint_config(cls, broker_config: EndpointConfig,
                                   event_loop: Optional[AbstractEventLoop] = None) -> "ArchiveEventBroker":
        from bot.archive.service import writer_for
        from bot.settings import get_settings

        url = broker_config.url or get_settings().archive_database_url
        writer = writer_for(url)
        logger.info("Archiving conversations to %s", _safe(url))
        return cls(writer)

    def publish(self, event: Dict[Text, Any]) -> None:
        try:
            entry = self.translator.entry(event)
        except Exception:  # noqa: BLE001 - an odd event must not break the conversation
            logger.exception("ARCHIVE: event %r could not be translated; not archived", event.get("event"))
            return
        if entry is not None:
            self.writer.put(entry)

    def is_ready(self) -> bool:
        return True

    async def close(self) -> None:
        await asyncio.to_thread(self.writer.flush, 10.0)


def _safe(url: str) -> str:
    """The URL without its password, for logs."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
