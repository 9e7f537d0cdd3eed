"""The cache keeps an answer as JSON without its per-request fields (`search_api.kept_answer`):
with them added it is the response's own JSON byte for byte and turns back into an equal response,
for the public and the staff view, and it keeps what counting and logging read. On the live
engine, for questions that are answered, routed elsewhere, off-topic and not found."""

from __future__ import annotations

import pytest

from search_api import schemas
from search_api.kept_answer import KeptAnswer, SearchFacts

pytestmark = pytest.mark.slow

QUESTIONS = ("wat kost een paspoort", "Hoe vraag ik een gehandicaptenparkeerkaart aan?", "mijn belastingaangifte",
             "hoe laat speelt Ajax zondag", "€ 12,50 voor een rijbewijs?", "xqzw")


@pytest.mark.parametrize("staff", [False, True])
def test_a_kept_answer_is_the_response_itself(live_server, staff):
    engine = live_server.app.state.engine
    for question in QUESTIONS:
        response = engine.search(question, staff=staff, fresh=True)
        assert isinstance(response, schemas.StaffSearchResponse) == staff
        kept = KeptAnswer.of(response)
        for took_ms, search_id in ((1.25, "0123abcd"), (0.0, None), (12.0, None)):
            answered = response.model_copy(update={"took_ms": took_ms, "search_id": search_id})
            assert kept.json(took_ms, search_id) == answered.model_dump_json().encode()
        again = kept.response(3.5)
        assert type(again) is type(response) and again == response.model_copy(update={"took_ms": 3.5})
        assert kept.facts == SearchFacts.of(response)
        assert len(kept.head) < len(response.model_dump_json().encode())
