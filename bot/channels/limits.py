"""How long a message may be, in every channel: Messenger's limit, which the web chat and staff replies keep too.

Messenger's other limits (quick replies, buttons, templates) are in bot/channels/messenger/payloads.py.
"""

MAX_TEXT = 2000  # characters of one message's text (Messenger's Send API and what a customer may type)
