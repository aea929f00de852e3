"""The cache of what is published.

A published version never changes, so its rendered page is cached under a key made of the
version's id and publication time, and of the id and publication time of every other published
version of the same matrix (the page links them, and says which one is the latest). The one query
a cache hit runs lists those published versions: a new publication or a withdrawal of consent
changes the key (a withdrawn version is simply not found), so nothing needs purging and nothing
stale or unpublished is ever served.

Two entries per version: the page's content (header, disclaimer, coverage, the matrix table),
shared by every visitor; and, for anonymous visitors without cookies, the whole page. Both live in
Django's cache (Redis in production, shared by the workers); whole pages are also kept in a small
per-process memory in front of it, which is safe for the same reason: a key never changes meaning.

The public API is cached the same way for visitors without credentials: a published version's
JSON under its id and publication time, lists under a signature of the set of published versions.

Every key that holds text a reader reads (pages, fragments, JSON with names and row labels) ends with
the active language (`language()`): a French page or a French State name is never served to a reader
of Arabic. The coverage figures (`matrices.coverage._totals`) hold numbers and links only, no names.
"""

import hashlib
import threading
from collections import OrderedDict
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.utils.translation import get_language

from matrices.models import Matrix, Regime
from states.models import State

# Bump when the cached templates change in a way old entries must not survive.
FRAGMENT_VERSION = 7
TIMEOUT = 24 * 3600
LOCAL_PAGES_MAX_BYTES = 32 * 1024 * 1024


def published_index(iso3: str, regime_code: str) -> list[tuple]:
    """(id, version, published_at) of every published version of a State's matrix for a regime,
    newest first. One query, written out in SQL: it runs on every view of a published page, and
    building it through the ORM cost as much as the rest of a cache hit. The State and the regime
    are scalar subqueries, not joins: a third cheaper to plan and run, whatever the statistics."""
    sql = (
        f"SELECT m.id, m.version, m.published_at FROM {Matrix._meta.db_table} m "  # noqa: S608 - table names only
        f"WHERE m.state_id = (SELECT id FROM {State._meta.db_table} WHERE iso3 = %s) "
        f"AND m.regime_id = (SELECT id FROM {Regime._meta.db_table} WHERE code = %s) "
        "AND m.status = %s ORDER BY m.version DESC"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [iso3, regime_code, Matrix.Status.PUBLISHED.value])
        return [tuple(row) for row in cursor.fetchall()]


def _stamp(published_at) -> str:
    if published_at is None:
        return "none"
    # A datetime from PostgreSQL, the column's text from SQLite's raw cursor.
    if hasattr(published_at, "timestamp"):
        return f"{published_at.timestamp():.6f}"
    return str(published_at).replace(" ", "T")


def language() -> str:
    """The active language, as the last part of a cache key ("en" when none is active)."""
    return get_language() or "en"


def content_key(pk, published_at, versions=()) -> str:
    """The key of a published version's content: its id and publication time, every published
    version of the same matrix (`versions`: (id, version, published_at) tuples), the language."""
    siblings = hashlib.sha1(  # noqa: S324 - a cache key, not a security digest
        ";".join(f"{other}:{version}:{_stamp(at)}" for other, version, at in versions).encode()
    ).hexdigest()[:16]
    return f"matrices:public:{FRAGMENT_VERSION}:{pk}:{_stamp(published_at)}:{siblings}:{language()}"


def page_key(content_key: str, path: str) -> str:
    return f"{content_key}:page:{hashlib.sha1(path.encode()).hexdigest()[:16]}"  # noqa: S324


def get(key):
    return cache.get(key)


def put(key, value):
    cache.set(key, value, TIMEOUT)


class _LocalPages:
    """Whole pages kept in this process, least recently used out first, bounded in bytes."""

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self.size = 0
        self.pages = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            body = self.pages.get(key)
            if body is not None:
                self.pages.move_to_end(key)
            return body

    def put(self, key, body):
        with self.lock:
            if key in self.pages:
                return
            self.pages[key] = body
            self.size += len(body)
            while self.size > self.max_bytes and self.pages:
                _key, old = self.pages.popitem(last=False)
                self.size -= len(old)

    def clear(self):
        with self.lock:
            self.pages.clear()
            self.size = 0


local_pages = _LocalPages(LOCAL_PAGES_MAX_BYTES)


def get_page(key):
    body = local_pages.get(key)
    if body is None:
        body = cache.get(key)
        if body is not None:
            local_pages.put(key, body)
    return body


def put_page(key, body):
    cache.set(key, body, TIMEOUT)
    local_pages.put(key, body)


# ---------------------------------------------------------------------------------------------
# The public API: lists of published versions, and the cells of a published version


def published_signature() -> str:
    """How many versions are published, and the latest publication time. One query (in SQL, as
    the index above: it runs on every public API list).

    It changes whenever the set of published versions does: a publication brings a time later
    than all others, and a withdrawal alone lowers the count. Published versions never change, so
    the same signature means the same public lists."""
    sql = f"SELECT COUNT(*), MAX(published_at) FROM {Matrix._meta.db_table} WHERE status = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [Matrix.Status.PUBLISHED.value])
        count, latest = cursor.fetchone()
    return f"{count}:{_stamp(latest)}"


def _json(data) -> bytes:
    from rest_framework.renderers import JSONRenderer

    return JSONRenderer().render(data)


def _cached_json(key, respond):
    """A JSON answer from the cache, or `respond()` (a DRF Response), kept when it is a 200."""
    body = get_page(key)
    if body is None:
        response = respond()
        if response.status_code != 200:
            return response
        body = _json(response.data)
        put_page(key, body)
    return HttpResponse(body, content_type="application/json")


def public_api_list(request, respond):
    """A public API list of versions, for visitors without credentials, who see published versions
    only (a State's officials and the experts also see unpublished ones, which change: never
    cached). The key holds the publication signature, the query, the host of the links and the language
    (the regimes' names are translated)."""
    query = urlencode(sorted(request.GET.lists()), doseq=True)
    key = "matrices:api-list:{v}:{sig}:{host}:{digest}:{language}".format(
        v=FRAGMENT_VERSION,
        sig=published_signature(),
        host=request.build_absolute_uri("/"),
        digest=hashlib.sha1(query.encode()).hexdigest(),  # noqa: S324 - a cache key
        language=language(),
    )
    return _cached_json(key, respond)


def public_api_detail(matrix, respond):
    """A published version with its cells, for visitors without credentials."""
    key = f"matrices:api-detail:{FRAGMENT_VERSION}:{matrix.pk}:{_stamp(matrix.published_at)}:{language()}"
    return _cached_json(key, respond)


def published_cells(matrix, build):
    """The cells payload of a published version (`build(matrix)` on a miss); others are built."""
    if not matrix.is_published:
        return build(matrix)
    key = f"matrices:api-cells:{FRAGMENT_VERSION}:{matrix.pk}:{_stamp(matrix.published_at)}:{language()}"
    cells = cache.get(key)
    if cells is None:
        cells = build(matrix)
        cache.set(key, cells, TIMEOUT)
    return cells
