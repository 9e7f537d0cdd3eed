"""Writer processes of several services take turns with the embedded store: one waits while
another has it, and the one that has it can see that another waits (and so give it up)."""

from __future__ import annotations

import threading
import time

from kb.store_files import others_waiting, write_turn
from tests.conftest import SHIPPED_CONTENT, make_settings


def test_writers_take_turns_and_the_one_with_the_store_sees_another_wait(tmp_path):
    settings = make_settings(tmp_path / "data", SHIPPED_CONTENT)
    order: list[str] = []

    def second_writer() -> None:
        with write_turn(settings):
            order.append("second")

    assert not others_waiting(settings)
    with write_turn(settings):
        assert not others_waiting(settings)
        waiting = threading.Thread(target=second_writer)
        waiting.start()
        deadline = time.monotonic() + 10
        while not others_waiting(settings) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert others_waiting(settings)
        order.append("first")
    waiting.join(timeout=10)
    assert order == ["first", "second"]
    assert not others_waiting(settings)
