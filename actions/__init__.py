"""Rasa custom actions: thin, one module per service; business rules live in the core bank."""
