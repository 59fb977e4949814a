"""The speed benchmark's contenders and bookkeeping, on tiny frames.

No timing assertions: the floor must compute what EmbeddingEncoder.transform
computes, the hand-written Keras model must be the encoder's network, and the
table must hold the expected rows and columns.
"""

import json

import numpy as np
import pandas as pd
import pytest
from conftest import make_frame

from benchmarks import default, speed

EPOCHS = (1, 2)


@pytest.fixture(scope="module")
def data():
    X, y = make_frame(n=400)
    X["shop"] = X["shop"].astype(str)
    return X, y


@pytest.fixture(scope="module")
def encoder(data):
    X, y = data
    return speed.make_embedding_encoder(2, batch_size=64).fit(X, y)


#: Filled by the benchmark run below: categories per column, per data set.
OBSERVED = {}


@pytest.fixture(scope="module")
def records(data):
    X, y = data
    return speed.benchmark(
        "tiny", X, y, epochs=EPOCHS, repeats=2, fit_repeats=1, categories=OBSERVED,
        also_transform={"tiny (category)": X.astype("category")},
    )  # fmt: skip


def test_benchmark_reports_the_categories_it_encoded(data, records):
    X, _ = data
    assert OBSERVED == {"tiny": [X[column].nunique(dropna=False) for column in X.columns]}


def test_floor_equals_transform(data, encoder):
    X, _ = data
    floor = speed.floor_transform(X, encoder.categories_, encoder.embeddings_)
    expected = encoder.transform(X)
    assert floor.flags.c_contiguous
    assert floor.dtype == expected.dtype == np.float32
    np.testing.assert_array_equal(floor, expected)
    column_major = speed.floor_transform(
        X, encoder.categories_, encoder.embeddings_, column_major=True
    )
    assert column_major.flags.f_contiguous
    np.testing.assert_array_equal(column_major, expected)
    # As the benchmark calls it: each column's Index built once beforehand.
    indexes = [pd.Index(values) for values in encoder.categories_]
    np.testing.assert_array_equal(
        speed.floor_transform(X, indexes, encoder.embeddings_), expected
    )
    # Not trivially equal: the rows differ by category.
    assert len(np.unique(floor, axis=0)) > 1


def test_floor_equals_transform_on_category_dtype_and_unknown_values(data, encoder):
    X, _ = data
    X = pd.concat([X.iloc[:20], pd.DataFrame({"city": ["Rome", "Paris"], "shop": ["5", "99"]})])
    X = X.reset_index(drop=True)
    expected = encoder.transform(X)
    # Unknown values get the unknown row (the last one), which floor's -1 picks.
    np.testing.assert_array_equal(expected[20, : encoder.dims_[0]], encoder.embeddings_[0][-1])
    for frame in (X, X.astype("category")):
        for column_major in (False, True):
            floor = speed.floor_transform(
                frame, encoder.categories_, encoder.embeddings_, column_major=column_major
            )
            np.testing.assert_array_equal(floor, expected)


def test_keras_model_has_the_encoders_tables_and_layers(data, encoder):
    X, _ = data
    codes, table_sizes = speed.keras_codes(X)
    assert table_sizes == [len(table) for table in encoder.embeddings_]
    assert codes.dtype == np.int32 and codes.min() >= 0
    assert (codes.max(axis=0) == np.array(table_sizes) - 2).all()
    model = speed.build_keras_model(table_sizes, encoder.dims_)
    shapes = [
        tuple(layer.embeddings.shape) for layer in model.layers if hasattr(layer, "embeddings")
    ]
    assert shapes == [table.shape for table in encoder.embeddings_]
    dense = [layer for layer in model.layers if type(layer).__name__ == "Dense"]
    assert [d.units for d in dense] == [speed.HIDDEN_UNITS, 1]
    assert [d.activation.__name__ for d in dense] == ["relu", "sigmoid"]
    assert model.count_params() > 0


def test_fit_keras_trains(data, encoder):
    X, y = data
    model, loss = speed.fit_keras(X, y, encoder.dims_, epochs=2, batch_size=64)
    assert np.isfinite(loss) and loss < np.log(2) + 0.05
    assert model.predict(speed.keras_codes(X)[0], verbose=0).shape == (len(X), 1)


def test_embedding_encoder_trains_exactly_the_epochs_asked(encoder):
    assert len(encoder.history_["loss"]) == 2
    assert "val_loss" not in encoder.history_


def test_epoch_split():
    per_epoch, fixed = speed.epoch_split(5.0, 11.0, 1, 4)
    assert per_epoch == pytest.approx(2.0)
    assert fixed == pytest.approx(3.0)


def test_interleaved_rotates_the_order_and_keeps_the_extras():
    order = []
    calls = {name: (lambda name=name: order.append(name) or name) for name in "abc"}
    runs = speed.interleaved(calls, 3, after=lambda name, result: {"got": result})
    assert order == list("abcbcacab")
    assert {name: [extra["got"] for _, extra in runs[name]] for name in runs} == {
        name: [name] * 3 for name in "abc"
    }


