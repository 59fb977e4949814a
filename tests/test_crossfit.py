"""Cross fitting: each training row encoded by vectors learned without its target."""

import numpy as np
import pandas as pd
import pytest
from conftest import FAST, make_frame
from scipy.spatial.distance import pdist
from sklearn.model_selection import KFold, StratifiedKFold

from skembed import EmbeddingEncoder
from skembed._crossfit import similarity



def test_cross_fitting_encodes_each_row_without_its_own_target(frame):
    X, y = frame
    # A unique ID per row: a pure leak, whose vector can only memorize y
    # (min_frequency=None: each ID keeps a vector of its own).
    X = X.assign(row_id=[f"r{i}" for i in range(len(X))])
    encoder = EmbeddingEncoder(cv=3, dims=2, min_frequency=None, **FAST)
    crossed = encoder.fit_transform(X, y)
    plain = EmbeddingEncoder(dims=2, min_frequency=None, **FAST).fit(X, y)
    # fit and transform are those of the encoder fitted on all rows.
    for a, b in zip(encoder.embeddings_, plain.embeddings_):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(encoder.transform(X), plain.transform(X))
    # Each row's ID is unknown to the encoder of its fold: one vector per fold.
    ids = crossed[:, -2:]
    assert len(np.unique(ids, axis=0)) == 3
    assert len(np.unique(plain.transform(X)[:, -2:], axis=0)) > 3
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


def _shape_change(before, after):
    """How much the distances between the rows' vectors changed, scale set aside.

    Distances do not see a rotation, reflection or shift of all vectors, and
    dividing by their mean removes a common scale: what is left is what the
    vectors say about the categories relative to one another.
    """
    d_before, d_after = pdist(before), pdist(after)
    return np.abs(d_before / d_before.mean() - d_after / d_after.mean()).mean()


@pytest.mark.parametrize("n_categories, n_rows", [(4, 600), (500, 5000)])
def test_cross_fitted_vectors_do_not_learn_from_their_rows_targets(n_categories, n_rows):
    X, y = _ids_and_binary_target(n_categories, n_rows)
    splits = list(KFold(3, shuffle=True, random_state=0).split(X))
    held_out = splits[0][1]
    flipped = y.copy()
    flipped[held_out] = 1 - flipped[held_out]
    # One row per category among the held-out rows.
    _, first = np.unique(X["id"].to_numpy()[held_out], return_index=True)
    rows = held_out[first]
    crossed, in_sample = [], []
    for target in (y, flipped):
        encoder = EmbeddingEncoder(cv=splits, epochs=3, batch_size=256, random_state=0)
        crossed.append(encoder.fit_transform(X, target)[rows])
        in_sample.append(encoder.transform(X)[rows])
    learned_from_own_rows = _shape_change(*in_sample)
    assert learned_from_own_rows > 0.01  # the flip does teach the full encoder
    # The held-out rows' vectors come from an encoder that never saw them;
    # only the coordinates they are expressed in follow the full encoder.
    assert _shape_change(*crossed) < 0.1 * learned_from_own_rows


def test_few_categories_are_not_copied_from_the_full_encoder():
    # A map with as many free numbers as there are categories would pass
    # through the full encoder's vectors exactly.
    X, y = _ids_and_binary_target(4, 600)
    encoder = EmbeddingEncoder(cv=5, epochs=2, random_state=0)
    crossed = encoder.fit_transform(X, y)
    assert np.abs(crossed - encoder.transform(X)).max() > 1e-3


def test_a_column_of_two_categories_keeps_the_full_encoders_vectors(frame):
    # Two points fix a similarity transform exactly: nothing to align.
    X, y = frame
    X = X.assign(flag=X["shop"].to_numpy() % 2 == 0)
    encoder = EmbeddingEncoder(cv=3, **FAST)
    crossed = encoder.fit_transform(X, y)
    flag = slice(sum(encoder.dims_[:2]), None)
    np.testing.assert_array_equal(crossed[:, flag], encoder.transform(X)[:, flag])
    assert not np.array_equal(crossed[:, :2], encoder.transform(X)[:, :2])


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


def test_similarity_recovers_a_rotation_scale_and_shift():
    rng = np.random.default_rng(0)
    source = rng.normal(size=(30, 4))
    rotation, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    target = 2.5 * source @ rotation + [1.0, -2.0, 0.5, 3.0]
    weights = rng.uniform(1, 10, size=30)
    scale, found, source_mean, target_mean = similarity(source, target, weights)
    np.testing.assert_allclose(scale * (source - source_mean) @ found + target_mean, target,
                               atol=1e-10)
    assert scale == pytest.approx(2.5)
