"""Digest maths (pure) and its plain-text rendering."""
