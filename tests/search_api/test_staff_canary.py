"""Canary: staff notes planted in every form never reach a public response.

A unique phrase is planted in staff notes of every kind (the proper `## Voor medewerkers`, a
`### Voor medewerkers` inside a public section, `#### interne notitie`, a misspelt
`## voor medewerkers:`, a bold `**Intern:**` line) in articles of a running API, which then
re-indexes. Every GET route of the app's OpenAPI document (so routes added later are covered
too) is called without a token, with every article id and known value in its path and
questions (the phrase itself and the words around it) in its query: no response may contain
the phrase. With the staff token and `view=staff` it does appear, in the proper section.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from urllib.parse import quote, quote_plus

import httpx
import pytest

from indexer.chunking import article_documents
from kb.articles import iter_article_paths, parse_article
from tests.conftest import ADMIN_TOKEN, SHIPPED_CONTENT, STAFF_TOKEN, LiveServer, make_settings

pytestmark = pytest.mark.slow

CANARY = "KANARIE-7f3a"
#: Planted beside the canary but never sent in a request: it cannot be an echo of the question.
MARKER = "MEEUW-5d1b"
NOTE = f"Spoed: bel eerst de backoffice via toestel 4471, code {CANARY}, en noem {MARKER}."
QUESTIONS = [
    CANARY,
    f"code {CANARY}",
    f"{CANARY} backoffice spoed",
    "bel eerst de backoffice via toestel 4471",
    "backoffice toestel 4471 spoed code",
    "paspoort aanvragen",
    "grofvuil laten ophalen",
    "boom kappen vergunning",
    "bezoekersparkeren",
    "bijzondere bijstand aanvragen",
]
PROPER = "paspoort-aanvragen"
#: article id -> how its staff note is planted (each but the first makes the article invalid)
PLANTS = {
    PROPER: lambda text: text.rstrip("\n") + f"\n\n{NOTE}\n",
    "afvalpas-en-containers": lambda text: text.replace("\n## Hoe lang duurt het?", f"\n### Voor medewerkers\n\n{NOTE}\n\n## Hoe lang duurt het?"),
    "bijzondere-bijstand": lambda text: text.replace("\n## Voorwaarden", f"\n#### interne notitie\n\n- {NOTE}\n\n## Voorwaarden"),
    "boom-kappen": lambda text: text.replace("## Voor medewerkers", "## voor medewerkers:").rstrip("\n") + f"\n\n{NOTE}\n",
    "bezoekersparkeren": lambda text: text.replace("\n## Contact", f"\n**Intern:** {NOTE}\n\n## Contact"),
}
NEW_INVALID = "kanarie-nieuw"  # a new article with staff notes in a public section: never indexed
LINKING, LINKED = "afspraak-maken", "verhuizing-doorgeven"
PUBLIC_SENTENCE = "Op zaterdag is de balie in de bibliotheek open voor afspraken over PUBLIEK-3e8d."


@pytest.fixture(scope="module")
def canary(tmp_path_factory):
    """A running API over part of the shipped articles, re-indexed after the notes were planted."""
    content = tmp_path_factory.mktemp("canary") / "content"
    content.mkdir()
    paths = iter_article_paths(SHIPPED_CONTENT)
    keep = {*PLANTS, LINKING, LINKED, *(path.stem for path in paths[::8])}
    for path in paths:
        if path.stem in keep:
            shutil.copy(path, content / path.name)
    server = LiveServer(make_settings(tmp_path_factory.mktemp("canary-data"), content, record_unanswered=False)).start()
    try:
        for article_id, plant in PLANTS.items():
            path = content / f"{article_id}.md"
            path.write_text(plant(path.read_text(encoding="utf-8")), encoding="utf-8")
        new = PLANTS["afvalpas-en-containers"]((SHIPPED_CONTENT / "afvalpas-en-containers.md").read_text(encoding="utf-8"))
        (content / f"{NEW_INVALID}.md").write_text(new.replace("id: afvalpas-en-containers", f"id: {NEW_INVALID}"), encoding="utf-8")
        # The operator's case: an article is removed, and an article that links to it is edited.
        (content / f"{LINKED}.md").unlink()
        linking = content / f"{LINKING}.md"
        linking.write_text(linking.read_text(encoding="utf-8").replace("## Hoe vraag ik het aan?\n", f"## Hoe vraag ik het aan?\n\n{PUBLIC_SENTENCE}\n"), encoding="utf-8")
        response = httpx.post(f"{server.url}/admin/reindex", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=600)
        assert response.status_code == 200, response.text
        yield server, content, response.json()
    finally:
        server.stop()


def test_reindex_indexes_the_proper_notes_and_skips_misplaced_ones(canary):
    _, content, report = canary
    invalid = {path.rsplit("/", 1)[-1].removesuffix(".md") for path in report["invalid_files"]}
    assert invalid == {*PLANTS, NEW_INVALID} - {PROPER}
    assert PROPER in report["updated"] and LINKING in report["updated"] and report["removed"] == [LINKED]


def test_an_article_linking_to_a_removed_article_stays_indexed(canary):
    server, _, _ = canary
    with httpx.Client(base_url=server.url, timeout=60) as client:
        assert PUBLIC_SENTENCE in client.get(f"/articles/{LINKING}").text
        body = client.get("/search", params={"q": "balie in de bibliotheek op zaterdag afspraak"}).json()
        assert body["results"][0]["article_id"] == LINKING


def test_the_chunker_never_emits_planted_notes(canary):
    """Also for the articles that validation rejects: parsed without any check, then chunked."""
    _, content, _ = canary
    for article_id in [*PLANTS, NEW_INVALID]:
        article = parse_article(content / f"{article_id}.md").article
        assert all(CANARY not in section.markdown + section.text for section in article.public_sections)
        assert all(CANARY not in document.content for document in article_documents(article, "x"))
    assert CANARY in parse_article(content / f"{PROPER}.md").article.staff_section.text


def _query_values(parameter: dict) -> list[object] | None:
    """What to send for a query parameter: the questions for free text, its default (or
    maximum) otherwise; None to leave it out."""
    schema = parameter.get("schema", {})
    types = {option.get("type") for option in schema.get("anyOf", [schema])}
    free_text = not schema.get("enum") and re.fullmatch(schema.get("pattern", ".*"), "paspoort aanvragen")
    if "string" in types and free_text:
        return list(QUESTIONS)
    if "integer" in types:
        return [schema.get("maximum", schema.get("default", 20))]
    if "boolean" in types:
        return [True]
    return [schema["default"]] if "default" in schema else None


def public_requests(client: httpx.Client, article_ids: list[str]) -> list[tuple[str, dict, list[str]]]:
    """(path, query parameters, values sent) for every GET route of the OpenAPI document."""
    known = [*article_ids, *(d["id"] for d in client.get("/departments").json()), CANARY]
    requests = [("/openapi.json", {}, [])]
    for template, operations in client.get("/openapi.json").json()["paths"].items():
        if "get" not in operations:
            continue
        parameters = operations["get"].get("parameters", [])
        in_path = [p["name"] for p in parameters if p["in"] == "path"]
        fillings = [{}] if not in_path else [{name: value for name in in_path} for value in known]
        free: dict[str, list[object]] = {}
        fixed: dict[str, object] = {}
        for parameter in parameters:
            if parameter["in"] != "query" or (values := _query_values(parameter)) is None:
                continue
            if len(values) > 1:
                free[parameter["name"]] = values
            else:
                fixed[parameter["name"]] = values[0]
        for filling in fillings:
            path = template.format(**filling)
            requests.append((path, dict(fixed), list(filling.values())))
            for question in QUESTIONS if free else []:
                requests.append((path, {**fixed, **{name: question for name in free}}, [*filling.values(), question]))
    return requests


def page_requests(client: httpx.Client, article_ids: list[str]) -> list[tuple[str, dict, list[str]]]:
    """The citizen pages, which the OpenAPI document does not list: the start page, a search for
    each question, every article page and every life event's page."""
    from kb.life_events import load_life_events
    from kb.settings import PROJECT_DIR

    events = [event.id for event in load_life_events(PROJECT_DIR / "kb" / "life_events.yaml")]
    requests: list[tuple[str, dict, list[str]]] = [("/zoeken", {}, [])]
    requests += [("/zoeken", {"q": question}, [question]) for question in QUESTIONS]
    requests += [(f"/zoeken/artikel/{article_id}", {}, [article_id]) for article_id in article_ids]
    requests += [(f"/zoeken/levensgebeurtenis/{event}", {}, [event]) for event in events]
    return requests


