"""What actions tell the Rasa server beyond words: the keys of the custom JSON messages they send.

Actions (the action server) write these; channels and the Rasa server's plug-ins
(bot/channels/, bot/rasa_server/) read them. Plain constants, so the action
server imports nothing of the channels to use them.
"""

# `{"handover": {"reason": ...}}`: the conversation goes to people. Messenger passes the thread
# to the Page Inbox when Conversation Routing is on; no channel shows it as a message.
HANDOVER_KEY = "handover"

# `{"csat_survey": {"template": <message>, "fallback": <message>}}`: the satisfaction survey after a handoff
# (bot/handoff/csat.py, sent by the system through Rasa's HTTP API). Messenger sends the template, and the
# fallback (quick replies) when Meta refuses it.
CSAT_SURVEY_KEY = "csat_survey"

# `metadata: {"assistant_disclosure": true}` on a bot message: it told the customer they talk to the bank's
# automated assistant (bot/rasa_server/answer_preamble.py says it once per session and after a hand-back;
# the hand-back note says it itself: bot/handoff/rasa_control.py).
DISCLOSURE_KEY = "assistant_disclosure"

# `{"spending_chart": {"title", "alt", "series", "currency", "language", "categories": [...]}}`: the data of the
# spending chart (actions/spending.py), in the customer's words. The channel draws it and delivers the image
# (bot/channels/spending_chart.py); the action server never draws.
SPENDING_CHART_KEY = "spending_chart"

# In a message's parse data, `{"request_clause": {"start", "end"}}`: where, in a message of several requests, the clause
# of the request it was understood as lies (bot/rasa_server/further_requests.py). The actions read that request's words
# and entities from that clause only (actions/verified.py `request_message`): "how much did I spend at Uber this month
# and block my credit card" searches Uber payments, not the credit card's.
REQUEST_CLAUSE_KEY = "request_clause"
# In the same parse data, the other requests of the message, `[{"payload", "said", "start", "end"}]`: offered one by one
# once the first is done; a tapped offer reads the words of its own clause.
FURTHER_REQUESTS = "further_requests"
