"""Pulls from provider APIs that do not fit ``bot/usage/fetch.py``'s paged GET reports: one module per provider,
each yielding rows for the import pipeline (``bot/services/usage_import.py``)."""
