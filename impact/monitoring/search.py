"""Household searches that never put the search term in a URL.

A search term (a household code or an ID number; a name or code is personal data
too, so every term is treated alike) arrives by POST. It is kept in the session,
encrypted like any personal value, under a short random token, and the page
redirects to a URL that carries only the token (``?s=…``) with the non-personal
filters (county, township, level, type, overdue). So the term never reaches the
access log, the browser's history, a Referer header or a proxy, while pagination
and the filters keep working on the token. Tokens live ``SEARCH_TTL`` seconds and a
session keeps at most ``SEARCH_KEEP`` of them.
"""

import secrets
import time

from django.contrib.sessions.backends.base import SessionBase

from .pii import pii_decrypt, pii_encrypt

SESSION_KEY = "impact_household_searches"
SEARCH_TTL = 30 * 60
SEARCH_KEEP = 10


def household_search_remember(*, session: SessionBase, term: str, now: float | None = None) -> str:
    """Keep ``term`` (encrypted) in the session; returns the opaque token that stands for it."""
    now = time.time() if now is None else now
    kept = {
        token: entry
        for token, entry in session.get(SESSION_KEY, {}).items()
        if now - entry["at"] < SEARCH_TTL
    }
    newest = sorted(kept.items(), key=lambda item: item[1]["at"])[-(SEARCH_KEEP - 1) :]
    token = secrets.token_urlsafe(9)
    kept = dict(newest)
    kept[token] = {"term": pii_encrypt(term), "at": now, "fresh": True}
    session[SESSION_KEY] = kept
    return token


def household_search_recall(
    *, session: SessionBase, token: str, now: float | None = None
) -> tuple[str | None, bool]:
    """The term behind ``token`` (None: unknown or expired), and whether this is its first use."""
    now = time.time() if now is None else now
    entry = session.get(SESSION_KEY, {}).get(token) if token else None
    if entry is None or now - entry["at"] >= SEARCH_TTL:
        return None, False
    try:
        term = pii_decrypt(entry["term"])
    except ValueError:  # written under a PII key since removed: as good as expired
        return None, False
    fresh = bool(entry.get("fresh"))
    if fresh:
        entry["fresh"] = False
        session.modified = True
    return term, fresh
