"""The API depends on the shared core (`kb`, `indexer`), never on the evaluation (`eval`), which
runs as a process of its own."""

import ast
import subprocess
import sys

from kb.settings import PROJECT_DIR

SOURCES = sorted((PROJECT_DIR / "search_api").rglob("*.py"))


def _imported(path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_no_source_of_the_api_imports_eval():
    assert SOURCES
    offenders = {
        str(path.relative_to(PROJECT_DIR)): name
        for path in SOURCES
        for name in _imported(path)
        if name == "eval" or name.startswith("eval.")
    }
    assert offenders == {}


def test_the_running_api_loads_no_module_of_eval():
    code = (
        "import sys\n"
        "import search_api.app, search_api.routes.quality, search_api.evaluations\n"
        "print(sorted(m for m in sys.modules if m == 'eval' or m.startswith('eval.')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
