"""Queries, one module per aggregate: teams, cycles (deliveries and moments), usage, digests."""
