"""Dask DataFrames in, lazy Dask collections out (skembed/_dask.py)."""

import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
import dask  # noqa: E402

from skembed import EmbeddingEncoder  # noqa: E402


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({
        "shop": rng.choice([f"s{i}" for i in range(40)], 2000),
        "city": rng.choice(["Paris", "Lyon", None], 2000),
        "n": rng.integers(0, 12, 2000),
    })  # fmt: skip
    y = (X["shop"].str[-1] < "4").astype(int).to_numpy()
    encoder = EmbeddingEncoder(dims=3, epochs=2, random_state=0).fit(X, y)
    return X, y, encoder


def refuse_to_compute(dsk, keys, **kwargs):
    raise AssertionError("something was computed")


def test_transform_is_lazy_and_equals_pandas_bit_for_bit(data):
    X, _, encoder = data
    lazy = dd.from_pandas(X, npartitions=5)
    with dask.config.set(scheduler=refuse_to_compute):
        encoded = encoder.transform(lazy)  # builds the graph, computes nothing
    assert isinstance(encoded, dask.array.Array)
    assert encoded.dtype == np.float32 and encoded.shape[1] == 9
    computed = encoded.compute()
    expected = encoder.transform(X)
    assert computed.dtype == expected.dtype
    assert np.array_equal(computed, expected)


def test_pandas_output_is_a_dask_dataframe_with_the_feature_names(data):
    X, _, encoder = data
    encoder = pickle.loads(pickle.dumps(encoder)).set_output(transform="pandas")
    X = X.set_index(pd.Index(np.arange(2000) * 3 + 7))  # an index to carry through
    with dask.config.set(scheduler=refuse_to_compute):
        encoded = encoder.transform(dd.from_pandas(X, npartitions=3))
    assert isinstance(encoded, dd.DataFrame)
    assert list(encoded.columns) == list(encoder.get_feature_names_out())
    pd.testing.assert_frame_equal(encoded.compute(), encoder.transform(X))


def test_the_fitted_tables_are_one_key_of_the_graph_not_one_copy_per_partition():
    shops = pd.DataFrame({"shop": [f"s{i}" for i in range(4000)] * 2})
    y = np.arange(8000) % 2
    encoder = EmbeddingEncoder(dims=8, epochs=1, min_frequency=None, random_state=0)
    encoder.fit(shops, y)
    table_bytes = encoder.embeddings_[0].nbytes  # 128 kB; a partition's rows, 1 kB
    few = shops.iloc[::80]
    encoded = encoder.transform(dd.from_pandas(few, npartitions=6))
    graph = dict(encoded.__dask_graph__())
    holders = [key for key, task in graph.items() if len(pickle.dumps(task)) > table_bytes]
    assert len(holders) == 1, holders  # the encoder's own key, fetched once per worker
    assert np.array_equal(encoded.compute(), encoder.transform(few))


def test_the_graph_carries_no_tensorflow_object(data):
    X, _, encoder = data
    encoded = encoder.transform(dd.from_pandas(X, npartitions=2))
    import cloudpickle

    shipped = cloudpickle.dumps(dict(encoded.__dask_graph__()))
    assert b"tensorflow" not in shipped and b"keras" not in shipped
    assert b"skembed" in shipped  # the encoder is in there, as numpy tables