def test_table_has_every_step_and_contender(records):
    results = speed.to_frame(records)
    assert list(results.columns) == speed.COLUMNS
    steps = [(r.data, r.step, r.contender) for r in results.itertuples()]
    transform = [
        (data, "transform", c)
        for data in ("tiny", "tiny (category)")
        for c in (speed.EMBEDDING, speed.ONEHOT, speed.FLOOR, speed.FLOOR_F)
    ]
    fit = [
        ("tiny", step, c)
        for c in (speed.EMBEDDING, speed.KERAS)
        for step in ("fit, 1 epoch(s)", "fit, 2 epoch(s)", "fit, per epoch", "fit, fixed cost")
    ]
    assert steps == transform + fit
    assert (results["rows"] == 400).all()
    baselines = results["contender"] != speed.EMBEDDING
    # A baseline has a ratio exactly when both it and EmbeddingEncoder have a
    # throughput (a derived per-epoch throughput is NaN when noise wins on tiny
    # data); EmbeddingEncoder's own rows have none.
    ours = results[~baselines].set_index(["data", "step"])["throughput"]
    ours_here = pd.Series(
        [ours.get((r.data, r.step), np.nan) for r in results.itertuples()], index=results.index
    )
    rated = baselines & results["throughput"].notna() & ours_here.notna()
    assert results.loc[rated, "embedding_over_this"].gt(0).all()
    assert results.loc[baselines & ~rated, "embedding_over_this"].isna().all()
    assert results.loc[~baselines, "embedding_over_this"].isna().all()
    timed = results[~results["step"].isin(["fit, per epoch", "fit, fixed cost"])]
    assert (timed["throughput"] > 0).all()
    # Derived from two noisy medians: positive, or NaN when noise wins on tiny data.
    per_epoch = results.loc[results["step"] == "fit, per epoch", "throughput"]
    assert (per_epoch.isna() | (per_epoch > 0)).all()
    fits = results[results["step"].isin(["fit, 1 epoch(s)", "fit, 2 epoch(s)"])]
    assert fits["final_loss"].between(0, 1).all()
    transforms = results[results["step"] == "transform"]
    dense_mb = transforms.loc[transforms["contender"] != speed.ONEHOT, "output_mb"]
    assert dense_mb.nunique() == 1 and dense_mb.iloc[0] > 0


def test_ratio_is_embedding_throughput_over_the_baselines(records):
    results = speed.to_frame(records)
    rows = results[(results["data"] == "tiny") & (results["step"] == "transform")]
    ours = rows.loc[rows["contender"] == speed.EMBEDDING, "throughput"].iloc[0]
    for row in rows[rows["contender"] != speed.EMBEDDING].itertuples():
        assert row.embedding_over_this == pytest.approx(ours / row.throughput)
    lines = speed.ratio_lines(results)
    rated = results.dropna(subset=["embedding_over_this"])
    assert len(lines) == len(rated.groupby(["data", "step"]))
    assert any(line.startswith("- tiny (category), transform:") for line in lines)


def test_markdown_csv_and_json(records, tmp_path):
    results = speed.to_frame(records)
    table = speed.markdown_table(results).splitlines()
    assert len(table) == 2 + len(results)
    assert all(line.count("|") == table[0].count("|") for line in table)
    paths = default.write_results(results, tmp_path, "speed", {"run": "test"}, plots=False)
    assert [p.name for p in paths] == ["speed.csv", "speed.json"]
    written = pd.read_csv(paths[0])
    assert list(written.columns) == speed.COLUMNS
    assert len(written) == len(results)
    payload = json.loads(paths[1].read_text())
    assert payload["run"] == "test" and len(payload["results"]) == len(results)


def test_dtype_variants_hold_the_same_strings_as_each_dtype(data):
    pytest.importorskip("pyarrow")
    X = data[0]
    variants = speed.dtype_variants("flights", X)
    strings = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    assert strings, "the data has string columns"
    expected = {"object": object, "string[pyarrow], as in Dask": pd.StringDtype("pyarrow", pd.NA)}
    for label, dtype in expected.items():
        frame = variants[f"flights ({label})"]
        assert all(frame[c].dtype == dtype for c in strings), label
        pd.testing.assert_frame_equal(frame.astype(object), X.astype(object))
    assert all(isinstance(t, pd.CategoricalDtype) for t in variants["flights (category)"].dtypes)


def test_dtype_table_divides_each_dtype_by_the_object_frame(records):
    results = speed.to_frame(records)
    # The tiny benchmark's category frame stands in for a dtype; its object twin
    # is made here from the same records.
    ours = results[(results["step"] == "transform") & (results["contender"] == "EmbeddingEncoder")]
    twin = ours[ours["data"] == "tiny"].assign(data="tiny (object)", median_s=2.0)
    table = speed.dtype_table(pd.concat([results, twin], ignore_index=True))
    category = ours.set_index("data").loc["tiny (category)", "median_s"]
    assert f"| tiny | category | {category:.3f} | {category / 2.0:.2f} |" in table
    assert "| tiny | object | 2.000 | 1.00 |" in table
