"""The mock core-banking service: its own HTTP API, database, OTP rules and SMS outbox.

Run it with `python -m bot core-bank`; the API is described at GET /openapi.json.
"""
