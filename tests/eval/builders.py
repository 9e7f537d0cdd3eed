"""One labelled observation with sensible defaults, for the tests of the evaluation."""

from eval.metrics import Observation

#: An in-scope question about bulky waste, answered with the right article and not (yet) routed.
IN_SCOPE = dict(question="q", kind="colloquial", split="dev", expected=["grofvuil-ophalen"], expected_department="afval",
                ranked=["grofvuil-ophalen"], department=None, confidence=0.5, top_score=0.8, status="routed")
#: What makes it a question we do not cover.
OFF_TOPIC = dict(kind="off_topic", expected=[], expected_department=None)


def observation(**fields) -> Observation:
    return Observation(**{**IN_SCOPE, **fields})
