"""The README's examples are the getting-started page's, and its table is the results'."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def python_blocks(path):
    return re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)


def test_readme_examples_are_the_documentation_s():
    """tests/test_docs.py runs them there; .ci/check_wheel.py runs the README's from the wheel."""
    getting_started = python_blocks(ROOT / "docs" / "getting_started.md")
    dask = python_blocks(ROOT / "docs" / "user_guide" / "dask.md")
    assert python_blocks(README) == [*getting_started[:2], dask[0]]


def test_readme_benchmark_table_is_that_of_the_committed_results():
    import pandas as pd

    from benchmarks.default import RESULTS_DIR, score_table, summarize

    full = summarize(pd.read_csv(RESULTS_DIR / "full.csv"))
    assert score_table(full) in README.read_text()


def test_readme_names_no_issue_numbers():
    assert not re.search(r"\bissue\s*#?\d", README.read_text(), flags=re.I)