def without_echoes(body: str, sent: list[str]) -> str:
    """The response without what the request itself sent (a question is echoed back): its
    values in any encoding, and quoted pieces that are a part of one (a corrected word)."""
    for value in sorted((str(v) for v in sent), key=len, reverse=True):
        for form in {value, html.escape(value), json.dumps(value)[1:-1], quote(value), quote_plus(value)}:
            body = re.sub(re.escape(form), " ", body, flags=re.IGNORECASE)
    pieces = re.split(r'["<>\n]|\\n', body)
    return "\n".join(piece for piece in pieces if not any(piece.strip().lower() in str(v).lower() for v in sent if piece.strip()))


def test_no_public_response_contains_the_planted_notes(canary):
    server, content, _ = canary
    with httpx.Client(base_url=server.url, timeout=60) as client:
        article_ids = sorted({a["id"] for a in client.get("/articles").json()} | {path.stem for path in content.glob("*.md")})
        assert set(PLANTS) <= set(article_ids) and NEW_INVALID in article_ids
        requests = public_requests(client, article_ids) + page_requests(client, article_ids)
        assert any(path == "/search" and params.get("q") == CANARY for path, params, _ in requests)
        assert any(path == "/zoeken" and params.get("q") == CANARY for path, params, _ in requests)
        checked = 0
        for path, params, sent in requests:
            response = client.get(path, params=params)
            where = f"GET {path} {params}: {response.status_code}"
            assert response.status_code < 500, where
            assert MARKER not in response.text, where
            assert CANARY.lower() not in without_echoes(response.text, sent).lower(), where
            checked += response.status_code == 200
        assert checked > len(article_ids)  # the scan read real content, not just refusals


def test_staff_see_the_proper_notes(canary):
    server, _, _ = canary
    with httpx.Client(base_url=server.url, timeout=60, headers={"Authorization": f"Bearer {STAFF_TOKEN}"}) as client:
        detail = client.get(f"/articles/{PROPER}", params={"view": "staff"}).json()
        assert detail["staff_notes"]["heading"] == "Voor medewerkers" and NOTE in detail["staff_notes"]["markdown"]
        assert all(CANARY not in section["markdown"] for section in detail["sections"])
        body = client.get("/search", params={"q": "paspoort aanvragen", "view": "staff"}).json()
        result = next(r for r in body["results"] if r["article_id"] == PROPER)
        assert CANARY in result["staff_notes"] and CANARY not in result["snippet"]
        public = client.get("/search", params={"q": "paspoort aanvragen"}).json()
        assert CANARY not in json.dumps(public)
