"""`make bench`: NLU quality, Messenger load against our connector and Rasa's built-in one, and cost."""
