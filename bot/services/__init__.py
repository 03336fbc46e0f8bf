"""Services: what a handler, a scheduled job or the CLI asks for, in terms of storage queries and Slack calls."""
