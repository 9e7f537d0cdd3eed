"""The search contract, end to end: real model, real embedded Qdrant, real HTTP."""

import pytest

pytestmark = pytest.mark.slow

# One clear citizen question per routing target (not copied from the articles).
CLEAR_QUESTIONS = {
    "burgerzaken": "mijn paspoort is bijna verlopen, hoe krijg ik een nieuwe",
    "belastingen": "ik vind de WOZ-waarde van mijn huis te hoog",
    "afval": "wanneer komen ze mijn oude bank en matras ophalen",
    "openbare_ruimte": "de lantaarnpaal in mijn straat doet het niet meer",
    "parkeren": "hoe krijg ik een parkeervergunning voor mijn eigen straat",
    "vergunningen": "heb ik een vergunning nodig om een dakkapel te bouwen",
    "werk_inkomen": "ik heb geen inkomen meer, kan ik een bijstandsuitkering krijgen",
    "zorg": "mijn moeder kan haar huis niet meer zelf schoonmaken, kan ze hulp krijgen",
    "jeugd_onderwijs": "mag ik mijn kind een week eerder uit school halen voor vakantie",
    "wonen": "hoe lang moet ik wachten op een sociale huurwoning",
    "ondernemen": "ik wil een terras voor mijn café",
    "klantcontact": "ik wil een klacht indienen over hoe een ambtenaar mij behandelde",
    "extern_belastingdienst": "hoe vraag ik huurtoeslag aan",
    "extern_uwv": "ik ben ontslagen, hoe vraag ik WW aan",
    "extern_svb": "wanneer krijg ik kinderbijslag voor mijn baby",
    "extern_duo": "hoe vraag ik studiefinanciering aan voor mijn studie",
    "extern_rdw": "ik heb mijn auto verkocht, hoe schrijf ik het kenteken over",
    "extern_cbr": "hoe vul ik de gezondheidsverklaring voor mijn rijbewijs in",
    "extern_cjib": "ik heb een flitsboete gekregen, waar betaal ik die",
    "extern_ind": "hoe verleng ik mijn verblijfsvergunning",
    "extern_kvk": "hoe schrijf ik mijn nieuwe bedrijf in bij de Kamer van Koophandel",
}

OFF_TOPIC = ["recept appeltaart", "wie won de wedstrijd van Ajax gisteren", "asdfgh qwerty zxcvb"]


def test_health_reports_model_and_index(client):
    body = client.get("/health").json()
    assert body["ready"] is True and body["status"] == "ok"
    assert body["articles_indexed"] >= 60
    assert body["chunks_indexed"] > body["articles_indexed"]
    assert "e5" in body["model"]


def test_search_contract(client):
    # about the passport itself: for "wat kost een paspoort" the evaluation set counts the fee
    # table (leges-tarieven, department belastingen) as right too
    response = client.get("/search", params={"q": "wat kost een nieuw paspoort", "limit": 3})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "wat kost een nieuw paspoort"
    assert isinstance(body["took_ms"], float)
    assert 1 <= len(body["results"]) <= 3
    result = body["results"][0]
    assert result["article_id"] == "paspoort-aanvragen"
    assert set(result) == {"article_id", "title", "department_id", "upl", "section", "snippet", "score"}
    assert result["upl"] == ["http://standaarden.overheid.nl/owms/terms/paspoort"]
    assert [r["article_id"] for r in body["results"]] == list(dict.fromkeys(r["article_id"] for r in body["results"]))
    answer = body["answer"]
    assert answer["article_id"] == "paspoort-aanvragen" and answer["section"] == "Kosten"
    assert answer["text"] and len(answer["text"]) <= 300
    department = body["department"]
    assert department["id"] == "burgerzaken" and 0 <= department["confidence"] <= 1
    assert department["contact"]["phone"]
    routing = body["routing"]
    assert routing["status"] == "routed" and routing["alternatives"] == []
    assert routing["in_scope_threshold"] <= routing["in_scope"] <= 1


@pytest.mark.parametrize("department_id,question", sorted(CLEAR_QUESTIONS.items()))
def test_clear_questions_reach_their_department(client, department_id, question):
    body = client.get("/search", params={"q": question}).json()
    assert body["department"] is not None, body["routing"]
    assert body["department"]["id"] == department_id
    assert body["results"][0]["department_id"] == department_id


def test_outside_body_is_marked_external(client):
    body = client.get("/search", params={"q": CLEAR_QUESTIONS["extern_belastingdienst"]}).json()
    assert body["department"]["external"] is True
    assert "niet bij de gemeente" in body["routing"]["reason"]


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_off_topic_is_not_routed(client, question):
    body = client.get("/search", params={"q": question}).json()
    assert body["department"] is None
    assert body["answer"] is None
    assert body["routing"]["status"] == "off_topic"
    # what was found is still listed, so the reason does not claim there is nothing
    assert body["results"]
    assert "geen informatie gevonden" not in body["routing"]["reason"]
    assert "resultaten hieronder" in body["routing"]["reason"]
    # the website can see how far below the threshold it is (and hide the results if it wants)
    assert 0 <= body["routing"]["in_scope"] < body["routing"]["in_scope_threshold"]


