"""Cross fitting: each training row encoded by vectors learned without its target."""

import numpy as np
import pandas as pd
import pytest
from conftest import FAST
from sklearn.model_selection import KFold

from skembed import EmbeddingEncoder
from skembed._crossfit import FOLD_VECTOR_ROWS


def _fold_part(crossed, full, n):
    """What a fold's own vector contributes to a cross-fitted encoding of a
    category seen ``n`` times: the encoding less its share of the full vector."""
    w = n / (n + FOLD_VECTOR_ROWS)
    return (crossed - w * full) / (1 - w)


def test_cross_fitting_encodes_each_row_without_its_own_target(frame):
    X, y = frame
    # A unique ID per row: a pure leak, whose vector can only memorize y
    # (min_frequency=None: each ID keeps a vector of its own).
    X = X.assign(row_id=[f"r{i}" for i in range(len(X))])
    splits = list(KFold(3, shuffle=True, random_state=0).split(X))
    encoder = EmbeddingEncoder(cv=splits, dims=2, min_frequency=None, **FAST)
    crossed = encoder.fit_transform(X, y)
    plain = EmbeddingEncoder(dims=2, min_frequency=None, **FAST).fit(X, y)
    # fit and transform are those of the encoder fitted on all rows.
    for a, b in zip(encoder.embeddings_, plain.embeddings_):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(encoder.transform(X), plain.transform(X))
    # Each row's ID is unknown to the encoder of its fold: one vector per fold,
    # plus a fifty-first of the ID's full vector.
    full_ids = plain.transform(X)[:, -2:]
    fold_ids = _fold_part(crossed[:, -2:], full_ids, n=1)
    for _, held_out in splits:
        np.testing.assert_allclose(fold_ids[held_out], fold_ids[held_out[:1]].repeat(len(held_out), 0),
                                   rtol=0, atol=1e-6)  # fmt: skip
    assert len(np.unique(full_ids, axis=0)) > 3
    # The other columns keep informative vectors, close to the full fit's.
    city = slice(0, 2)
    assert np.corrcoef(crossed[:, city].ravel(), plain.transform(X)[:, city].ravel())[0, 1] > 0.5


def test_cross_fitting_accepts_a_splitter_and_pandas_output(frame):
    from sklearn.model_selection import KFold

    X, y = frame
    encoder = EmbeddingEncoder(cv=KFold(2), **FAST).set_output(transform="pandas")
    out = encoder.fit_transform(X, y)
    assert out.columns.tolist() == encoder.get_feature_names_out().tolist()
    assert out.index.equals(X.index)


@pytest.mark.parametrize("cv", [2, "splitter"])
def test_cross_fitting_takes_class_labels_held_in_an_object_series(frame, cv):
    from sklearn.model_selection import StratifiedKFold

    X, y = frame
    labels = pd.Series(y, dtype=object)  # as a DataFrame column of mixed origin holds them
    cv = StratifiedKFold(2) if cv == "splitter" else cv
    encoder = EmbeddingEncoder(cv=cv, **FAST)
    out = encoder.fit_transform(X, labels)
    assert out.shape == (len(X), sum(encoder.dims_))
    assert encoder.target_type_ == "binary" and encoder.classes_.tolist() == [0, 1]


