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
    without_target = python_blocks(ROOT / "docs" / "user_guide" / "without_target.md")
    assert python_blocks(README) == [*getting_started[:2], dask[0], without_target[0]]


def test_readme_benchmark_table_is_that_of_the_committed_results():
    import pandas as pd

    from benchmarks.default import RESULTS_DIR, score_table, summarize

    full = summarize(pd.read_csv(RESULTS_DIR / "full.csv"))
    assert score_table(full) in README.read_text()


def test_readme_names_no_issue_numbers():
    assert not re.search(r"\bissue\s*#?\d", README.read_text(), flags=re.I)


def test_readme_dask_numbers_are_those_of_the_committed_results():
    import pandas as pd

    from benchmarks.default import RESULTS_DIR

    scale = pd.read_csv(RESULTS_DIR / "scale.csv")
    fits = scale[scale["step"] == "fit"]
    fresh = fits[fits["kind"].str.contains("fresh client")].iloc[0]

    def per_epoch(kind, rows):
        runs = fits[(fits["kind"] == kind) & (fits["rows"] == rows)].set_index("epochs")
        return rows * 2 / (runs.loc[3, "seconds"] - runs.loc[1, "seconds"])

    pandas_rows = fits.loc[fits["kind"] == "pandas", "rows"].iloc[0]
    pandas_peak = fits.loc[(fits["kind"] == "pandas") & (fits["epochs"] == 1), "client_peak_mb"]
    text = " ".join(README.read_text().split())
    assert f"{fresh.categories / 1e6:.2f} million categories" in text
    assert f"client process at {fresh.client_peak_mb:,.0f} MB" in text
    assert f"trained {per_epoch('dask', fresh.rows) / 1e3:.0f}k rows per second" in text
    assert f"against {per_epoch('pandas', pandas_rows) / 1e3:.0f}k for the in-memory fit" in text
    assert f"reached {pandas_peak.iloc[0]:,.0f} MB" in text


def test_readme_numbers_without_y_are_those_of_the_committed_results():
    """The benchmark page states the same numbers, checked against the results in test_docs."""
    page = " ".join((ROOT / "docs" / "benchmarks.md").read_text().split())
    text = " ".join(README.read_text().split())
    for number in ["AUC 0.7668 against 0.7461", "0.7189", "0.6579", "52 times"]:
        assert number in text and number in page


def test_readme_suite_claims_are_those_of_the_committed_results():
    """The development suite's figure and each cell the README names, from its test results."""
    import json

    import pandas as pd

    from benchmarks.suite import RESULTS_DIR, summary_text

    text = " ".join(README.read_text().split())
    figures = json.loads((RESULTS_DIR / "suite_test.json").read_text())["summary"]
    assert summary_text(figures) in text
    page = " ".join((ROOT / "docs" / "benchmarks.md").read_text().split())
    assert summary_text(figures) in page
    cells = pd.read_csv(RESULTS_DIR / "suite_test_cells.csv").set_index(["table", "model"])
    def pct(table, model, column="shortfall", sign=1):
        return f"{sign * 100 * cells.loc[(table, model), column]:.1f}%"

    for table, stated in [("birds", "14.7%"), ("inst_innovation", "9.0%")]:
        assert cells.loc[(table, "knn"), "best_peer"] == "TargetEncoder"
        assert pct(table, "knn") == stated
    for table, stated in [("hotel_rates", "10.2%"), ("inst_innovation", "4.2%")]:
        assert pct(table, "linear", "vs_onehot") == stated
    for table, stated in [("hotel_rates", "6.0%"), ("birthdays", "9.3%")]:
        assert cells.loc[(table, "hgb"), "best_peer"] == "OrdinalEncoder"
        assert pct(table, "hgb") == stated
    dates = pd.read_csv(RESULTS_DIR / "suite_test_dates_cells.csv").set_index(["table", "model"])
    assert f"{100 * dates.loc[('birthdays', 'hgb'), 'shortfall']:.1f}%" == "7.0%"
    for (table, model), stated in [
        (("laptop_sales", "hgb"), "16.3%"),
        (("hotel_rates", "knn"), "12.5%"),
        (("laptop_sales", "knn"), "14.3%"),
        (("county_murders", "knn"), "3.0%"),
    ]:
        assert cells.loc[(table, model), "best_peer"] == "TargetEncoder"
        assert pct(table, model, sign=-1) == stated
    flights = cells.loc[["flights_binary", "flights_regression"]].drop("linear", level="model")
    assert (flights["shortfall"] < 0).all()
    hgb = cells.xs("hgb", level="model")
    behind = set(hgb.index[hgb["shortfall"] > 0.02])
    assert behind == {"hotel_rates", "birthdays", "inst_innovation"}
    assert f"within 2% of the best on {len(hgb) - len(behind)} of the {len(hgb)} tasks" in text
