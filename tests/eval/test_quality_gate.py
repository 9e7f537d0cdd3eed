"""CI quality gate: answer quality may not silently drop below the committed baseline.

`eval/baseline.json` is the report of `make baseline` (`kb eval --calibrate --output
eval/baseline.json`) on the committed content and questions. When a change makes hit@5 or the
routing accuracy more than 2 points worse, this test fails; a deliberate trade-off is accepted by
regenerating and committing the baseline.
"""

import json

from eval.metrics import summarize
from eval.run import observe
from kb.settings import PROJECT_DIR

BASELINE = PROJECT_DIR / "eval" / "baseline.json"
MAX_DROP = 0.02


def test_quality_does_not_drop_below_the_committed_baseline(live_server, retrieved_questions):
    engine = live_server.app.state.engine
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))["overall"]
    summary = summarize(observe(retrieved_questions, engine.calibration))
    for metric in ("hit@5", "routing_accuracy"):
        assert summary[metric] >= baseline[metric] - MAX_DROP, (
            f"{metric} dropped from {baseline[metric]:.3f} (eval/baseline.json) to {summary[metric]:.3f}"
        )
    # and the rest is reported, so a drift is visible in the CI log
    print({metric: (baseline.get(metric), summary[metric]) for metric in ("hit@1", "mrr", "off_topic_rejection")})
