"""Facebook Messenger: the channel the Rasa server opens (credentials.yml: `bot.channels.messenger.MessengerInput`).

channel      webhook in: the one event router for both receive paths (direct and the durable inbox)
output       Rasa's replies as Send API calls within Messenger's limits
webhook      Meta's signed webhook: signature check and event parsing
payloads     Messenger message bodies, their limits and the one validator
send_api, graph_api   the Graph API client, retries and windows; routing: thread control (Conversation Routing)
state, seen_messages, messaging_window, durable_inbox   per-customer state, in memory or in Redis
profile, setup        the page's Get Started button, greeting and menu
page_comments         customers' public comments on the page (`feed`): one private reply, the staff queue
"""
from bot.channels.messenger.channel import MessengerInput, MessengerOutput

__all__ = ["MessengerInput", "MessengerOutput"]
