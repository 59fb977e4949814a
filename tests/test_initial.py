"""Starting tables: one-hot emulation, given (pretrained) vectors, freezing, warm start."""

import numpy as np
import pandas as pd
import pytest
from conftest import FAST, make_frame
from sklearn.preprocessing import OneHotEncoder

import skembed
from skembed import EmbeddingEncoder


def _with_missing_and_unknown(X):
    X = X.copy()
    X["city"] = X["city"].astype(object)
    X.loc[X.index[:7], "city"] = np.nan
    return X


@pytest.mark.parametrize(
    "options",
    [
        dict(handle_unknown="ignore", min_frequency=None),
        dict(handle_unknown="infrequent_if_exist", min_frequency=25),
        dict(handle_unknown="ignore", min_frequency=0.08),
    ],
)
def test_frozen_one_hot_is_exactly_one_hot_encoder(frame, options):
    X, _ = frame
    X = _with_missing_and_unknown(X)
    ours = EmbeddingEncoder(initial_embeddings="one_hot", trainable=False, **options).fit(X)
    theirs = OneHotEncoder(sparse_output=False, **options).fit(X)
    new = pd.DataFrame({"city": ["Rome", "Paris", np.nan, "Lyon"], "shop": [3, 99, 0, 11]})
    for data in (X, new):
        np.testing.assert_array_equal(ours.transform(data), theirs.transform(data))
    assert ours.get_feature_names_out().tolist() == theirs.get_feature_names_out().tolist()
    assert ours.target_type_ is None and ours.history_ == {}


def test_one_hot_on_arrays_gives_one_hot_encoder_names(frame):
    X, _ = frame
    values = X.to_numpy(dtype=object)
    ours = EmbeddingEncoder(
        initial_embeddings="one_hot", trainable=False, min_frequency=None
    ).fit(values)
    theirs = OneHotEncoder(sparse_output=False, handle_unknown="ignore").fit(values)
    np.testing.assert_array_equal(ours.transform(values), theirs.transform(values))
    assert ours.get_feature_names_out().tolist() == theirs.get_feature_names_out().tolist()
    back = ours.inverse_transform(ours.transform(values[:20]))
    np.testing.assert_array_equal(back, values[:20])


def test_trainable_one_hot_starts_from_identity_and_learns(frame):
    X, y = frame
    # A fixed threshold: "auto" would read the frame's weak shop effect as
    # noise and group the shops in one column.
    encoder = EmbeddingEncoder(initial_embeddings="one_hot", min_frequency=5, **FAST).fit(X, y)
    assert encoder.dims_ == [5, 12]
    city = encoder.get_embeddings("city").to_numpy()
    assert not np.array_equal(city, np.eye(5))
    # Training moved each row a little from its identity start, not elsewhere.
    assert np.abs(city - np.eye(5)).max() < 0.2
    assert encoder.get_feature_names_out()[0] == "city_Brest"


def test_one_hot_for_one_column_only(frame):
    X, y = frame
    encoder = EmbeddingEncoder(initial_embeddings={"shop": "one_hot"}, dims=3, min_frequency=5,
                               **FAST)
    with pytest.raises(ValueError, match="dims asks 3 for column 'shop'.*width 12"):
        encoder.fit(X, y)
    encoder.set_params(dims={"city": 3}).fit(X, y)
    assert encoder.dims_ == [3, 12]
    names = encoder.get_feature_names_out().tolist()
    assert names[:4] == ["city_0", "city_1", "city_2", "shop_0"]
    assert names[-1] == "shop_11"


def _pretrained(index, width=3, seed=0):
    values = np.random.default_rng(seed).normal(size=(len(index), width))
    return pd.DataFrame(values, index=pd.Index(index, dtype=object))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_frozen_given_rows_are_bit_identical_and_the_others_learned(frame, dtype):
    X, y = frame
    given = _pretrained(["Paris", "Lyon", "Nice", "Berlin"], width=4)
    before = given.copy()
    encoder = EmbeddingEncoder(
        initial_embeddings={"city": given}, trainable={"city": False}, dtype=dtype, **FAST
    ).fit(X, y)
    pd.testing.assert_frame_equal(given, before)  # the caller's table is untouched
    assert encoder.dims_[0] == 4
    city = encoder.get_embeddings("city")
    known = ["Lyon", "Nice", "Paris"]
    np.testing.assert_array_equal(city.loc[known].to_numpy(), given.loc[known].to_numpy().astype(dtype))
    # Brest and Lille had no vector: they are learned, each its own.
    unknown_row = encoder.embeddings_[0][-1]
    for category in ["Brest", "Lille"]:
        assert not np.array_equal(city.loc[category].to_numpy(), unknown_row)
    assert len(encoder.history_["loss"]) == FAST["epochs"]


