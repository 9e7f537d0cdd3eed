"""Where the time of one search goes: milliseconds per stage, in the order they ran.

The pipeline, the engine and the route each `lap` the stage they just finished; the `/search`
route sends the result to staff clients as a standard `Server-Timing` header (which `kb bench`
sums up per stage and a browser's developer tools show), never to citizens.
"""

from __future__ import annotations

import time

#: The stages of a search, in order (`search_api.pipeline` and `SearchEngine.search`)
#: ("thread": waiting for a worker thread to search, after a question the cache did not hold)
STAGES = ("cache", "thread", "detect", "correct", "embed", "retrieve", "group", "rerank", "route", "answer", "log", "serialise")


class StageClock:
    __slots__ = ("stages", "_last")

    def __init__(self) -> None:
        self.stages: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        """The time since the previous lap belongs to `stage`."""
        now = time.perf_counter()
        self.stages[stage] = self.stages.get(stage, 0.0) + (now - self._last) * 1000
        self._last = now

    def server_timing(self) -> str:
        return ", ".join(f"{stage};dur={ms:.3f}" for stage, ms in self.stages.items())


def parse_server_timing(value: str) -> dict[str, float]:
    """`{stage: ms}` from a `Server-Timing` header value (what `server_timing` writes)."""
    stages: dict[str, float] = {}
    for metric in value.split(","):
        name, _, params = metric.strip().partition(";")
        for param in params.split(";"):
            key, _, number = param.strip().partition("=")
            if key == "dur" and name:
                try:
                    stages[name] = stages.get(name, 0.0) + float(number)
                except ValueError:
                    continue
    return stages
