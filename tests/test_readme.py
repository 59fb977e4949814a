"""The README's Python examples run as written."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_quickstart_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the examples write a file
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    runnable = [b for b in blocks if "EmbeddingEncoder(\n    *," not in b]  # skip the signature
    assert len(runnable) == 4
    namespace = {}
    exec(compile("\n".join(runnable), str(README), "exec"), namespace)
    encoder = namespace["encoder"]
    assert encoder.transform(namespace["X"][["shop", "city"]]).shape == (5000, 8)
    assert (tmp_path / "cities.txt").read_text().count("\n") == 3  # Lyon, Nice, Paris


def test_readme_benchmark_tables_are_those_of_the_committed_results():
    """The README's default-benchmark tables are what the result files give, verbatim."""
    import pandas as pd

    from benchmarks.default import RESULTS_DIR, cost_table, score_table, summarize

    text = README.read_text()
    default = summarize(pd.read_csv(RESULTS_DIR / "default.csv"))
    full = summarize(pd.read_csv(RESULTS_DIR / "full.csv"))
    assert score_table(default) in text
    assert cost_table(default) in text
    assert score_table(full) in text


def test_readme_cross_fitting_table_is_that_of_the_committed_results():
    import pandas as pd

    from benchmarks.default import RESULTS_DIR

    keys = ["dataset", "task", "model"]
    plain = pd.read_csv(RESULTS_DIR / "default.csv").query("encoder == 'EmbeddingEncoder'")
    crossed = pd.read_csv(RESULTS_DIR / "default_EmbeddingEncoder_cv-5.csv")
    text = README.read_text().replace("**", "")
    for (dataset, task, model), a in plain.set_index(keys).iterrows():
        b = crossed.set_index(keys).loc[(dataset, task, model)]
        digits = 4 if a.metric == "roc_auc" else 2
        cells = [f"{r.score:.{digits}f} ({r.train_score:.{digits}f})" for r in (a, b)]
        assert f"| {dataset} / {task} | {model} | {cells[0]} | {cells[1]} |" in text


def test_readme_text_tables_are_those_of_the_committed_results():
    import pandas as pd

    from benchmarks.default import RESULTS_DIR, score_table, summarize

    summary = summarize(pd.read_csv(RESULTS_DIR / "text_3seeds.csv"))
    text = README.read_text()
    for _, scores in summary.groupby("dataset", sort=False):
        assert score_table(scores) in text


def test_readme_token_speed_table_is_that_of_the_committed_results():
    import pandas as pd

    from benchmarks.default import RESULTS_DIR
    from benchmarks.text import speed_table

    assert speed_table(pd.read_csv(RESULTS_DIR / "text_speed.csv")) in README.read_text()


def test_readme_vocabulary_table_is_that_of_the_committed_results():
    import pandas as pd

    from benchmarks.default import RESULTS_DIR
    from benchmarks.vocabulary import markdown_table

    assert markdown_table(pd.read_csv(RESULTS_DIR / "vocabulary.csv")) in README.read_text()