def test_training_never_moves_frozen_rows():
    """The network itself holds frozen rows still (fit then restores full precision)."""
    from skembed._initial import Start
    from skembed._spec import NetworkSpec
    from skembed._training import train_embeddings

    rng = np.random.default_rng(0)
    rows = rng.integers(0, 6, size=(500, 1)).astype(np.int32)
    y = (rows[:, 0] % 2).astype(np.float32)
    table = rng.normal(size=(7, 2)).astype(np.float32)
    frozen = np.array([True, True, False, True, False, False, False])
    start = Start(table, given=frozen.copy(), frozen=frozen)
    spec = NetworkSpec(
        table_sizes=[7], dims=[2], hidden_units=(8,), dropout=0.0, n_outputs=1,
        activation="sigmoid", loss="binary_crossentropy", epochs=3, batch_size=32,
        learning_rate=0.05, n_iter_no_change=None, verbose=0,
    )
    (learned,), _, _ = train_embeddings(spec, rows, y, np.arange(500), None, seed=0, starts=[start])
    np.testing.assert_array_equal(learned[frozen], table[frozen])
    assert np.abs(learned[2] - learned[4]).max() > 0  # the free rows did train


def test_trainable_given_rows_start_there_and_move(frame):
    X, y = frame
    given = _pretrained(["Brest", "Lille", "Lyon", "Nice", "Paris"], width=3)
    encoder = EmbeddingEncoder(initial_embeddings={0: given}, **FAST).fit(X, y)
    city = encoder.get_embeddings("city").to_numpy()
    assert not np.array_equal(city, given.to_numpy(dtype=np.float32))
    assert np.abs(city - given.to_numpy()).max() < 0.1


def test_an_array_is_aligned_with_the_categories(frame):
    X, y = frame
    table = np.arange(15, dtype=float).reshape(5, 3)
    encoder = EmbeddingEncoder(
        categories=[["Paris", "Lyon", "Nice", "Lille", "Brest"], list(range(12))],
        initial_embeddings={"city": table},
        trainable=False,
        **FAST,
    ).fit(X, y)
    np.testing.assert_array_equal(encoder.get_embeddings("city").loc["Lyon"], [3, 4, 5])
    with pytest.raises(ValueError, match="has 4 rows but the column has 5 categories"):
        encoder.set_params(initial_embeddings={"city": table[:4]}).fit(X, y)


class _RecordingMatrix:
    """A matrix that records which rows were read from it."""

    def __init__(self, values):
        self.values, self.read = values, []

    def __len__(self):
        return len(self.values)

    def __getitem__(self, rows):
        self.read.append(np.asarray(rows).tolist())
        return self.values[rows]


def test_words_and_a_matrix_start_the_column_reading_only_its_rows(frame, tmp_path):
    X, y = frame
    given = _pretrained(["Oslo", "Paris", "Rome", "Lyon", "Nice", "Berlin"], width=3)
    as_frame = EmbeddingEncoder(initial_embeddings={"city": given}, **FAST).fit(X, y)
    # The same vectors as GloVe ships them: a word list and a memory-mapped .npy.
    np.save(tmp_path / "vectors.npy", given.to_numpy())
    mapped = np.load(tmp_path / "vectors.npy", mmap_mode="r")
    as_pair = EmbeddingEncoder(
        initial_embeddings={"city": (given.index.tolist(), mapped)}, **FAST
    ).fit(X, y)
    for a, b in zip(as_frame.embeddings_, as_pair.embeddings_):
        np.testing.assert_array_equal(a, b)
    recording = _RecordingMatrix(given.to_numpy())
    EmbeddingEncoder(initial_embeddings={"city": (given.index, recording)}, **FAST).fit(X, y)
    assert recording.read == [[1, 3, 4]]  # Paris, Lyon and Nice: the column's own


