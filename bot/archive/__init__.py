"""The tamper-evident archive: every inbound message, bot reply and agent action, in a hash chain.

Regulators want business conversations on social media kept, retrievable and
protected against alteration. Rows are appended by the Rasa event broker
(`broker.py`) and by the staff console's handoff queue (`agent_actions.py`),
each carrying the SHA-256 of the previous row (`chain.py`), so a changed,
removed or inserted row breaks the chain and `python -m bot archive verify`
names it (`verify.py`).

The application never updates or deletes archive rows: the only code that
deletes is the explicit retention command (`retention.py`), which leaves an
anchor so the rest of the chain still verifies.
"""
