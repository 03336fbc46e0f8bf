"""Token usage and provider activity: one parser per provider format (``formats/``), the rows they
yield (``rows.py``), and pulling the same reports from provider APIs (``fetch.py``)."""
