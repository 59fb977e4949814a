import pickle
import subprocess
import sys

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from conftest import FAST, make_frame, run_without_tensorflow
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from skembed import EmbeddingEncoder
from skembed._settings import MAX_AUTO_DIM, auto_dim


def category_row(encoder, i, value):
    return list(encoder.categories_[i]).index(value)


# ---------------------------------------------------------------- the lookup


def test_transform_is_a_lookup_of_each_categorys_row(fitted, frame):
    X, _ = frame
    out = fitted.transform(X)
    assert out.shape == (len(X), sum(fitted.dims_)) and out.dtype == np.float32
    start = 0
    for i, column in enumerate(X.columns):
        table = fitted.embeddings_[i]
        assert table.shape == (len(fitted.categories_[i]) + 1, fitted.dims_[i])
        rows = [category_row(fitted, i, v) for v in X[column]]
        np.testing.assert_array_equal(out[:, start : start + table.shape[1]], table[rows])
        start += table.shape[1]


def test_categories_match_one_hot_encoder(fitted, frame):
    X, _ = frame
    expected = OneHotEncoder().fit(X).categories_
    for ours, theirs in zip(fitted.categories_, expected):
        np.testing.assert_array_equal(ours, theirs)


def test_feature_names_and_get_embeddings(fitted):
    names = fitted.get_feature_names_out()
    assert names[0] == "city_0" and names[-1] == f"shop_{fitted.dims_[1] - 1}"
    assert len(names) == sum(fitted.dims_)
    table = fitted.get_embeddings("shop")
    assert table.index.name == "shop"
    assert table.index.tolist() == fitted.categories_[1].tolist()
    np.testing.assert_array_equal(table.to_numpy(), fitted.embeddings_[1][:-1])
    assert fitted.get_embeddings(1).equals(table)
    with pytest.raises(ValueError, match="Unknown feature 'nope'"):
        fitted.get_embeddings("nope")


def test_training_learns_to_separate_what_the_target_separates(frame):
    X, y = frame
    encoder = EmbeddingEncoder(dims=2, epochs=40, batch_size=32, random_state=0).fit(X, y)
    assert encoder.history_["loss"][-1] < encoder.history_["loss"][0]
    city = encoder.get_embeddings("city")
    # Paris and Nice push the target the same way; Paris and Lyon opposite ways.
    same = np.linalg.norm(city.loc["Paris"] - city.loc["Nice"])
    opposite = np.linalg.norm(city.loc["Paris"] - city.loc["Lyon"])
    assert same < opposite


# ------------------------------------------------------ unknown and infrequent


def test_handle_unknown_modes(frame):
    X, y = frame
    new = pd.DataFrame({"city": ["Rome", "Paris"], "shop": [99, 1]})
    encoders = {
        mode: EmbeddingEncoder(handle_unknown=mode, **FAST).fit(X, y)
        for mode in ["infrequent_if_exist", "ignore", "error"]
    }
    learned = encoders["infrequent_if_exist"]
    out = learned.transform(new)
    np.testing.assert_array_equal(out[0, : learned.dims_[0]], learned.embeddings_[0][-1])
    np.testing.assert_array_equal(out[0, learned.dims_[0] :], learned.embeddings_[1][-1])

    ignored = encoders["ignore"].transform(new)
    assert not ignored[0].any() and ignored[1].all()

    with pytest.raises(ValueError, match=r"unknown categories \['Rome'\] in column 'city'"):
        encoders["error"].transform(new)


def test_error_lists_at_most_five_unknown_values(fitted, frame):
    X, y = frame
    encoder = EmbeddingEncoder(handle_unknown="error", **FAST).fit(X, y)
    new = pd.DataFrame({"city": [f"c{i}" for i in range(8)], "shop": [1] * 8})
    with pytest.raises(ValueError) as error:
        encoder.transform(new)
    assert "'c4'" in str(error.value) and "'c5'" not in str(error.value)


