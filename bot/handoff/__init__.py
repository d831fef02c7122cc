"""Handoff to staff: the queue of conversations waiting for a person, and Rasa's control of them.

The Rasa server records requests (bot/rasa_server/handoff_requests.py); the staff console (the web
service) takes, answers and hands back. What staff read is masked by bot/privacy/masking.py.

    conversation.py  what a Rasa tracker's events say (customer texts, transcript lines)
    models.py        `Handoff` and the append-only `AgentAction` audit (branch database)
    queue.py         request, waiting list with the answer-time target, atomic take, reply, hand back
    rasa_control.py  pause / resume / transcript / message as an agent, through Rasa's HTTP API (token)
    staff_desk.py    what the staff console calls: queue + Rasa together
"""