def test_a_word_vector_file_round_trips_through_export(frame, tmp_path):
    X, y = frame
    source = EmbeddingEncoder(dims=3, **FAST).fit(X, y)
    path = tmp_path / "city.txt"
    source.export_vectors("city", path)
    frozen = EmbeddingEncoder(
        initial_embeddings={"city": str(path)}, trainable=False, **FAST
    ).fit(X, y)
    np.testing.assert_array_equal(
        frozen.get_embeddings("city").to_numpy(), source.get_embeddings("city").to_numpy()
    )
    path.write_text(path.read_text() + "Rome 0.1 oops 0.3\n")
    with pytest.raises(ValueError, match=r"city\.txt, line 6"):
        EmbeddingEncoder(initial_embeddings={"city": path}, **FAST).fit(X, y)


def test_fit_without_y_when_every_column_is_frozen_and_complete(frame):
    X, _ = frame
    given = {
        "city": _pretrained(["Brest", "Lille", "Lyon", "Nice", "Paris"]),
        "shop": pd.DataFrame(np.eye(12)[:, :4], index=range(12)),
    }
    encoder = EmbeddingEncoder(initial_embeddings=given, trainable=False).fit(X)
    # No target to learn the unknown vector from: zeros, as OneHotEncoder's.
    np.testing.assert_array_equal(encoder.transform(pd.DataFrame({"city": ["Rome"], "shop": [0]})),
                                  [[0, 0, 0, 1, 0, 0, 0]])
    assert encoder.transform(X).shape == (len(X), 7)

    assert not encoder.history_  # nothing was trained


def test_without_y_the_categories_lacking_a_frozen_vector_are_learned(frame):
    X, _ = frame
    given = {
        "city": _pretrained(["Brest", "Lyon", "Paris"]),
        "shop": pd.DataFrame(np.eye(12)[:, :4], index=range(12)),
    }
    encoder = EmbeddingEncoder(
        initial_embeddings=given, trainable=False, min_frequency=None, epochs=3, random_state=0
    ).fit(X)
    assert encoder.history_["loss"] and encoder.target_type_ is None
    city = pd.DataFrame(encoder.embeddings_[0][:-1], index=encoder.categories_[0])
    np.testing.assert_array_equal(city.loc[given["city"].index], given["city"].astype(np.float32))
    # Lille and Nice were learned from the shops they occur with: rows of their own.
    learned = city.loc[["Lille", "Nice"]].to_numpy()
    assert not np.allclose(learned[0], learned[1])
    assert not np.isin(learned, given["city"].to_numpy().astype(np.float32)).any()


@pytest.mark.parametrize(
    "initial, trainable, message",
    [
        ({"town": np.eye(5)}, True, "initial_embeddings names a column that X does not have"),
        ({5: np.eye(5)}, True, "initial_embeddings names column position 5"),
        ({"city": np.full((5, 2), np.nan)}, True, "contain NaN, infinity"),
        ({"city": np.full((5, 2), 1e300)}, True, "too large for float32"),
        ({"city": np.ones((5, 2), dtype=complex)}, True, "must be real numbers"),
        ({"city": "onehot"}, True, "neither 'one_hot' nor a file of vectors"),
        ({"city": np.ones(5)}, True, r"must be 2-D .* shape \(5,\)"),
        ({"city": _pretrained(["Rome", "Oslo"])}, True, "none of the 2 initial vectors"),
        ({"city": pd.DataFrame(np.ones((2, 2)), index=["Lyon", "Lyon"])}, True, "repeat"),
        ({"city": (["Lyon", "Nice"], np.ones((3, 2)))}, True, "names 2 words for 3 rows"),
        ({"city": (["Lyon"], np.ones((1, 2)), 0)}, True, "give \\(words, matrix\\)"),
        (None, {"city": "no"}, "trainable must be a bool"),
        (None, {"town": False}, "trainable names a column that X does not have"),
        (None, False, "trainable=False for column 'city', but initial_embeddings gives it no"),
        ({"city": "one_hot"}, {"shop": False}, "trainable=False for column 'shop'"),
    ],
)
def test_bad_initial_embeddings_and_trainable_are_named(frame, initial, trainable, message):
    X, y = frame
    encoder = EmbeddingEncoder(initial_embeddings=initial, trainable=trainable, **FAST)
    with pytest.raises(ValueError, match=message):
        encoder.fit(X, y)