def _ids_and_binary_target(n_categories, n_rows, seed=0):
    """One column of IDs, each with its own chance of y = 1."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, n_categories, n_rows)
    y = (rng.random(n_rows) < rng.uniform(0.1, 0.9, n_categories)[ids]).astype(int)
    return pd.DataFrame({"id": [f"k{i}" for i in ids]}), y


@pytest.mark.parametrize("n_categories, n_rows", [(4, 600), (12, 1200)])
def test_cross_fitted_vectors_do_not_follow_their_rows_targets(n_categories, n_rows):
    # Flip the targets of one category's rows in the first fold: the full
    # encoder's vector of that category moves; the held-out rows' cross-fitted
    # vector follows it by the full vector's weight, n / (n + 50), and its
    # fold's part not at all. (An affine map onto the full vectors followed
    # all the way on 4 categories; a rotation, scale and shift fitted on every
    # category a quarter to a half of the way on 12.)
    X, y = _ids_and_binary_target(n_categories, n_rows)
    ids = X["id"].to_numpy()
    splits = list(KFold(3, shuffle=True, random_state=0).split(X))
    held_out = splits[0][1]
    for category in ("k0", "k1"):
        row = held_out[ids[held_out] == category][0]
        flipped = y.copy()
        flipped[held_out[ids[held_out] == category]] ^= 1
        n = int((ids == category).sum())
        crossed, full = [], []
        for target in (y, flipped):
            encoder = EmbeddingEncoder(cv=splits, epochs=3, batch_size=128, random_state=0,
                                       min_column_gain=None,  # vectors, not the gate
                                       hidden_units=(64,))
            crossed.append(encoder.fit_transform(X, target)[row])
            full.append(encoder.transform(X)[row])
        full_move = full[1] - full[0]
        assert np.linalg.norm(full_move) > 1e-3  # the flip teaches the full encoder
        follows = (crossed[1] - crossed[0]) @ full_move / (full_move @ full_move)
        assert follows == pytest.approx(n / (n + FOLD_VECTOR_ROWS), abs=0.01)
        fold_move = _fold_part(crossed[1], full[1], n) - _fold_part(crossed[0], full[0], n)
        assert abs(fold_move @ full_move) / (full_move @ full_move) < 0.05


def test_a_column_of_few_categories_is_not_copied_from_the_full_encoder():
    # The repro: an affine map fitted on 4 categories passed exactly
    # through their full vectors.
    X, y = _ids_and_binary_target(4, 600)
    encoder = EmbeddingEncoder(cv=5, epochs=2, random_state=0, min_column_gain=None)
    assert np.abs(encoder.fit_transform(X, y) - encoder.transform(X)).max() > 1e-3


def test_categories_a_fold_did_not_train_share_its_unknown_vector():
    # Rare categories, each trained by no fold (4 rows per fold, under
    # min_frequency=5), get their fold's unknown vector, and of the full
    # encoder's vector only its weight by their count (6 / 56).
    values = ["A"] * 300 + ["B"] * 300 + [f"r{i}" for i in range(40) for _ in range(6)]
    X = pd.DataFrame({"c": values})
    y = np.random.default_rng(0).integers(0, 2, len(X))
    fold_of = X.groupby("c").cumcount().to_numpy() % 3
    splits = [(np.flatnonzero(fold_of != k), np.flatnonzero(fold_of == k)) for k in range(3)]
    encoder = EmbeddingEncoder(cv=splits, epochs=2, random_state=0, min_column_gain=None,
                               min_frequency=5)
    crossed = encoder.fit_transform(X, y)
    full = encoder.transform(X)
    rare = X["c"].str.startswith("r").to_numpy()
    fold_part = _fold_part(crossed, full, n=6)
    for k in range(3):
        rows = np.flatnonzero(rare & (fold_of == k))
        np.testing.assert_allclose(fold_part[rows], fold_part[rows[:1]].repeat(len(rows), 0),
                                   rtol=0, atol=1e-6)  # the fold's unknown vector
    assert len(np.unique(full[rare], axis=0)) > 3  # where the full fit has their own


def test_a_warm_start_is_not_cross_fitted(frame):
    X, y = frame
    encoder = EmbeddingEncoder(warm_start=True, cv=2, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="cannot cross-fit a warm start"):
        encoder.fit_transform(X, y)


def test_splits_that_do_not_hold_every_row_out_once_are_refused(frame):
    from sklearn.model_selection import ShuffleSplit

    X, y = frame
    encoder = EmbeddingEncoder(cv=ShuffleSplit(3, test_size=0.2, random_state=0), **FAST)
    with pytest.raises(ValueError, match="hold every row out exactly once"):
        encoder.fit_transform(X, y)


def test_a_fold_may_lack_every_value_of_an_explicit_category_list(frame):
    X, y = frame
    X = X.assign(city=np.where(np.arange(len(X)) < 100, "Paris", "Lyon"))
    splits = list(KFold(3).split(X))  # the first fold holds every Paris row
    encoder = EmbeddingEncoder(categories=[["Paris"], sorted(X["shop"].unique())],
                               cv=splits, **FAST)  # fmt: skip
    assert np.isfinite(encoder.fit_transform(X, y)).all()


def test_folds_keep_the_full_fits_classes_and_target_type(frame):
    X, y = frame
    # Every positive sits in the first fold: the encoder fitted on the other
    # folds sees one class only, which alone is not a classification target.
    y = np.zeros(len(X), dtype=int)
    splits = list(KFold(3).split(X))
    y[splits[0][1][:20]] = 1
    encoder = EmbeddingEncoder(cv=splits, **FAST)
    out = encoder.fit_transform(X, y)
    assert encoder.target_type_ == "binary" and np.isfinite(out).all()
    # Three classes, one of them only in the first fold: folds stay multiclass.
    labels = np.where(y == 1, "c", np.where(np.arange(len(X)) % 2 == 0, "a", "b"))
    out = EmbeddingEncoder(cv=splits, **FAST).fit_transform(X, labels)
    assert np.isfinite(out).all()


def test_a_folds_swapped_and_flipped_axes_are_put_back():
    from skembed._crossfit import aligned

    rng = np.random.default_rng(0)
    reference = rng.normal(size=(41, 3)).astype(np.float32)  # 40 categories and unknown
    counts = rng.integers(1, 50, 40)
    # A fold that learned the same geometry with its axes in another order and sign.
    fold = reference[:, [2, 0, 1]] * np.array([-1, 1, -1], dtype=np.float32)
    fold += rng.normal(scale=0.1, size=fold.shape).astype(np.float32)
    out = aligned(fold, reference, counts)
    assert out.dtype == fold.dtype
    np.testing.assert_array_equal(out[:, 0], fold[:, 1])  # only moved, never blended
    np.testing.assert_array_equal(out[:, 1], -fold[:, 2])
    np.testing.assert_array_equal(out[:, 2], -fold[:, 0])
    np.testing.assert_allclose(out, reference, atol=0.5)
