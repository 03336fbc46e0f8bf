"""Who the Anthropic usage report's accounts and API keys are, for ``airetro import-usage --from-api anthropic``.

The pull (``bot/usage/fetch.py``) groups the messages usage report by ``account_id`` too, so usage by people
who sign in (Claude Code with a login, the Console) comes per account instead of summed into one workspace
key. This module turns those ids into e-mails, which the import pipeline then resolves to Slack people like
any other e-mail key, so nobody has to map ids by hand:

- an account (``account_id``, ``user_…``) is the member of the organisation with that id, from the Admin
  API's users list (``GET /v1/organizations/users``: ``id``, ``email``, ``name``, ``role``, ``type``);
- an API key (``api_key_id``, usage with no account) is the member who created it, from the API keys list
  (``GET /v1/organizations/api_keys``: ``id``, ``name``, ``workspace_id``, ``status``, ``created_by``
  ``{id, type}``) and then the users list.

Both lists page by id (``limit`` up to 1000, ``after_id`` = the previous page's ``last_id``, until
``has_more`` is false) and are read only once a row needs them, each at most once per pull. A key that an
operator tied to a person with ``airetro identities map KEY U…`` keeps its id (the mapping decides, not the
key's creator). What cannot be attributed keeps its id and is reported: an account that is not (or no
longer) a member, a key not in the list, a key whose creator left or is not a user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.usage import keys
from bot.usage.rows import RecordError, UsageRow

USERS_PATH = "/v1/organizations/users"
API_KEYS_PATH = "/v1/organizations/api_keys"
LIST_LIMIT = 1000  # the documented maximum page size of both lists
MAX_LIST_PAGES = 1000
SHOWN = 20  # unattributable ids listed by name in the report

GetPage = Callable[[str, dict[str, object], str], object]  # (path, query, label) → the page's JSON


class People:
    """Attributes the usage report's rows to e-mails; collects what it did for the operator."""

    def __init__(self, get_page: GetPage, mapped: Callable[[str], bool] | None = None) -> None:
        self._get_page = get_page
        self._mapped = mapped
        self._emails: dict[str, str] | None = None  # user id → e-mail
        self._creators: dict[str, tuple[str, str]] | None = None  # API key id → (creator type, creator id)
        self._decided: dict[str, str | None] = {}  # account / key id → e-mail, or None: kept as it is
        self.accounts: dict[str, str] = {}  # account id → e-mail, as attributed
        self.api_keys: dict[str, str] = {}  # API key id → its creator's e-mail
        self.kept_mapped: list[str] = []  # ids kept because `identities map` ties them to someone
        self.unattributable: dict[str, str] = {}  # id → why it could not be attributed

    # -- rows ---------------------------------------------------------------------------------
    def attribute(self, row: UsageRow, result: dict) -> UsageRow:
        """``row`` (parsed from the report's ``result``) keyed by the e-mail of the person behind its
        account or API key, or as it is when the row is a workspace's or nobody can be named."""
        key = row.person_key
        if key == _text(result.get("account_id")):
            email = self._decide(key, self._account)
        elif key == _text(result.get("api_key_id")):
            email = self._decide(key, self._api_key)
        else:
            return row  # a workspace, or the default workspace: nobody in particular
        return replace(row, person_key=email) if email else row

    def _decide(self, key: str, find: Callable[[str], str | None]) -> str | None:
        if key not in self._decided:
            if self._mapped is not None and self._mapped(key):
                self.kept_mapped.append(key)
                self._decided[key] = None
            else:
                self._decided[key] = find(key)
        return self._decided[key]

    def _account(self, account_id: str) -> str | None:
        email = self._users().get(account_id)
        if email is None:
            self.unattributable[account_id] = "account not a member of the organisation (left, or removed?)"
            return None
        self.accounts[account_id] = email
        return email

    def _api_key(self, key_id: str) -> str | None:
        creator = self._keys().get(key_id)
        if creator is None:
            self.unattributable[key_id] = "API key not among the organisation's API keys"
            return None
        kind, creator_id = creator
        if kind != "user":
            self.unattributable[key_id] = f"API key created by a {kind or 'creator not named'} ({creator_id or '?'})"
            return None
        email = self._users().get(creator_id)
        if email is None:
            self.unattributable[key_id] = f"API key created by {creator_id}, not a member of the organisation any more"
            return None
        self.api_keys[key_id] = email
        return email

    # -- the two lists --------------------------------------------------------------------------
    def _users(self) -> dict[str, str]:
        if self._emails is None:
            emails: dict[str, str] = {}
            for ref, item in self._list(USERS_PATH):
                if item.get("type", "user") != "user":
                    continue
                email = _required(item, "email", ref)
                if not keys.is_email(email):
                    raise RecordError(ref, f"email {email!r} is not an e-mail address")
                emails[_required(item, "id", ref)] = keys.normalise(email)
            self._emails = emails
        return self._emails

    def _keys(self) -> dict[str, tuple[str, str]]:
        if self._creators is None:
            creators: dict[str, tuple[str, str]] = {}
            for ref, item in self._list(API_KEYS_PATH):
                by = item.get("created_by")
                if by is not None and not isinstance(by, dict):
                    raise RecordError(ref, "created_by is not an object")
                by = by or {}
                creators[_required(item, "id", ref)] = (_text(by.get("type")) or "", _text(by.get("id")) or "")
            self._creators = creators
        return self._creators

    def _list(self, path: str) -> list[tuple[str, dict]]:
        """Every item of an id-paged Admin API list, as (``{path}, page N: data[i]``, item)."""
        items: list[tuple[str, dict]] = []
        after: str | None = None
        seen: set[str] = set()
        for number in range(1, MAX_LIST_PAGES + 1):
            label = f"{path}, page {number}"
            query: dict[str, object] = {"limit": LIST_LIMIT, **({"after_id": after} if after else {})}
            page = self._get_page(path, query, label)
            if not isinstance(page, dict) or not isinstance(page.get("data"), list):
                raise RecordError(label, "expected an object with a data list")
            for index, item in enumerate(page["data"]):
                ref = f"{label}: data[{index}]"
                if not isinstance(item, dict):
                    raise RecordError(ref, "expected an object")
                items.append((ref, item))
            if not page.get("has_more"):
                return items
            after = _text(page.get("last_id"))
            if not after:
                raise RecordError(label, "has_more is true but last_id is missing")
            if after in seen:
                raise RecordError(label, f"last_id {after} repeats an earlier page's")
            seen.add(after)
        raise RecordError(path, f"more than {MAX_LIST_PAGES} pages")

    # -- for the operator -------------------------------------------------------------------------
    def lines(self) -> list[str]:
        """What the attribution did, after the pull: for the import's report."""
        out: list[str] = []
        if self.accounts or self.api_keys:
            people = len(set(self.accounts.values()) | set(self.api_keys.values()))
            out.append(
                f"Attributed through the Anthropic Admin API: {_count(len(self.accounts), 'account')} "
                f"(users list) and {_count(len(self.api_keys), 'API key')} (their creators) to "
                f"{_count(people, 'e-mail')}."
            )
        if self.kept_mapped:
            out.append(
                f"Kept under their own id, as `airetro identities map` ties them to someone: "
                f"{', '.join(sorted(self.kept_mapped))}."
            )
        if self.unattributable:
            out.append("Not attributable through the Admin API, kept under their own id:")
            shown = sorted(self.unattributable.items())[:SHOWN]
            out += [f"  {key}: {why}" for key, why in shown]
            if len(self.unattributable) > SHOWN:
                out.append(f"  … and {_count(len(self.unattributable) - SHOWN, 'more id')}")
        return out


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _required(item: dict, name: str, ref: str) -> str:
    value = item.get(name)
    if value is None:
        raise RecordError(ref, f"missing {name}")
    if not isinstance(value, str) or not value.strip():
        raise RecordError(ref, f"{name} {value!r} is not a non-empty string")
    return value.strip()


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}{'' if n == 1 else 's'}"
