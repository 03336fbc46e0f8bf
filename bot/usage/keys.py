"""What a usage key is: a Slack user ID, an e-mail, or an opaque key (API key id, project id, LiteLLM
user, ...). Pure functions; parsers use ``normalise`` so the same person gets the same key everywhere."""

from __future__ import annotations

import re

# Slack user IDs are U or W and at least eight more capitals or digits (U0123ABCD, W012A3CDE...): a
# short upper-case key from a provider ("WEB", "U1") is opaque, not somebody's Slack account.
SLACK_ID_RE = re.compile(r"^[UW][A-Z0-9]{8,}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def is_slack_id(key: str) -> bool:
    return bool(SLACK_ID_RE.match(key))


def is_email(key: str) -> bool:
    return bool(EMAIL_RE.match(key))


def normalise(raw: str) -> str:
    """The stored form of a key: trimmed; e-mails and GitHub logins (``github:octocat``: GitHub ignores their
    case) lower-cased; Slack IDs and opaque keys as they are."""
    key = raw.strip()
    return key.lower() if is_email(key) or key[:7].lower() == "github:" else key
