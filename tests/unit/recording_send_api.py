"""A stand-in for `bot.channels.messenger.send_api.SendApi` that records what the channel asks it to send."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple


@dataclass
class RecordingSendApi:
    accept: bool = True  # what Meta answers
    calls: List[Tuple[str, str, Any]] = field(default_factory=list)  # (recipient, "message" | "action", body)
    log: Optional[List[Any]] = None  # shared with other fakes, to check the order of everything

    async def send_message(self, recipient_id: str, message: Dict[str, Any]) -> bool:
        self._note((recipient_id, "message", copy.deepcopy(message)))
        return self.accept

    async def send_action(self, recipient_id: str, action: str) -> bool:
        self._note((recipient_id, "action", action))
        return self.accept

    def messages(self, recipient_id: Optional[str] = None) -> List[Dict[str, Any]]:
        return [body for to, kind, body in self.calls if kind == "message" and recipient_id in (None, to)]

    def actions(self, recipient_id: Optional[str] = None) -> List[str]:
        return [body for to, kind, body in self.calls if kind == "action" and recipient_id in (None, to)]

    def _note(self, call: Tuple[str, str, Any]) -> None:
        self.calls.append(call)
        if self.log is not None:
            self.log.append(call)
