"""Persistence for AI Retro: SQLModel models, the SQLite engine, queries and Alembic migrations."""
