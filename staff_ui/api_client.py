"""The console's only way to the knowledge base: the search API, with the staff token.

The console never opens the Qdrant store itself: the embedded store admits one process, and
every channel must give the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import httpx
from prometheus_client.parser import text_string_to_metric_families

from kb.security import role_token
from kb.settings import Settings
from search_api.metrics import OUTCOMES, SEARCHES


class ApiError(RuntimeError):
    """The API could not be reached or refused the request; the message is for staff (Dutch),
    `detail` is the API's own reason when it gave one, and `status` its HTTP status."""

    def __init__(self, message: str, detail: str | None = None, status: int | None = None):
        super().__init__(message)
        self.detail = detail
        self.status = status


@dataclass
class ApiClient:
    base_url: str
    token: str | None
    timeout: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> ApiClient:
        return cls(settings.api_url, role_token(settings, "staff", create=False))

    def _get(self, path: str, **params) -> dict | list:
        return self._request("GET", path, params=params)

    def _request(self, method: str, path: str, *, timeout: float | None = None, **kwargs) -> dict | list:
        return self._send(method, path, timeout=timeout, **kwargs).json()

    def _send(
        self, method: str, path: str, *, timeout: float | None = None, headers: dict[str, str] | None = None, **kwargs,
    ) -> httpx.Response:
        headers = {**(headers or {}), **({"Authorization": f"Bearer {self.token}"} if self.token else {})}
        try:
            response = httpx.request(
                method, f"{self.base_url}{path}", headers=headers, timeout=timeout or self.timeout, **kwargs
            )
        except httpx.HTTPError as exc:
            raise ApiError(f"De zoekdienst is niet bereikbaar op {self.base_url} ({exc}).") from exc
        if response.status_code not in (200, 201, 202):
            try:
                detail = response.json().get("detail")
            except ValueError:
                detail = response.text
            raise ApiError(f"De zoekdienst gaf een fout ({response.status_code}): {detail}", str(detail), response.status_code)
        return response

    def search(self, question: str, limit: int = 5) -> dict:
        """The staff view of an answer; the search log counts it as asked in the console."""
        params = {"q": question, "limit": limit, "view": "staff"}
        return self._request("GET", "/search", params=params, headers={"X-KB-Channel": "console"})

    def article(self, article_id: str) -> dict:
        return self._get(f"/articles/{article_id}", view="staff")

    def department_names(self) -> dict[str, str]:
        """Department id -> name (municipal departments and outside bodies)."""
        return {department["id"]: department["name"] for department in self._get("/departments")}

    def articles(self) -> list[dict]:
        return self._get("/articles")

    def feedback(
        self, query: str, *, helpful: bool, article_id: str | None = None, department_id: str | None = None,
        comment: str | None = None,
    ) -> dict:
        body = {"query": query, "helpful": helpful, "article_id": article_id, "department_id": department_id, "comment": comment}
        return self._request("POST", "/feedback", json=body)

    def feedback_overview(self) -> dict:
        return self._get("/quality/feedback")

    def unanswered(self) -> list[dict]:
        return self._get("/quality/unanswered")

    def search_log_csv(self, since: date, until: date) -> bytes:
        """The search log of the days `since` to `until` (both included) as CSV."""
        params = {"since": since.isoformat(), "until": until.isoformat()}
        return self._send("GET", "/quality/searches.csv", params=params, timeout=300).content

    def insight(self, since: date, until: date) -> dict:
        """What was asked on the days `since` to `until` (both included), grouped by meaning, with the
        gaps; the first look at a period embeds its questions (seconds)."""
        params = {"since": since.isoformat(), "until": until.isoformat()}
        return self._request("GET", "/quality/insight", params=params, timeout=180)

    def add_eval_question(self, question: str, expected: list[str], kind: str) -> dict:
        return self._request("POST", "/quality/questions", json={"q": question, "expected": expected, "kind": kind})

    def search_outcomes(self) -> dict[str, int]:
        """Searches since the API started, per routing outcome (its `/metrics`; website and staff
        together): routed, ambiguous ("bedoelt u"), off_topic ("geen informatie"), no_results."""
        counts = dict.fromkeys(OUTCOMES, 0)
        for family in text_string_to_metric_families(self._send("GET", "/metrics").text):
            for sample in family.samples:
                if sample.name == f"{SEARCHES}_total":
                    counts[sample.labels["outcome"]] += int(sample.value)
        return counts

    def health(self) -> dict:
        return self._get("/health")

    def whoami(self) -> str:
        """The role of this client's token: "staff", "editor" or "admin"."""
        return self._get("/whoami")["role"]

    def reindex(self, article_ids: list[str] | None = None) -> dict:
        body = {"article_ids": article_ids} if article_ids else None
        return self._request("POST", "/admin/reindex", json=body, timeout=600)

    def create_article(self, article_id: str, text: str) -> dict:
        """Write a new article (not indexed yet); editors only."""
        return self._request("POST", "/admin/articles", json={"id": article_id, "text": text}, timeout=120)

    def save_article(self, article_id: str, text: str) -> dict:
        """Replace an article's text and re-index it; editors only."""
        return self._request("PUT", f"/admin/articles/{article_id}", json={"text": text}, timeout=600)

    def retire_article(self, article_id: str) -> dict:
        """Move an article to `retired/` and out of the index; editors only."""
        return self._request("POST", f"/admin/articles/{article_id}/retire", timeout=600)

    def start_evaluation(self) -> dict:
        return self._request("POST", "/quality/eval")

    def evaluation_status(self) -> dict:
        return self._get("/quality/eval")

    def reports(self) -> list[dict]:
        return self._get("/quality/reports")

    def report(self, name: str) -> dict:
        return self._get(f"/quality/reports/{name}")
