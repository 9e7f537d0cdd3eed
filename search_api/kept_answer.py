"""An answer as the cache of repeated questions keeps it (`search_api.response_cache`).

The response object of one search holds about 17 KB of Python objects, its JSON about 3.3 KB
(measured over 1,000 evaluation questions, December 2026): with the cache's 10,000 answers that
is the difference between some 170 MB and some 35 MB. So the cache keeps the JSON, without the
two fields that differ per request (`took_ms`, `search_id`, the last two), together with what
counting and logging a search read from it (`SearchFacts`). The API sends that JSON with the two
fields added, without building a response: for a repeat answered before FastAPI
(`search_api.cached_searches`) and in the route, for a repeat as for a new search, whose answer
is serialised once, for the cache and the body alike. `SearchEngine.cached` turns it back into the
response (as equal as it was, tested) for the other callers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from search_api import schemas
from search_api.schemas import Outcome

_PER_REQUEST = {"took_ms", "search_id"}


@dataclass(frozen=True, slots=True)
class SearchFacts:
    """What the counters and the search log keep of an answer (`routes.search.record`)."""

    outcome: Outcome
    language: str | None
    department_id: str | None
    confidence: float | None
    in_scope: float
    top_article: str | None

    @classmethod
    def of(cls, response: schemas.SearchResponse) -> SearchFacts:
        department = response.department
        return cls(
            outcome=response.routing.status if response.results else "no_results",
            language=response.language,
            department_id=department.id if department else None,
            confidence=department.confidence if department else None,
            in_scope=response.routing.in_scope,
            top_article=response.results[0].article_id if response.results else None,
        )


@dataclass(frozen=True, slots=True)
class KeptAnswer:
    kind: type[schemas.SearchResponse]  # the public or the staff response
    head: bytes  # the JSON up to the per-request fields: `{...` without the closing brace
    facts: SearchFacts

    @classmethod
    def of(cls, response: schemas.SearchResponse) -> KeptAnswer:
        body = response.model_dump_json(exclude=_PER_REQUEST).encode()
        return cls(type(response), body[:-1], SearchFacts.of(response))

    def json(self, took_ms: float, search_id: str | None = None) -> bytes:
        """The response's JSON, as `model_dump_json` writes it, with these per-request fields."""
        tail = f',"took_ms":{float(took_ms)!r},"search_id":{json.dumps(search_id)}}}'
        return self.head + tail.encode()

    def response(self, took_ms: float) -> schemas.SearchResponse:
        return self.kind.model_validate_json(self.json(took_ms))
