"""The development suite's bookkeeping, on tiny synthetic tables (the real ones need the bench extra).

No scores are asserted: only which rows are fitted and scored, which cells
the table holds, and how a shortfall is counted.
"""

import numpy as np
import pandas as pd
import pytest

from benchmarks import suite
from benchmarks.tables import Table, _as_categories


def tiny_table(task="binary", n=240, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "id": rng.choice([f"id{i}" for i in range(40)], n),
        "kind": rng.choice(["a", "b", None], n),
        "size": rng.normal(size=n),
    })  # fmt: skip
    frame.loc[:5, "size"] = np.nan
    if task == "binary":
        y = rng.integers(0, 2, n)
    elif task == "multiclass":
        y = rng.choice(["x", "y", "z"], n)
    else:
        y = rng.normal(size=n)
    return Table(f"tiny_{task}", task, _as_categories(frame, ["id", "kind"]), y,
                 high=["id"], low=["kind"], numeric=["size"])  # fmt: skip


def test_validation_rows_come_from_the_training_rows_and_never_touch_the_test_rows():
    table = tiny_table()
    fit, test = suite.split(table)
    val_fit, val_score = suite.split(table, validation=True)
    assert not set(fit) & set(test)
    assert set(val_fit) | set(val_score) == set(fit)
    assert not set(val_fit) & set(val_score)
    assert np.array_equal(suite.split(table)[0], fit)  # seeded
    assert not np.array_equal(suite.split(table, seed=1)[0], fit)


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_every_encoder_gives_a_row_per_model_and_ordinal_codes_only_feed_trees(task):
    table = tiny_table(task)
    frame_before = table.frame.copy()
    results = suite.run(
        [table], ["OneHotEncoder", "OrdinalEncoder", suite.CANDIDATE], {"epochs": 2}
    )
    assert len(results) == 3 * len(suite.MODEL_NAMES)
    assert (results["status"] != "failed").all(), results["note"].tolist()
    ordinal = results[results["encoder"] == "OrdinalEncoder"].set_index("model")["status"]
    assert ordinal["hgb"] == "ok"
    assert (ordinal.drop("hgb") == "not applicable").all()
    pd.testing.assert_frame_equal(table.frame, frame_before)


def _results(rows):
    return pd.DataFrame.from_records(
        [{"table": t, "task": task, "model": m, "encoder": e, "score": s, "encoder_fit_s": 1.0,
          "status": "ok"} for t, task, m, e, s in rows]  # fmt: skip
    )


def test_a_shortfall_is_auc_points_or_relative_rmse_behind_the_best_other_encoder():
    results = _results([
        ("a", "binary", "linear", "OneHotEncoder", 0.80),
        ("a", "binary", "linear", "TargetEncoder", 0.82),
        ("a", "binary", "linear", suite.CANDIDATE, 0.81),
        ("b", "regression", "hgb", "OneHotEncoder", 2.0),
        ("b", "regression", "hgb", "OrdinalEncoder", 1.6),
        ("b", "regression", "hgb", suite.CANDIDATE, 1.5),
    ])  # fmt: skip
    cells = suite.cells(results).set_index("table")
    assert cells.loc["a", "best_peer"] == "TargetEncoder"
    assert cells.loc["a", "shortfall"] == pytest.approx(0.01)
    assert cells.loc["a", "vs_onehot"] == pytest.approx(-0.01)
    assert cells.loc["b", "best_peer"] == "OrdinalEncoder"
    assert cells.loc["b", "shortfall"] == pytest.approx(-0.1 / 1.6)
    figures = suite.summary(cells.reset_index())
    assert figures["cells_at_or_above_best"] == 1
    assert figures["worst_cell"] == "a / linear"
    assert figures["linear_worst_vs_onehot"] == pytest.approx(-0.01)


def test_a_cell_the_candidate_failed_or_that_no_other_encoder_ran_is_left_out():
    results = _results([
        ("a", "binary", "knn", "OneHotEncoder", 0.7),
        ("b", "binary", "knn", suite.CANDIDATE, 0.7),
    ])  # fmt: skip
    assert suite.cells(results).empty


def test_the_date_analyzer_reads_only_the_date_columns_of_tables_that_have_them():
    rng = np.random.default_rng(0)
    days = pd.date_range("2016-01-01", periods=60).strftime("%Y-%m-%d")
    frame = pd.DataFrame({"day": rng.choice(days, 240), "id": rng.choice(["a", "b"], 240)})
    dated = Table("dated", "regression", frame, rng.normal(size=240), high=["day", "id"],
                  dates=["day"])  # fmt: skip
    plain = tiny_table()
    params = {"epochs": 2}
    assert suite.table_params(dated, params) == params
    assert suite.table_params(plain, params, date_analyzer=True) == params
    assert suite.table_params(dated, params, date_analyzer=True) == {
        "epochs": 2, "analyzer": {"day": "date"}
    }
    results = suite.run([dated, plain], [suite.CANDIDATE, "OneHotEncoder"], params,
                        date_analyzer=True)  # fmt: skip
    assert (results["status"] == "ok").all(), results["note"].tolist()
