"""Handoff to staff (issue 5): the queue of conversations waiting for a person, and Rasa's control of them.

    masking.py       codes and card numbers out of what staff read
    conversation.py  what a Rasa tracker's events say (customer texts, transcript lines)
    models.py        `Handoff` and the append-only `AgentAction` audit (branch database)
    queue.py         request, waiting list with the answer-time target, atomic take, reply, hand back
    rasa_control.py  pause / resume / transcript / message as an agent, through Rasa's HTTP API (token)
    staff_desk.py    what the staff console calls: queue + Rasa together
"""
