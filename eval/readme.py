"""Writes the evaluation tables into Markdown files between markers, from the JSON report.

A block is two marker lines with the generated lines between them:

    <!-- kb eval: targets -->
    | split | metric | ... |
    <!-- /kb eval: targets -->

The names are those of `eval.markdown.README_BLOCKS`. Everything outside the blocks is left as
it is. `kb eval --readme README.md --readme docs/quality.md` (run by `make baseline`) and
`kb report` with the same options write them; `tests/eval/test_readme.py` fails when the blocks
of either file differ from what the committed `eval/baseline.json` renders. The ablation
(`kb ablation`) writes its own blocks the same way, under its own tag (`<!-- kb ablation: parts
-->`, `eval.ablation.ABLATION_BLOCKS`), from `eval/ablation.json`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path

from eval.markdown import README_BLOCKS

Blocks = Mapping[str, Callable[[dict], list[str]]]
TAG = "kb eval"


def _markers(tag: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    return (re.compile(rf"^<!-- {tag}: (?P<name>[\w-]+) -->$"), re.compile(rf"^<!-- /{tag}: (?P<name>[\w-]+) -->$"))


class ReadmeBlockError(ValueError):
    """A marker that is unknown, unclosed, or closes another block; the message names the line."""


def find_blocks(
    text: str, source: str = "README.md", known: Blocks = README_BLOCKS, tag: str = TAG
) -> list[tuple[str, int, int]]:
    """Each block as (name, index of its opening marker line, index of its closing marker line),
    of the markers `<!-- {tag}: name -->`; other markers are left alone."""
    opening, closing = _markers(tag)
    blocks, opened = [], None
    for number, line in enumerate(text.splitlines()):
        where = f"{source}:{number + 1}"
        if match := opening.match(line.strip()):
            name = match["name"]
            if opened:
                raise ReadmeBlockError(f"{where}: block '{name}' opens inside block '{opened[0]}' (opened at line {opened[1] + 1})")
            if name not in known:
                raise ReadmeBlockError(f"{where}: unknown block '{name}'; known: {', '.join(known)}")
            opened = (name, number)
        elif match := closing.match(line.strip()):
            if not opened or match["name"] != opened[0]:
                raise ReadmeBlockError(f"{where}: '{match['name']}' closes a block that is not open")
            blocks.append((opened[0], opened[1], number))
            opened = None
    if opened:
        raise ReadmeBlockError(f"{source}:{opened[1] + 1}: block '{opened[0]}' is never closed")
    return blocks


def render_readme(text: str, report: dict, source: str = "README.md", known: Blocks = README_BLOCKS, tag: str = TAG) -> str:
    """The text with every block's lines replaced by what the report renders."""
    return _render(text, find_blocks(text, source, known, tag), report, known)


def write_readme(path: Path, report: dict, known: Blocks = README_BLOCKS, tag: str = TAG) -> list[str]:
    """Rewrites the blocks of the Markdown file at `path`; returns the names of the blocks written."""
    text = path.read_text(encoding="utf-8")
    blocks = find_blocks(text, str(path), known, tag)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(_render(text, blocks, report, known), encoding="utf-8")
    partial.replace(path)  # all or nothing: an interrupted write leaves the old file
    return [name for name, _, _ in blocks]


def _render(text: str, blocks: list[tuple[str, int, int]], report: dict, known: Blocks) -> str:
    lines = text.splitlines()
    for name, start, end in reversed(blocks):
        lines[start + 1:end] = known[name](report)
    return "\n".join(lines) + ("\n" if text.endswith("\n") else "")
