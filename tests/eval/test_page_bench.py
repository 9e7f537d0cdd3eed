"""`kb bench --page`: the citizen page and the JSON search timed side by side on the live API,
as staff benchmark traffic that no counter and no list of the editors keeps."""

import pytest

from eval.bench import run_page_comparison
from tests.conftest import STAFF_TOKEN

pytestmark = pytest.mark.slow


def test_the_page_is_timed_beside_search_and_not_counted(live_api, client, staff_headers):
    before = client.get("/metrics", headers=staff_headers).text
    result = run_page_comparison(live_api, STAFF_TOKEN, questions=8)
    assert result["questions"] == 8
    assert result["search_p50_ms"] > 0 and result["page_p50_ms"] > 0
    # the ratio is taken of the medians before they are rounded to 0.1 ms for printing
    assert result["page_to_search_ratio"] == pytest.approx(result["page_p50_ms"] / result["search_p50_ms"], abs=0.03)
    after = client.get("/metrics", headers=staff_headers).text
    counted = [line for line in after.splitlines() if line.startswith("kb_searches_total")]
    assert counted == [line for line in before.splitlines() if line.startswith("kb_searches_total")]
