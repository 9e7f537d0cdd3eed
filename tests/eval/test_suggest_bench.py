"""`kb bench-suggest`: what is typed on the way to a question, and what the benchmark counts."""

from eval.suggest_bench import ALL, question_prefixes, run_suggest_benchmark, typed_prefixes
from indexer.validate import validate_knowledge_base
from kb.questions import LabelledQuestion
from kb.settings import Settings
from search_api.suggest import Suggester


def test_typed_prefixes_of_a_question():
    assert typed_prefixes("paspoord  verlengen hoe lang duurt dat") == {
        "3 characters": "pas",
        "5 characters": "paspo",
        "8 characters": "paspoord",
        "12 characters": "paspoord ver",
        "first 2 words": "paspoord verlengen",
    }  # the first word is the 8 characters: each text once
    assert typed_prefixes("wmo") == {"3 characters": "wmo"}


def test_the_benchmark_counts_every_prefix_and_what_it_found():
    questions = [
        LabelledQuestion(q="paspoord verlengen hoe lang duurt dat", expected=["paspoort-aanvragen"], department="burgerzaken", kind="typo"),
        LabelledQuestion(q="qqqq zzzz", expected=[], department=None, kind="off_topic"),
    ]
    prefixes = question_prefixes(questions)
    rows = run_suggest_benchmark(Suggester(validate_knowledge_base(Settings()).articles), prefixes, rounds=2)
    assert rows[ALL].prefixes == len(prefixes) == 5 + 4
    assert rows[ALL].p50_ms <= rows[ALL].p95_ms <= rows[ALL].p99_ms <= rows[ALL].max_ms
    assert rows[ALL].answered == 5 / 9  # nothing starts with "qqq"
    assert rows[ALL].expected_suggested == 1.0  # every prefix of the passport question finds its article
    assert rows["first 2 words"].prefixes == 2
