"""NLU components of our own: a MiniLM sentence encoder in pure numpy and its Rasa featurizer."""
