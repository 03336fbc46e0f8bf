"""Every usage test that touches a database runs on SQLite and PostgreSQL (see ``tests/databases.py``)."""

from tests.databases import both_engines_here as pytest_generate_tests  # noqa: F401 - the opt-in