def test_warm_start_keeps_known_categories_at_their_rows():
    X, y = make_frame(n=400)
    first, second = X.iloc[:250], X.iloc[150:].copy()
    second.loc[second.index[:9], "city"] = "Rome"
    second.loc[second.index[9:14], "shop"] = 40
    encoder = EmbeddingEncoder(warm_start=True, dims=[2, 3], min_frequency=5, **FAST)
    encoder.fit(first, y[:250])
    categories = [c.copy() for c in encoder.categories_]
    tables = [t.copy() for t in encoder.embeddings_]

    # A learning rate too small to move anything shows where the vectors start.
    encoder.set_params(learning_rate=1e-9, dims="auto").fit(second, y[150:])
    assert encoder.categories_[0].tolist() == categories[0].tolist() + ["Rome"]
    assert encoder.categories_[1].tolist() == categories[1].tolist() + [40]
    assert encoder.dims_ == [2, 3]
    for old, new in zip(tables, encoder.embeddings_):
        n_old = len(old) - 1
        np.testing.assert_allclose(new[:n_old], old[:-1], atol=1e-6)
        np.testing.assert_allclose(new[-1], old[-1], atol=1e-6)  # the unknown row is last
    rome = encoder.get_embeddings("city").loc["Rome"].to_numpy()
    assert not np.allclose(rome, encoder.embeddings_[0][-1])

    with pytest.raises(ValueError, match="dims asks 5 for column 'city'"):
        encoder.set_params(dims={"city": 5}).fit(second, y[150:])
    with pytest.raises(ValueError, match="feature names"):
        encoder.set_params(dims="auto").fit(second.rename(columns={"city": "town"}), y[150:])


def test_without_warm_start_a_refit_starts_over(frame):
    X, y = frame
    encoder = EmbeddingEncoder(**FAST).fit(X, y)
    encoder.fit(X.iloc[:100], y[:100])
    refit = EmbeddingEncoder(**FAST).fit(X.iloc[:100], y[:100])
    for ours, fresh in zip(encoder.embeddings_, refit.embeddings_):
        np.testing.assert_array_equal(ours, fresh)


def test_one_hot_names_survive_save_and_load(frame, tmp_path):
    X, _ = frame
    encoder = EmbeddingEncoder(initial_embeddings="one_hot", trainable=False).fit(X)
    skembed.save(encoder, tmp_path / "one_hot.zip")
    loaded = skembed.load(tmp_path / "one_hot.zip")
    assert loaded.get_feature_names_out().tolist() == encoder.get_feature_names_out().tolist()
    np.testing.assert_array_equal(loaded.transform(X), encoder.transform(X))


def test_warm_start_keeps_known_categories_however_rare_and_applies_min_frequency_to_new_ones(
    frame,
):
    X, y = frame
    encoder = EmbeddingEncoder(warm_start=True, min_frequency=10, dims=2, **FAST).fit(X, y)
    assert encoder.infrequent_categories_[0] is None
    keep = ((X["city"] != "Paris") & (X["city"] != "Nice")).to_numpy().copy()
    keep[np.flatnonzero(X["city"] == "Paris")[:3]] = True  # Paris now 3 times, Nice never
    refit = X[keep].copy()
    refit.loc[refit.index[:4], "city"] = "Rome"  # a new category, 4 times
    encoder.fit(refit, y[keep])
    assert encoder.infrequent_categories_[0].tolist() == ["Rome"]
    city = encoder.get_embeddings("city")
    unknown = encoder.embeddings_[0][-1]
    np.testing.assert_array_equal(city.loc["Rome"].to_numpy(), unknown)
    for known in ["Paris", "Nice"]:
        assert not np.array_equal(city.loc[known].to_numpy(), unknown)