def test_unknown_row_is_learned_not_left_at_initialization(frame, monkeypatch):
    X, y = frame

    def unknown_rows(epochs):
        # A fixed threshold under which no category of the frame is infrequent,
        # so that only the relabelled values reach the unknown rows.
        encoder = EmbeddingEncoder(**{**FAST, "epochs": epochs, "min_frequency": 5}).fit(X, y)
        return [table[-1] for table in encoder.embeddings_]

    # Training moves the unknown rows...
    for before, after in zip(unknown_rows(1), unknown_rows(4)):
        assert not np.allclose(before, after)
    # ...and that is thanks to the values fit relabels as unknown: without them
    # the rows would keep their initial values.
    import skembed._fitting

    monkeypatch.setattr(skembed._fitting, "relabel_as_unknown", lambda *a: None)
    for before, after in zip(unknown_rows(1), unknown_rows(4)):
        np.testing.assert_array_equal(before, after)


def test_a_category_whose_values_all_went_to_the_unknown_row_shares_it():
    # 400 categories seen once each: the 1% of training values that fit
    # relabels as unknown (4 here) takes every value of 4 categories, which
    # then have nothing to learn from and must not keep their random start.
    X = pd.DataFrame({"id": [f"r{i}" for i in range(400)]})
    y = np.arange(400) % 2
    params = dict(min_frequency=None, validation_fraction=0, n_iter_no_change=None, dims=2,
                  batch_size=64, random_state=0)  # fmt: skip
    one, two = (EmbeddingEncoder(epochs=e, **params).fit(X, y).embeddings_[0] for e in (1, 2))
    assert not np.all(one[:-1] == two[:-1], axis=1).any()  # no row left at its start
    assert np.all(two[:-1] == two[-1], axis=1).sum() == 4


@pytest.mark.parametrize("min_frequency", [10, 0.03])
def test_infrequent_categories_share_the_unknown_row(min_frequency):
    X, y = make_frame(n=300)
    X = X.copy()
    X.loc[:5, "city"] = ["Rare1", "Rare1", "Rare2", "Rare3", "Rare3", "Rare3"]
    encoder = EmbeddingEncoder(min_frequency=min_frequency, **FAST).fit(X, y)
    assert encoder.infrequent_categories_[0].tolist() == ["Rare1", "Rare2", "Rare3"]
    assert encoder.infrequent_categories_[1] is None
    table = encoder.embeddings_[0]
    for rare in ["Rare1", "Rare2", "Rare3"]:
        np.testing.assert_array_equal(table[category_row(encoder, 0, rare)], table[-1])
    np.testing.assert_array_equal(
        encoder.transform(pd.DataFrame({"city": ["Rare2"], "shop": [1]}))[0, : table.shape[1]],
        table[-1],
    )
    assert not np.array_equal(table[category_row(encoder, 0, "Paris")], table[-1])


def test_categories_seen_under_an_integer_min_frequency_share_the_unknown_row():
    X, y = make_frame(n=300)
    X = X.copy()
    X.loc[:8, "city"] = ["Four"] * 4 + ["Five"] * 5
    encoder = EmbeddingEncoder(min_frequency=5, **FAST).fit(X, y)
    assert encoder.infrequent_categories_[0].tolist() == ["Four"]
    table = encoder.embeddings_[0]
    np.testing.assert_array_equal(table[category_row(encoder, 0, "Four")], table[-1])
    assert not np.array_equal(table[category_row(encoder, 0, "Five")], table[-1])
    every = EmbeddingEncoder(min_frequency=None, **FAST).fit(X, y)
    assert every.infrequent_categories_[0] is None


def test_missing_values_are_one_category():
    X, y = make_frame(n=200)
    X = X.astype({"city": object})
    X.loc[:8, "city"] = [None, np.nan, pd.NA] * 3
    encoder = EmbeddingEncoder(**FAST).fit(X, y)
    assert pd.isna(encoder.categories_[0][-1])
    assert pd.isna(encoder.categories_[0]).sum() == 1
    out = encoder.transform(pd.DataFrame({"city": [None, np.nan, pd.NA], "shop": [1, 1, 1]}))
    missing_row = encoder.embeddings_[0][len(encoder.categories_[0]) - 1]
    for row in out:
        np.testing.assert_array_equal(row[: encoder.dims_[0]], missing_row)


