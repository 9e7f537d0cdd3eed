"""An evaluation started from the console, as a process of its own: `python -m eval.job`.

The API starts it (`search_api.evaluations`) with its settings in `KB_*` variables and, for the
embedded store, a copy of the index as it is served (`KB_QDRANT_PATH`). It loads the engine as the
API does, with the deployed router, scores the labelled questions, writes the report into
`<data_dir>/reports/` and records how it ended (`kb.eval_job`): finished with the report's name,
or failed with the reason.
"""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

from kb.environment import apply_defaults
from kb.eval_job import EvalJob, job_folder, job_lock, now, read_job, write_job
from kb.settings import Settings

log = logging.getLogger("eval.job")


def evaluate(settings: Settings) -> Path:
    """Score the labelled questions on the deployed engine; returns the JSON report's path."""
    from eval.run import evaluate_engine
    from kb.questions import load_questions
    from search_api.engine import SearchEngine

    questions = load_questions(settings.questions_file)  # before the model loads: a broken file fails fast
    engine = SearchEngine(settings)
    try:
        engine.start(build_index_if_empty=False)
        return evaluate_engine(engine, questions, settings.data_dir / "reports")
    finally:
        engine.close()


def record(settings: Settings, **ended: str | None) -> None:
    """Record how the job ended (`state` and `report` or `error`)."""
    with job_lock(settings):
        job = read_job(settings) or EvalJob(state="running", started=now())
        write_job(settings, job.model_copy(update={**ended, "ended": now()}))


def main() -> int:
    apply_defaults()  # before the engine's libraries are imported
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings()
    try:
        report = evaluate(settings)
    except Exception as exc:  # recorded for the console; the traceback goes to the job's log
        log.exception("The evaluation failed")
        record(settings, state="failed", error=f"{type(exc).__name__}: {exc}")
        return 1
    finally:
        store_copy = settings.qdrant_path
        if store_copy is not None and store_copy.is_relative_to(job_folder(settings)):
            shutil.rmtree(store_copy, ignore_errors=True)
    record(settings, state="finished", report=report.stem, error=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