def test_given_vectors_of_rare_categories_are_kept(frame):
    X, _ = frame
    X = X.copy()
    X.loc[X.index[:3], "city"] = "Rome"  # seen 3 times, under the default min_frequency
    given = _pretrained(["Brest", "Lille", "Lyon", "Nice", "Paris", "Rome"])
    # Every column frozen and complete: no y needed, nothing trained.
    encoder = EmbeddingEncoder(
        initial_embeddings={"city": given, "shop": "one_hot"}, trainable=False
    ).fit(X)
    assert encoder.infrequent_categories_[0] is None
    np.testing.assert_array_equal(
        encoder.get_embeddings("city").loc["Rome"].to_numpy(),
        given.loc["Rome"].to_numpy(dtype=np.float32),
    )


def test_cross_fitting_leaves_frozen_vectors_as_given(frame):
    X, y = frame
    given = _pretrained(["Brest", "Lille", "Lyon", "Nice", "Paris"])
    encoder = EmbeddingEncoder(
        initial_embeddings={"city": given}, trainable={"city": False}, cv=3, **FAST
    )
    out = encoder.fit_transform(X, y)
    np.testing.assert_array_equal(out[:, :3], given.loc[X["city"]].to_numpy(dtype=np.float32))

    # Every category is frequent in every fold: min_frequency=5 is no obstacle.
    one_hot = EmbeddingEncoder(initial_embeddings="one_hot", trainable=False, cv=3,
                               min_frequency=5)
    reference = OneHotEncoder(sparse_output=False, handle_unknown="ignore").fit_transform(X)
    np.testing.assert_array_equal(one_hot.fit_transform(X, y), reference)
    np.testing.assert_array_equal(one_hot.fit_transform(X), reference)
    trained = one_hot.set_params(trainable=True, **FAST)
    assert trained.fit_transform(X, y).shape == reference.shape
    with pytest.raises(ValueError, match="cannot cross-fit the one-hot column 'shop'"):
        trained.set_params(min_frequency=20).fit_transform(X, y)


def test_explicit_categories_keep_a_missing_value_missing():
    X = pd.DataFrame({"c": ["a", None, "a", "b"]})
    encoder = EmbeddingEncoder(
        initial_embeddings="one_hot",
        trainable=False,
        categories=[["a", "b", np.nan]],
        min_frequency=None,
    ).fit(X)
    assert encoder.categories_[0][:2].tolist() == ["a", "b"] and pd.isna(encoder.categories_[0][2])
    np.testing.assert_array_equal(
        encoder.transform(pd.DataFrame({"c": [None, np.nan, "nan"]})),
        [[0, 0, 1], [0, 0, 1], [0, 0, 0]],
    )


def test_position_keyed_parameters_are_saved_with_their_int_keys(frame, tmp_path):
    X, y = frame
    encoder = EmbeddingEncoder(initial_embeddings={1: "one_hot"}, trainable={1: False}, **FAST)
    skembed.save(encoder.fit(X, y), tmp_path / "positions.zip")
    loaded = skembed.load(tmp_path / "positions.zip")
    assert loaded.get_params()["initial_embeddings"] == {1: "one_hot"}
    assert loaded.get_params()["trainable"] == {1: False}
    assert loaded.get_feature_names_out().tolist() == encoder.get_feature_names_out().tolist()


def test_exported_vectors_of_number_and_bool_columns_can_be_given_back(frame, tmp_path):
    X, y = frame
    X = X.assign(flag=X["shop"].to_numpy() % 2 == 0,  # shop: ints; flag: bools
                 rate=(X["shop"].to_numpy() / 10).astype(np.float32))  # fmt: skip
    source = EmbeddingEncoder(min_frequency=None, **FAST).fit(X, y)
    given = {}
    for column in ("shop", "flag", "rate"):
        given[column] = tmp_path / f"{column}.txt"
        source.export_vectors(column, given[column])
    frozen = EmbeddingEncoder(
        initial_embeddings=given, trainable={"shop": False, "flag": False, "rate": False}, **FAST
    ).fit(X, y)
    for column in ("shop", "flag", "rate"):
        np.testing.assert_array_equal(
            frozen.get_embeddings(column).to_numpy(), source.get_embeddings(column).to_numpy()
        )