def test_explicit_categories_fix_the_rows(frame):
    X, y = frame
    cities = ["Paris", "Lyon", "Nice", "Lille", "Brest", "Rome"]
    encoder = EmbeddingEncoder(categories=[cities, list(range(12))], **FAST).fit(X, y)
    assert encoder.categories_[0].tolist() == cities
    # Rome never appears in X: it is untrained, so it gets the unknown vector.
    np.testing.assert_array_equal(encoder.embeddings_[0][5], encoder.embeddings_[0][-1])

    strict = EmbeddingEncoder(categories=[cities[:4], list(range(12))], handle_unknown="error")
    with pytest.raises(ValueError, match="in column 'city' during fit"):
        strict.set_params(**FAST).fit(X, y)


# ------------------------------------------------------------------ targets


@pytest.mark.parametrize(
    "make_y, target_type, classes",
    [
        (lambda y: np.where(y == 1, "late", "on time"), "binary", ["late", "on time"]),
        (lambda y: y + (np.arange(len(y)) % 3 == 0), "multiclass", [0, 1, 2]),
        (lambda y: y * 10.0 + np.arange(len(y)) / 100, "continuous", None),
        (lambda y: np.column_stack([y * 1.5, -y + 0.25]), "continuous", None),
    ],
)
def test_every_target_type_trains(frame, make_y, target_type, classes):
    X, y = frame
    encoder = EmbeddingEncoder(**FAST).fit(X, make_y(y))
    assert encoder.target_type_ == target_type
    if classes is None:
        assert encoder.classes_ is None
    else:
        assert encoder.classes_.tolist() == classes
    assert set(encoder.history_) == {"loss", "val_loss"}
    assert len(encoder.history_["loss"]) == FAST["epochs"]


def test_early_stopping_and_no_validation_split(frame):
    X, y = frame
    # Patience 1 on a noisy 5% validation split stops well before 60 epochs.
    stopped = EmbeddingEncoder(epochs=60, n_iter_no_change=1, validation_fraction=0.05,
                               learning_rate=0.05, batch_size=32, random_state=0).fit(X, y)
    assert len(stopped.history_["loss"]) < 60
    plain = EmbeddingEncoder(validation_fraction=0.0, **FAST).fit(X, y)
    assert set(plain.history_) == {"loss"}


def test_early_stopping_restores_the_best_epochs_weights(frame):
    X, y = frame
    params = dict(epochs=60, validation_fraction=0.2, learning_rate=0.05, batch_size=32,
                  random_state=0)  # fmt: skip
    stopped = EmbeddingEncoder(n_iter_no_change=2, **params).fit(X, y)
    best = int(np.argmin(stopped.history_["val_loss"]))
    assert best < len(stopped.history_["val_loss"]) - 1  # it trained past its best epoch
    # The same training (same validation rows, patience never reached) cut
    # at the best epoch ends with the tables kept.
    cut = EmbeddingEncoder(n_iter_no_change=1000, **{**params, "epochs": best + 1}).fit(X, y)
    for kept, expected in zip(stopped.embeddings_, cut.embeddings_):
        np.testing.assert_array_equal(kept, expected)


# ------------------------------------------------------------ dims and dtypes


def test_auto_dims_are_one_per_category_up_to_the_cap():
    sizes = [1, 2, 5, 100, 1_000_000]
    assert [auto_dim(n) for n in sizes] == [1, 2, 5, MAX_AUTO_DIM, MAX_AUTO_DIM]
    X = pd.DataFrame({"flag": [True, False] * 50, "shop": [f"s{i % 40}" for i in range(100)]})
    encoder = EmbeddingEncoder(**FAST).fit(X, np.arange(100) % 2)
    assert encoder.dims_ == [2, MAX_AUTO_DIM]


@pytest.mark.parametrize(
    "dims, expected",
    [(3, [3, 3]), ([2, 4], [2, 4]), ({"shop": 5}, [auto_dim(5), 5]),
     ("auto", [auto_dim(5), auto_dim(12)])],
)
def test_dims_forms(frame, dims, expected):
    X, y = frame
    assert EmbeddingEncoder(dims=dims, **FAST).fit(X, y).dims_ == expected