def test_workers_of_a_distributed_cluster_encode_without_importing_tensorflow(data, tmp_path):
    """Worker processes unpickle the encoder and encode; none imports TensorFlow."""
    pytest.importorskip("distributed")
    X, _, encoder = data
    X.assign(target=data[1]).to_parquet(tmp_path / "rows.parquet")
    expected = encoder.transform(X)
    import skembed

    skembed.save(encoder, tmp_path / "encoder.skembed")
    # A client in a fresh process, as a user's script would be: this test process
    # has imported TensorFlow (for the fit), which must not leak into the check.
    script = f"""
import sys
import numpy as np, dask.dataframe as dd, skembed
from distributed import Client, LocalCluster
with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
    encoder = skembed.load({str(tmp_path / "encoder.skembed")!r})
    rows = dd.read_parquet({str(tmp_path / "rows.parquet")!r}).repartition(npartitions=4)
    np.save({str(tmp_path / "out.npy")!r}, encoder.transform(rows[["shop", "city", "n"]]).compute())
    print(sorted(client.run(lambda: "tensorflow" in sys.modules).values()), "tensorflow" in sys.modules)
    # A fit on the cluster: the client trains, the workers count and code.
    fitted = skembed.EmbeddingEncoder(epochs=2, random_state=0).fit(rows[["shop", "city", "n"]], rows["target"])
    print([len(c) for c in fitted.categories_], sorted(client.run(lambda: "tensorflow" in sys.modules).values()))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().split("\n")
    assert lines[-2] == "[False, False] False"
    assert lines[-1] == f"{[len(c) for c in encoder.categories_]} [False, False]"
    assert np.array_equal(np.load(tmp_path / "out.npy"), expected)


def test_columns_other_than_fit_s_are_refused_before_computing(data):
    X, _, encoder = data
    with dask.config.set(scheduler=refuse_to_compute):
        with pytest.raises(ValueError, match="not those seen in fit"):
            encoder.transform(dd.from_pandas(X[["city", "shop", "n"]], npartitions=2))
        with pytest.raises(ValueError, match="X has 2 columns"):
            encoder.transform(dd.from_pandas(X[["shop", "city"]], npartitions=2))


def test_partitions_that_disagree_with_the_metadata_are_named(data):
    X, _, encoder = data
    good = X[:1000]

    def frames(*parts):
        return dd.from_map(lambda frame: frame, list(parts), meta=good[:0], enforce_metadata=False)

    floats = X[1000:].astype({"n": float})
    with pytest.raises(ValueError, match=r"Partition 1 .*'n': float64 \(metadata: int64\)"):
        encoder.transform(frames(good, floats)).compute(scheduler="sync")
    renamed = X[1000:].rename(columns={"n": "m"})
    with pytest.raises(ValueError, match="Partition 1 .*columns"):
        encoder.transform(frames(good, renamed)).compute(scheduler="sync")
    # Categorical partitions may list other categories: they agree.
    as_category = X.astype({"city": "category"})
    lazy = dd.from_map(lambda f: f.astype({"city": pd.CategoricalDtype(f["city"].dropna().unique())}),
                       [as_category[:1000], as_category[1000:]], meta=as_category[:0],
                       enforce_metadata=False)
    assert np.array_equal(encoder.transform(lazy).compute(scheduler="sync"), encoder.transform(X))


def test_what_dask_cannot_take_is_refused_clearly(data):
    X, y, encoder = data
    lazy = dd.from_pandas(X, npartitions=2)
    with pytest.raises(TypeError, match="takes a Dask DataFrame"):
        encoder.transform(lazy["shop"])
    polars = pickle.loads(pickle.dumps(encoder))
    polars._sklearn_output_config = {"transform": "polars"}  # as set_output would set it
    with pytest.raises(ValueError, match="no Dask counterpart"):
        polars.transform(lazy)


def test_pandas_users_never_import_dask():
    script = """