def test_other_languages_reach_the_dutch_article(client):
    for question, article in [
        ("how do I register my new address after moving", "verhuizing-doorgeven"),
        ("pasaportumu yenilemek istiyorum", "paspoort-aanvragen"),
    ]:
        body = client.get("/search", params={"q": question}).json()
        assert article in [r["article_id"] for r in body["results"][:3]], body["results"]


@pytest.mark.parametrize(
    "params,message",
    [
        ({"q": ""}, "leeg"),
        ({"q": "   "}, "leeg"),
        ({}, "leeg"),
        ({"q": "x" * 501}, "te lang"),
        ({"q": "paspoort\x00"}, "niet is toegestaan"),
        ({"q": "paspoort\x1b[31m"}, "niet is toegestaan"),
    ],
)
def test_bad_queries_get_a_clear_422(client, params, message):
    response = client.get("/search", params=params)
    assert response.status_code == 422
    assert message in response.json()["detail"]


@pytest.mark.parametrize("limit", [0, 21, "veel"])
def test_bad_limit_is_422(client, limit):
    assert client.get("/search", params={"q": "paspoort", "limit": limit}).status_code == 422


def test_articles_list_and_detail(client):
    articles = client.get("/articles").json()
    assert len(articles) >= 60
    assert set(articles[0]) == {"id", "title", "department_id", "upl"}
    detail = client.get("/articles/paspoort-aanvragen").json()
    assert [s["heading"] for s in detail["sections"]][0] == "Wat is het?"
    assert client.get("/articles/bestaat-niet").status_code == 404


def test_departments(client):
    departments = {d["id"]: d for d in client.get("/departments").json()}
    assert set(CLEAR_QUESTIONS) <= set(departments)
    assert departments["extern_uwv"]["external"] is True
    assert departments["burgerzaken"]["contact"]["hours"]


@pytest.mark.parametrize(
    "question,article,department",
    [
        ("bijstand", "bijstandsuitkering", "werk_inkomen"), ("afspraak", "afspraak-maken", "klantcontact"),
        ("WMO", "wmo-hulp-aanvragen", "zorg"),
        # with the filler words people type around it (these two used to get "geen informatie")
        ("ik wil trouwen", "trouwen-en-partnerschap", "burgerzaken"), ("ik ga verhuizen", "verhuizing-doorgeven", "burgerzaken"),
    ],
)
def test_an_editors_keyword_is_a_best_bet(client, question, article, department):
    body = client.get("/search", params={"q": question}).json()
    assert body["results"][0]["article_id"] == article
    assert body["routing"]["status"] != "off_topic"
    assert body["routing"]["in_scope"] == 1.0  # an editor's keyword is in scope by definition
    if body["department"] is not None:
        assert body["department"]["id"] == department
    else:
        assert department in [alternative["id"] for alternative in body["routing"]["alternatives"]]


def test_the_question_memory_of_the_calibration_reads_what_a_question_is_about(live_server):
    """The committed router carries the labelled questions' vectors: a municipal question is nearer
    to covered ones, a recipe to off-topic ones; without the memory the signal is 0."""
    from dataclasses import replace

    from search_api.pipeline import SearchTrace

    engine = live_server.app.state.engine
    assert engine.calibration.memory is not None
    trace = SearchTrace()
    covered = engine.retrieve("ik wil mijn paspoort verlengen", trace=trace)
    recipe = engine.retrieve("recept voor appeltaart met kaneel")
    assert engine.calibration.memory.dimensions == len(trace.embedding)
    assert covered.routing_input.margin > 0 > recipe.routing_input.margin
    without = replace(engine.models, memory=None)
    assert engine.retrieve("ik wil mijn paspoort verlengen", models=without).routing_input.margin == 0.0


def test_the_learned_ranking_of_the_calibration_orders_the_first_articles(live_server):
    """The committed router carries a learned ranking; without it the fused order stands."""
    from dataclasses import replace

    from search_api.pipeline import SearchTrace
    from search_api.ranking import RANKING_FEATURES, WIDTH, LearnedRanking

    engine = live_server.app.state.engine
    assert engine.calibration.ranking is not None
    question = "Ik ben weduwe geworden en heb twee kinderen, waar kan ik een uitkering krijgen?"
    trace = SearchTrace()
    unranked = engine.retrieve(question, models=replace(engine.models, ranking=None), trace=trace)
    assert len(trace.ranking_candidates) == 10 and trace.ranking_features.shape == (10, WIDTH)
    token_match = trace.ranking_features[:, RANKING_FEATURES.index("token_match")]
    assert (token_match > 0.5).all() and len(set(token_match)) == 10  # the question's tokens met each article's
    assert trace.ranking_candidates == [hit.article_id for hit in unranked.hits[:10]]
    last_first = LearnedRanking(
        coef=[1.0 if name in ("rank", "rank_if_other_language") else 0.0 for name in RANKING_FEATURES],
        intercept=0.0,
    )
    reversed_ = engine.retrieve(question, models=replace(engine.models, ranking=last_first))
    assert [hit.article_id for hit in reversed_.hits[:10]] == trace.ranking_candidates[::-1]
    calibrated = engine.retrieve(question)
    assert calibrated.hits[0].article_id == "anw-nabestaandenuitkering"
