"""Block Kit builders: pure functions from plain data to slack_sdk.models objects."""