@pytest.mark.parametrize("dims", [{"nope": 2}, [2], [2, 0]])
def test_bad_dims_raise(frame, dims):
    X, y = frame
    with pytest.raises(ValueError, match="dims"):
        EmbeddingEncoder(dims=dims, **FAST).fit(X, y)


def test_every_column_dtype_is_categorical():
    n = 120
    rng = np.random.default_rng(1)
    X = pd.DataFrame(
        {
            "obj": rng.choice(["a", "b", "c"], n).astype(object),
            "str": pd.Series(rng.choice(["u", "v"], n), dtype="string"),
            "cat": pd.Series(rng.choice(["x", "y", "z"], n), dtype="category"),
            "int": rng.integers(0, 4, n),
            "bool": rng.random(n) < 0.5,
            "float": rng.choice([0.5, 1.5, np.nan], n),
        }
    )
    y = rng.integers(0, 2, n)
    encoder = EmbeddingEncoder(dims=2, dtype=np.float64, **FAST).fit(X, y)
    assert [len(c) for c in encoder.categories_] == [3, 2, 3, 4, 2, 3]
    out = encoder.transform(X)
    assert out.dtype == np.float64
    # A category column encodes as its values would.
    as_object = X.astype({"cat": object})
    np.testing.assert_array_equal(encoder.transform(as_object), out)


def test_numpy_and_list_input(frame):
    X, y = frame
    array = X.to_numpy()
    encoder = EmbeddingEncoder(**FAST).fit(array, y)
    assert not hasattr(encoder, "feature_names_in_")
    assert encoder.get_feature_names_out()[0] == "x0_0"
    np.testing.assert_array_equal(encoder.transform(array.tolist()), encoder.transform(array))
    from_lists = EmbeddingEncoder(**FAST).fit(array.tolist(), y.tolist())
    for a, b in zip(from_lists.embeddings_, encoder.embeddings_):
        np.testing.assert_array_equal(a, b)


def test_columns_of_pandas_sparse_dtype_are_encoded_as_their_values(frame):
    X, y = frame
    sparse = X.astype({"shop": pd.SparseDtype(int, 0)})
    encoder = EmbeddingEncoder(**FAST).fit(sparse, y)
    np.testing.assert_array_equal(encoder.transform(sparse), encoder.transform(X))
    np.testing.assert_array_equal(
        encoder.transform(X), EmbeddingEncoder(**FAST).fit(X, y).transform(X)
    )


# ------------------------------------------------------------ reproducibility


def test_refits_with_a_random_state_are_bit_identical(fitted, frame):
    X, y = frame
    again = EmbeddingEncoder(**FAST).fit(X, y)
    for a, b in zip(fitted.embeddings_, again.embeddings_):
        np.testing.assert_array_equal(a, b)
    other = EmbeddingEncoder(**{**FAST, "random_state": 1}).fit(X, y)
    assert not np.array_equal(fitted.embeddings_[0], other.embeddings_[0])


def test_inverse_transform_finds_the_nearest_category(frame):
    X, y = frame
    # Every category its own vector, so that each one can be found again.
    fitted = EmbeddingEncoder(min_frequency=None, **FAST).fit(X, y)
    out = fitted.transform(X)
    np.testing.assert_array_equal(fitted.inverse_transform(out), X.to_numpy())
    noisy = out + np.random.default_rng(0).normal(scale=1e-4, size=out.shape)
    np.testing.assert_array_equal(fitted.inverse_transform(noisy), X.to_numpy())
    unknown = fitted.inverse_transform(fitted.transform(pd.DataFrame({"city": ["Rome"],
                                                                      "shop": [3]})))
    assert unknown.tolist() == [[None, 3]]
    with pytest.raises(ValueError, match="columns"):
        fitted.inverse_transform(out[:, :3])


@pytest.mark.parametrize("dump, load", [(pickle.dumps, pickle.loads),
                                        (None, None)])
def test_pickle_and_joblib_round_trips(fitted, frame, tmp_path, dump, load):
    X, _ = frame
    if dump is None:
        joblib.dump(fitted, tmp_path / "encoder.joblib")
        restored = joblib.load(tmp_path / "encoder.joblib")
    else:
        restored = load(dump(fitted))
    np.testing.assert_array_equal(restored.transform(X), fitted.transform(X))


