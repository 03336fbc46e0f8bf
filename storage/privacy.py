"""The privacy floor, shared by the database's check constraint and the digest maths (pure, no imports)."""

PRIVACY_FLOOR = 3  # no team figure is ever published over fewer people than this (README, "Privacy")
