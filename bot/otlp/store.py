"""Storing one decoded OTLP batch, all or nothing, through the usage pipeline.

Token and cost data points are usage rows with an event id: kept once per (source, event id), the day's usage
record of a key and model is their sum. Activity records replace their (source, key, day) in the pipeline,
while OTLP sends deltas, so the activity data points are kept as events of their own (``activity_events``)
and, in the same transaction, each touched (key, day) record becomes the sum of all its events. A batch sent
again changes nothing; successive batches add up.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session

from bot.otlp.decode import SOURCE, Batch
from bot.services.identities import EmailLookup
from bot.services.usage_import import ImportReport, import_rows
from storage.queries import activity_events

LABEL = "OTLP request"


def store_batch(engine: Engine, batch: Batch, lookup_email: EmailLookup | None = None) -> ImportReport:
    """Store the batch's usage and activity in one transaction; an empty batch stores nothing."""
    rows = [*batch.usage, *batch.activity_rows(LABEL)]
    if not rows:
        return ImportReport()
    events = [(p.event_id, p.person_key, p.day, p.field, p.value) for p in batch.activity]

    def sum_activity(session: Session) -> None:
        activity_events.add_events(session, SOURCE, events)
        activity_events.resum(session, SOURCE, [(p.person_key, p.day) for p in batch.activity])

    return import_rows(engine, SOURCE, rows, lookup_email=lookup_email, label=LABEL, then=sum_activity)