def test_fitted_encoder_works_where_tensorflow_cannot_be_imported(fitted, frame, tmp_path):
    X, _ = frame
    joblib.dump((fitted, X), tmp_path / "fitted.joblib")
    np.save(tmp_path / "expected.npy", fitted.transform(X))
    result = run_without_tensorflow(
        f"""
        import joblib, numpy as np, skembed
        encoder, X = joblib.load({str(tmp_path / "fitted.joblib")!r})
        out = encoder.transform(X)
        np.testing.assert_array_equal(out, np.load({str(tmp_path / "expected.npy")!r}))
        encoder.inverse_transform(out)
        encoder.get_embeddings(0)
        assert not any(m.split(".")[0] in ("tensorflow", "keras") for m in sys.modules)
        print("ok")
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_import_does_not_load_tensorflow():
    code = "import sys, skembed; print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr


# ------------------------------------------------------------- in scikit-learn


def test_pipeline_with_grid_search_over_dims(frame):
    X, y = frame
    pipeline = make_pipeline(EmbeddingEncoder(**FAST), LogisticRegression())
    search = GridSearchCV(pipeline, {"embeddingencoder__dims": [1, 3]}, cv=2).fit(X, y)
    assert search.best_params_["embeddingencoder__dims"] in (1, 3)
    assert search.predict_proba(X).shape == (len(X), 2)


def test_column_transformer_in_place_of_one_hot_encoder(frame):
    X, y = frame
    X = X.assign(amount=np.linspace(0, 1, len(X)))
    columns = ColumnTransformer(
        [("categories", EmbeddingEncoder(dims=2, **FAST), ["city", "shop"])],
        remainder="passthrough",
    ).set_output(transform="pandas")
    out = columns.fit_transform(X, y)
    assert out.columns.tolist() == [
        "categories__city_0", "categories__city_1", "categories__shop_0",
        "categories__shop_1", "remainder__amount",
    ]


def test_grid_search_over_dims_inside_a_column_transformer(frame):
    X, y = frame
    X = X.assign(amount=np.linspace(0, 1, len(X)))
    columns = ColumnTransformer(
        [("categories", EmbeddingEncoder(**FAST), ["city", "shop"])], remainder="passthrough"
    ).set_output(transform="pandas")
    pipeline = make_pipeline(columns, LogisticRegression())
    grid = {"columntransformer__categories__dims": [1, {"city": 2, "shop": 3}]}
    search = GridSearchCV(pipeline, grid, cv=2).fit(X, y)
    best = search.best_params_["columntransformer__categories__dims"]
    width = 2 if best == 1 else 5
    fitted_columns = search.best_estimator_[0]
    assert len(fitted_columns.get_feature_names_out()) == width + 1  # + amount
    assert search.predict_proba(X).shape == (len(X), 2)


def test_set_output_pandas_keeps_the_index(fitted, frame):
    X, _ = frame
    X = X.set_axis(np.arange(len(X)) + 1000)
    out = fitted.set_output(transform="pandas").transform(X)
    try:
        assert out.columns.tolist() == fitted.get_feature_names_out().tolist()
        assert out.index.equals(X.index)
    finally:
        fitted.set_output(transform="default")


# ----------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "X_new, error, message",
    [
        (lambda X: X[["city"]].to_numpy(), ValueError, "X has 1 features"),
        (lambda X: X[["city"]], ValueError, "missing:\n- shop"),
        (lambda X: X.rename(columns={"shop": "store"}), ValueError, "feature names"),
        (lambda X: X.iloc[:0], ValueError, "at least one sample"),
        (lambda X: X["city"].to_numpy(), ValueError, "Expected 2D array"),
        (lambda X: sp.csr_matrix(np.ones((3, 2))), TypeError, "sparse"),
    ],
)
@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
def test_bad_X_at_transform(fitted, frame, X_new, error, message):
    X, _ = frame
    with pytest.raises(error, match=message):
        fitted.transform(X_new(X))


@pytest.mark.parametrize(
    "X_bad, y_bad, message",
    [
        (lambda X: X[["city"]], lambda y: None, r"X has 1 column\(s\).*nothing to learn"),
        (lambda X: X, lambda y: y[:-1], "inconsistent numbers of samples"),
        (lambda X: X, lambda y: np.where(y == 1, np.nan, 0.5), "NaN"),
        (lambda X: X, lambda y: np.where(y == 1, np.inf, 0.5), "infinity"),
        (lambda X: X, lambda y: np.where(y == 1, None, "no"), "missing value"),
        (lambda X: X, lambda y: np.zeros_like(y), "only one class"),
        (lambda X: X.iloc[:0], lambda y: y[:0], "at least one sample"),
        (lambda X: np.empty((0, 2)), lambda y: y[:0], "0 sample"),
        (lambda X: X["city"].to_numpy(), lambda y: y, "Expected 2D array"),
        (lambda X: sp.csr_matrix(np.ones((len(X), 2))), lambda y: y, "sparse"),
    ],
)
def test_bad_input_at_fit(frame, X_bad, y_bad, message):
    X, y = frame
    with pytest.raises((ValueError, TypeError), match=message):
        EmbeddingEncoder(**FAST).fit(X_bad(X), y_bad(y))


@pytest.mark.parametrize(
    "params, message",
    [
        ({"dims": 0}, "dims"),
        ({"handle_unknown": "drop"}, "handle_unknown"),
        ({"min_frequency": 1.5}, "min_frequency"),
        ({"hidden_units": (8, -1)}, "hidden_units"),
        ({"dropout": 1.0}, "dropout"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"dtype": np.int32}, "float dtype"),
        ({"dtype": "no such type"}, "dtype must be a numpy float dtype, got 'no such type'"),
        ({"target_type": "ranking"}, "target_type"),
    ],
)
def test_invalid_parameters_raise_at_fit(frame, params, message):
    X, y = frame
    encoder = EmbeddingEncoder(**params)  # __init__ only stores
    with pytest.raises(ValueError, match=message):
        encoder.fit(X, y)


@pytest.mark.parametrize("cv", [None, 2])
def test_caller_data_is_never_modified(cv):
    X, y = make_frame(n=150)
    X = X.astype({"city": object})
    X.loc[:3, "city"] = [None, np.nan, "Rome", "Paris"]
    # Unsorted categories, an unused one and a missing value; a string column.
    X["shop_category"] = pd.Categorical(X["shop"], categories=sorted(set(X["shop"]))[::-1] + ["zz"])
    X.loc[4, "shop_category"] = np.nan
    X["city_string"] = X["city"].astype("string")
    X_before = X.copy()
    for target in (y, pd.Series(y + 0.5, name="price")):  # classes, then a float Series
        target_before = target.copy()
        encoder = EmbeddingEncoder(min_frequency=5, cv=cv, **FAST)
        encoder.fit_transform(X, target)
        encoder.transform(X)
        encoder.inverse_transform(encoder.transform(X))
        pd.testing.assert_frame_equal(X, X_before)
        np.testing.assert_array_equal(target, target_before)
        if isinstance(target, pd.Series):
            pd.testing.assert_series_equal(target, target_before)


def test_caller_arrays_are_never_modified():
    X, y = make_frame(n=150)
    X = X.to_numpy(dtype=object)
    X[:2, 0] = [None, np.nan]
    Y = np.column_stack([y + 0.5, 2.0 * y])  # two continuous targets
    X_before, Y_before = X.copy(), Y.copy()
    encoder = EmbeddingEncoder(cv=2, **FAST)
    encoder.inverse_transform(encoder.fit_transform(X, Y))
    for a, b in ((X, X_before), (Y, Y_before)):
        pd.testing.assert_frame_equal(pd.DataFrame(a), pd.DataFrame(b))  # NaN-aware


# ------------------------------------------------- scikit-learn conventions


def test_datetime_columns_with_missing_values_are_encoded_by_date():
    dates = pd.Series(pd.date_range("2020-01-01", periods=8).tolist() * 10 + [None] * 10)
    X = pd.DataFrame({"day": dates.astype("datetime64[ns]")})
    y = np.arange(len(X)) % 2
    encoder = EmbeddingEncoder(min_frequency=None, **FAST).fit(X, y)
    assert encoder.categories_[0].dtype.kind == "M"
    # Nine categories (8 days and NaT), each its own vector: none is unknown.
    assert len(np.unique(encoder.transform(X), axis=0)) == 9
    decoded = encoder.inverse_transform(encoder.transform(X.head(3)))
    np.testing.assert_array_equal(decoded[:, 0], X["day"].head(3).to_numpy())


def test_without_early_stopping_every_row_trains():
    # A unique ID per row: an ID held out for validation would get no vector.
    X = pd.DataFrame({"id": [f"r{i}" for i in range(200)]})
    y = np.arange(200) % 2
    encoder = EmbeddingEncoder(min_frequency=None, n_iter_no_change=None,
                               validation_fraction=0.3, **FAST).fit(X, y)  # fmt: skip
    assert set(encoder.history_) == {"loss"}
    table = encoder.embeddings_[0]
    with_own_vector = (table[:-1] != table[-1]).any(axis=1).mean()
    assert with_own_vector >= 0.97  # all but the 1% relabelled as unknown


@pytest.mark.parametrize("fitted_before", [False, True])
def test_a_failed_fit_leaves_the_encoder_unfitted(frame, fitted_before):
    from sklearn.exceptions import NotFittedError

    X, y = frame
    encoder = EmbeddingEncoder(**FAST)
    if fitted_before:
        encoder.fit(X, y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        encoder.fit(X.assign(extra=1), y[:-1])
    with pytest.raises(NotFittedError):
        encoder.transform(X)


def test_given_categories_that_match_no_value_are_an_error(frame):
    X, y = frame
    as_text = [sorted(X["city"].unique()), [str(v) for v in sorted(X["shop"].unique())]]
    with pytest.raises(ValueError, match="None of the values of column 'shop'.*column's type"):
        EmbeddingEncoder(categories=as_text, **FAST).fit(X, y)


def test_one_hot_names_of_nullable_integers_keep_integers():
    # The documented difference from OneHotEncoder, which reads Int64 as floats.
    X = pd.DataFrame({"i": pd.array([1, 2, None] * 4, dtype="Int64")})
    encoder = EmbeddingEncoder(initial_embeddings="one_hot", trainable=False,
                               min_frequency=None).fit(X)  # fmt: skip
    assert encoder.get_feature_names_out().tolist() == ["i_1", "i_2", "i_nan"]
    assert OneHotEncoder().fit(X).get_feature_names_out().tolist() == ["i_1.0", "i_2.0", "i_nan"]
    np.testing.assert_array_equal(encoder.transform(X), OneHotEncoder(sparse_output=False)
                                  .fit_transform(X))  # fmt: skip


def test_one_fitted_encoder_transforms_in_8_threads_as_serially(fitted, frame):
    from concurrent.futures import ThreadPoolExecutor

    X, _ = frame
    parts = [X.iloc[i::8] for i in range(8)] * 4
    serial = [fitted.transform(part) for part in parts]
    with ThreadPoolExecutor(8) as pool:
        threaded = list(pool.map(fitted.transform, parts))
    for a, b in zip(serial, threaded):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", ["str", "string[pyarrow]", "category"])
def test_arrow_strings_fit_and_transform_as_object_strings(dtype):
    pytest.importorskip("pyarrow")
    X, y = make_frame(n=200)
    X = X.assign(city=X["city"].astype(object).where(np.arange(200) % 17 != 0, None))
    as_object = X.astype({"city": object})
    given = X.astype({"city": dtype})
    reference = EmbeddingEncoder(**FAST).fit(as_object, y)
    encoder = EmbeddingEncoder(**FAST).fit(given, y)
    for ours, theirs in zip(encoder.embeddings_, reference.embeddings_):
        np.testing.assert_array_equal(ours, theirs)
    new = pd.DataFrame({"city": ["Nice", "Rome", None] * 70, "shop": [1, 2, 3] * 70})
    expected = reference.transform(new.astype({"city": object}))
    np.testing.assert_array_equal(encoder.transform(new.astype({"city": dtype})), expected)
