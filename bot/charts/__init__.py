"""Charts drawn headless with matplotlib (Agg): plain data in, PNG bytes out. No Slack, no database."""