import sys
import numpy as np, pandas as pd
from skembed import EmbeddingEncoder
X = pd.DataFrame({"a": ["x", "y"] * 5})
EmbeddingEncoder(initial_embeddings="one_hot", trainable=False).fit(X).transform(X)
print("dask" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr[-2000:]


def _frame(X, y, npartitions):
    lazy = dd.from_pandas(X.assign(target=y), npartitions=npartitions)
    return lazy[list(X.columns)], lazy["target"]


def test_fit_learns_what_the_in_memory_fit_learns(data):
    X, y, in_memory = data
    X_lazy, y_lazy = _frame(X, y, 4)
    streamed = EmbeddingEncoder(dims=3, epochs=2, random_state=0).fit(X_lazy, y_lazy)
    for name in ["categories_", "category_counts_", "infrequent_categories_"]:
        for a, b in zip(getattr(streamed, name), getattr(in_memory, name)):
            assert (a is None and b is None) or pd.Series(a).equals(pd.Series(b)), name
    assert streamed.target_type_ == "binary" and streamed.classes_.tolist() == [0, 1]
    assert list(streamed.feature_names_in_) == ["shop", "city", "n"]
    assert [t.shape for t in streamed.embeddings_] == [t.shape for t in in_memory.embeddings_]
    assert set(streamed.history_) == {"loss", "val_loss"}
    again = EmbeddingEncoder(dims=3, epochs=2, random_state=0).fit(X_lazy, y_lazy)
    assert all(np.array_equal(a, b) for a, b in zip(streamed.embeddings_, again.embeddings_))


def test_a_streamed_fit_scores_as_the_in_memory_fit():
    """Quality: the same downstream model on either encoder's vectors, held-out rows."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(1)
    n = 30_000
    X = pd.DataFrame({"shop": rng.choice([f"s{i}" for i in range(300)], n),
                      "hour": rng.integers(0, 24, n)})
    signal = X["shop"].str[1:].astype(int) % 7 + (X["hour"] > 17) * 3
    y = (signal + rng.normal(0, 2, n) > 5).astype(int).to_numpy()
    train, test = slice(0, 24_000), slice(24_000, None)
    # Partitions in blocks of shops, as files written one shop (or one day) at a time.
    by_shop = np.argsort(X["shop"][train].to_numpy(), kind="stable")
    X_sorted = X[train].iloc[by_shop].reset_index(drop=True)
    scores = []
    for X_fit, y_fit in [(X[train], y[train]), _frame(X_sorted, y[train][by_shop], 5)]:
        encoder = EmbeddingEncoder(random_state=0).fit(X_fit, y_fit)
        model = LogisticRegression(max_iter=1000).fit(encoder.transform(X[train]), y[train])
        scores.append(roc_auc_score(y[test], model.predict_proba(encoder.transform(X[test]))[:, 1]))
    assert scores[0] > 0.75
    assert abs(scores[1] - scores[0]) < 0.01, scores


def test_continuous_multiclass_and_several_targets(data):
    X, y, _ = data
    rng = np.random.default_rng(2)
    minutes = rng.normal(10, 5, len(X)) + X["n"].to_numpy()
    encoder = EmbeddingEncoder(epochs=2, random_state=0).fit(*_frame(X, minutes, 3))
    assert encoder.target_type_ == "continuous" and encoder.classes_ is None
    labels = np.array(["low", "mid", "high"])[X["n"].to_numpy() % 3]
    encoder = EmbeddingEncoder(epochs=2, random_state=0).fit(*_frame(X, labels, 3))
    assert encoder.target_type_ == "multiclass"
    assert encoder.classes_.tolist() == ["high", "low", "mid"]
    lazy = dd.from_pandas(X.assign(a=minutes, b=-minutes), npartitions=3)
    encoder = EmbeddingEncoder(epochs=2, random_state=0).fit(lazy[["shop", "city", "n"]],
                                                             lazy[["a", "b"]])
    assert encoder.target_type_ == "continuous"
    fit_transformed = EmbeddingEncoder(epochs=2, random_state=0).fit_transform(*_frame(X, y, 2))
    assert isinstance(fit_transformed, dask.array.Array)


def test_a_verbose_dask_fit_says_what_the_cluster_does_and_learns_the_same(data, capsys):
    X, y, _ = data
    X_lazy, y_lazy = _frame(X, y, 4)
    quiet = EmbeddingEncoder(dims=3, epochs=2, random_state=0).fit(X_lazy, y_lazy)
    assert capsys.readouterr().out == ""
    loud = EmbeddingEncoder(dims=3, epochs=2, random_state=0, verbose=1).fit(X_lazy, y_lazy)
    printed = capsys.readouterr().out
    assert "Counting the categories of 3 column(s) over 4 partition(s)" in printed
    assert "Coding 2,000 rows over 4 partition(s)" in printed
    assert "Epoch 2/2" in printed and "rows/s" in printed and "val_loss" in printed
    assert all(np.array_equal(a, b) for a, b in zip(quiet.embeddings_, loud.embeddings_))


def test_fit_inputs_that_cannot_pair_up_are_refused(data):
    X, y, _ = data
    X_lazy, y_lazy = _frame(X, y, 4)
    with pytest.raises(TypeError, match="must be a Dask Series"):
        EmbeddingEncoder().fit(X_lazy, y)
    with pytest.raises(ValueError, match="fit without y .* runs in memory only"):
        EmbeddingEncoder().fit(X_lazy)
    with pytest.raises(ValueError, match="has 2 partitions and X 4"):
        EmbeddingEncoder().fit(X_lazy, dd.from_pandas(pd.Series(y), npartitions=2))
    shifted = dd.from_pandas(pd.Series(y, index=np.arange(len(y)) + 5), npartitions=4)
    with pytest.raises(ValueError, match="divisions differ"):
        EmbeddingEncoder().fit(X_lazy, shifted)
    # Partitions of y that do not pair with X's, row for row.
    X_parts = dd.from_map(lambda f: f, [X[:1000], X[1000:]], meta=X[:0])
    y_parts = dd.from_map(lambda f: f, [pd.Series(y[:900]), pd.Series(y[900:])],
                          meta=pd.Series([], dtype=y.dtype))
    with pytest.raises(ValueError, match=r"Partition [01] of y has (900|1100) rows and X's 1000"):
        EmbeddingEncoder(epochs=1).fit(X_parts, y_parts)
    with pytest.raises(ValueError, match="missing value"):
        EmbeddingEncoder().fit(X_lazy, y_lazy.astype(float).where(y_lazy > 0))
    with pytest.raises(ValueError, match="does not take analyzer"):
        EmbeddingEncoder(analyzer="word").fit(X_lazy, y_lazy)
    with pytest.raises(ValueError, match="cv cannot cross-fit a Dask DataFrame"):
        EmbeddingEncoder(cv=3).fit_transform(X_lazy, y_lazy)


def test_every_training_round_mixes_all_partitions(monkeypatch):
    """Files written one shop (or one day) at a time: the batches must still mix them."""
    import skembed._dask
    import skembed._training

    X = pd.DataFrame({"shop": np.repeat([f"s{i:02d}" for i in range(40)], 100)})  # sorted
    y = (np.arange(4000) % 3 == 0).astype(int)
    X_lazy, y_lazy = _frame(X, y, 4)  # each partition: 10 shops of its own
    partition_of_shop = {f"s{i:02d}": i // 10 for i in range(40)}
    monkeypatch.setattr(skembed._dask, "CHUNK_ROWS", 500)  # many rounds
    rounds, train = [], skembed._training.train_on_chunks

    def recording(spec, chunks, n_chunks, validation, seed, starts=None):
        def recorded(epoch):
            for rows, target in chunks(epoch):
                if epoch == 0:
                    rounds.append(rows[:, 0].copy())
                yield rows, target
        return train(spec, recorded, n_chunks, validation, seed, starts)

    monkeypatch.setattr(skembed._training, "train_on_chunks", recording)
    # y is unrelated to the shop, so "auto" would give no shop a vector of its own.
    encoder = EmbeddingEncoder(epochs=1, min_frequency=5, random_state=0).fit(X_lazy, y_lazy)
    shops = encoder.categories_[0]
    assert len(rounds) >= 7  # about 3,600 training rows in rounds of about 500
    for rows in rounds:
        seen = {partition_of_shop[shops[r]] for r in rows if r < len(shops)}
        assert seen == {0, 1, 2, 3}


@pytest.mark.parametrize("kind", ["multiclass", "continuous"])
def test_auto_thresholds_on_dask_are_those_of_the_in_memory_fit(kind):
    rng = np.random.default_rng(3)
    n = 3000
    # Shops seen about 3 times each, whose target differs strongly: "auto" keeps
    # most of them, where a threshold of 5 would keep few; "noise" keeps none.
    X = pd.DataFrame({"shop": rng.choice([f"s{i}" for i in range(1000)], n),
                      "noise": rng.choice([f"n{i}" for i in range(30)], n)})
    effect = 3 * rng.normal(size=1000)[X["shop"].str[1:].astype(int)]
    y = effect + rng.normal(size=n)
    if kind == "multiclass":
        y = np.digitize(y, [-1.5, 0, 1.5])
    fits = [EmbeddingEncoder(epochs=1, random_state=0).fit(X_fit, y_fit)
            for X_fit, y_fit in [(X, y), _frame(X, y, 4)]]
    assert fits[0].target_type_ == fits[1].target_type_ == kind
    for a, b in zip(fits[0].infrequent_categories_, fits[1].infrequent_categories_):
        assert (a is None and b is None) or pd.Index(a).equals(pd.Index(b))
    fixed = EmbeddingEncoder(epochs=1, min_frequency=5, random_state=0).fit(*_frame(X, y, 4))
    kept = [[len(c) - (0 if rare is None else len(rare))
             for c, rare in zip(fit.categories_, fit.infrequent_categories_)]
            for fit in (fits[1], fixed)]  # fmt: skip
    assert kept[0][0] > 2 * kept[1][0]
    assert kept[0][1] == 0


def test_a_streamed_fit_judges_columns_as_the_in_memory_fit():
    from test_column_gate import TRAIN, _signal_and_noise

    X, y = _signal_and_noise()
    gains = []
    for X_fit, y_fit in [(X, y), _frame(X, y, 3)]:
        encoder = EmbeddingEncoder(min_column_gain=0.05, **TRAIN).fit(X_fit, y_fit)
        gains.append(encoder.column_gains_)
        assert len(np.unique(encoder.embeddings_[1], axis=0)) == 1  # the noise: constant
        assert len(np.unique(encoder.embeddings_[0], axis=0)) > 10
    assert gains[1][0] > 0.05 > gains[1][1]
    np.testing.assert_allclose(gains[1], gains[0], atol=0.1)


def test_a_dask_fit_takes_explicit_categories_as_the_in_memory_fit_does(data):
    X, y, _ = data
    X_before = X.copy()
    X_lazy, y_lazy = _frame(X[["shop", "city"]], y, 4)
    # s0-s29 and a shop no row holds; s30-s39 are outside the list: unknown.
    shops = [f"s{i}" for i in range(30)] + ["s99"]
    categories = [shops, ["Lyon", "Paris", None]]
    params = dict(categories=categories, dims=3, epochs=2, min_frequency=None,
                  min_column_gain=None, random_state=0)  # fmt: skip
    streamed = EmbeddingEncoder(**params).fit(X_lazy, y_lazy)
    in_memory = EmbeddingEncoder(**params).fit(X[["shop", "city"]], y)
    for got, want in zip(streamed.categories_, in_memory.categories_):
        assert got.tolist() == want.tolist() or (
            got[:-1].tolist() == want[:-1].tolist() and pd.isna(got[-1]) and pd.isna(want[-1])
        )
    # Counts leave out the values outside the list, as in memory.
    for got, want in zip(streamed.category_counts_, in_memory.category_counts_):
        np.testing.assert_array_equal(got, want)
    assert streamed.category_counts_[0][-1] == 0  # s99: in the list, in no row
    # A shop outside the list is encoded as unknown, a listed one by its own vector.
    out = streamed.transform(pd.DataFrame({"shop": ["s35", "s3"], "city": ["Lyon", "Lyon"]}))
    table = streamed.embeddings_[0]
    np.testing.assert_array_equal(out[0, :3], table[-1])
    np.testing.assert_array_equal(out[1, :3], table[shops.index("s3")])
    assert not np.array_equal(table[shops.index("s3")], table[-1])
    # Refused as in memory: unknown values under handle_unknown="error", and a
    # column none of whose values is listed.
    with pytest.raises(ValueError, match=r"Found unknown categories \['s3\d'"):
        EmbeddingEncoder(**params, handle_unknown="error").fit(X_lazy, y_lazy)
    with pytest.raises(ValueError, match="None of the values of column 'shop'"):
        EmbeddingEncoder(categories=[["x", "y"], categories[1]]).fit(X_lazy, y_lazy)
    # The caller's frame (the in-memory fit's) is left as it was.
    pd.testing.assert_frame_equal(X, X_before)


def test_a_dask_fit_starts_from_given_vectors_and_keeps_frozen_ones_exact(data):
    X, y, _ = data
    X_lazy, y_lazy = _frame(X[["shop", "city"]], y, 4)
    rng = np.random.default_rng(1)
    shops = pd.DataFrame(rng.normal(size=(40, 2)), index=[f"s{i}" for i in range(40)])
    params = dict(initial_embeddings={"shop": shops}, trainable={"shop": False},
                  dims={"city": 2}, epochs=2, min_column_gain=None, random_state=0)  # fmt: skip
    streamed = EmbeddingEncoder(**params).fit(X_lazy, y_lazy)
    frozen = streamed.get_embeddings("shop")
    np.testing.assert_array_equal(frozen.to_numpy(), shops.loc[frozen.index].to_numpy(np.float32))
    assert streamed.dims_ == [2, 2]
    # The other column is trained: its vectors left their narrow random start.
    assert np.abs(streamed.embeddings_[1]).max() > 0.01
    # Frozen one-hot tables (the unknown row included): nothing to train, and
    # the same encoding as in memory.
    one_hot = EmbeddingEncoder(initial_embeddings="one_hot", trainable=False, min_frequency=None)
    np.testing.assert_array_equal(
        one_hot.fit(X_lazy, y_lazy).transform(X[["shop", "city"]]),
        EmbeddingEncoder(**one_hot.get_params()).fit(X[["shop", "city"]], y).transform(
            X[["shop", "city"]]
        ),
    )
    assert one_hot.history_ == {}


def test_a_dask_warm_start_continues_as_the_in_memory_one(data):
    X, y, _ = data
    old = X["shop"].isin([f"s{i}" for i in range(30)])
    params = dict(warm_start=True, dims=3, epochs=2, min_column_gain=None, random_state=0)
    first = EmbeddingEncoder(**params).fit(X[old], y[old])
    before = [t.copy() for t in first.embeddings_]
    in_memory = pickle.loads(pickle.dumps(first)).set_params(learning_rate=1e-7)
    in_memory.fit(X, y)
    streamed = first.set_params(learning_rate=1e-7).fit(*_frame(X, y, 4))
    for kept, grown, got in zip(before, in_memory.embeddings_, streamed.embeddings_):
        # Known categories keep their rows, and (barely trained) their vectors.
        np.testing.assert_allclose(got[: len(kept) - 1], kept[:-1], atol=1e-4)
        assert got.shape == grown.shape
    for grown, got in zip(in_memory.categories_, streamed.categories_):
        assert pd.Index(got).equals(pd.Index(grown))  # NaN, the missing category, equal
    assert streamed.categories_[0][:30].tolist() == first.categories_[0][:30].tolist()
    assert len(streamed.categories_[0]) == 40
    with pytest.raises(ValueError, match="columns"):
        first.fit(*_frame(X[["shop", "city"]], y, 4))
