"""Experiments the bench can run instead of our connector as it is (not part of the product)."""
