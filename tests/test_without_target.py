"""Fits without a target: vectors learned from which values occur together in rows."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from conftest import FAST, make_frame

from skembed import EmbeddingEncoder, load, save


def grouped_table(n=2000, groups=4, per_group=5, seed=0):
    """Three columns whose values each belong to one of ``groups`` hidden groups.

    A row draws a group, then each column's value among that group's
    ``per_group`` values ("shop:0" to "shop:4" are group 0's shops): values
    of one group occur together, nothing else links them.
    """
    rng = np.random.default_rng(seed)
    group = rng.integers(0, groups, n)
    return pd.DataFrame({
        name: [f"{name}:{g * per_group + k}" for g, k in zip(group, rng.integers(0, per_group, n))]
        for name in ["shop", "brand", "city"]
    })  # fmt: skip


def group_of(value, per_group=5):
    return int(value.split(":")[1]) // per_group


def clusters_agree(table, categories, groups=4):
    found = KMeans(groups, n_init=10, random_state=0).fit_predict(table)
    return adjusted_rand_score([group_of(c) for c in categories], found)


@pytest.fixture(scope="module")
def grouped():
    X = grouped_table()
    return X, EmbeddingEncoder(min_frequency=None, batch_size=256, random_state=0).fit(X)


def test_clustering_the_vectors_recovers_the_hidden_groups(grouped):
    X, encoder = grouped
    for table, categories in zip(encoder.embeddings_, encoder.categories_):
        assert clusters_agree(table[:-1], categories) > 0.9
    # One-hot vectors are all equally far apart: their clusters are arbitrary.
    one_hot = EmbeddingEncoder(initial_embeddings="one_hot", trainable=False,
                               min_frequency=None).fit(X)  # fmt: skip
    assert one_hot.target_type_ is None and not one_hot.history_
    assert clusters_agree(one_hot.embeddings_[0][:-1], one_hot.categories_[0]) < 0.3


def test_a_fit_without_y_is_a_whole_fitted_encoder(grouped, tmp_path):
    X, encoder = grouped
    assert encoder.target_type_ is None and encoder.classes_ is None
    assert len(encoder.history_["loss"]) == len(encoder.history_["val_loss"]) > 1
    assert encoder.transform(X).shape == (len(X), sum(encoder.dims_))
    nearest = encoder.most_similar("shop", "shop:0", n=4)
    assert {group_of(c) for c in nearest.index} == {0}
    save(encoder, tmp_path / "encoder.zip")
    for copy in (load(tmp_path / "encoder.zip"), pickle.loads(pickle.dumps(encoder))):
        assert copy.target_type_ is None
        np.testing.assert_array_equal(copy.transform(X), encoder.transform(X))


def test_a_fit_without_y_is_reproducible():
    X = grouped_table(n=500)
    first = EmbeddingEncoder(**FAST).fit(X)
    again = EmbeddingEncoder(**FAST).fit(X)
    for a, b in zip(first.embeddings_, again.embeddings_):
        np.testing.assert_array_equal(a, b)
    other = EmbeddingEncoder(**{**FAST, "random_state": 1}).fit(X)
    assert not np.array_equal(first.embeddings_[0], other.embeddings_[0])


def test_fine_tuning_continues_from_the_pretrained_vectors(grouped):
    X, pretrained = grouped
    labelled = X.iloc[:300]
    labelled = labelled[~labelled["shop"].isin(["shop:3", "shop:17"])]
    y = labelled["shop"].map(group_of) % 2
    fine_tuned = pickle.loads(pickle.dumps(pretrained)).set_params(warm_start=True, **FAST)
    fine_tuned.fit(labelled, y)
    assert fine_tuned.target_type_ == "binary"
    table = pd.DataFrame(fine_tuned.embeddings_[0][:-1], index=fine_tuned.categories_[0])
    before = pd.DataFrame(pretrained.embeddings_[0][:-1], index=pretrained.categories_[0])
    # The labels never reach shop:3 and shop:17: they keep their pretrained vectors.
    unlabelled = ["shop:3", "shop:17"]
    np.testing.assert_array_equal(table.loc[unlabelled], before.loc[unlabelled])
    moved = ~np.isclose(table, before).all(axis=1)
    assert moved.sum() == 18


def test_token_columns_learn_without_y():
    rng = np.random.default_rng(0)
    colour = rng.choice(["red", "blue"], 600)
    X = pd.DataFrame({
        "name": [f"{c} shirt" if rng.random() < 0.5 else f"{c} hat" for c in colour],
        "shelf": np.where(colour == "red", "A", "B"),
    })  # fmt: skip
    encoder = EmbeddingEncoder(analyzer={"name": "word"}, min_frequency=None, epochs=30,
                               random_state=0).fit(X)  # fmt: skip
    words = pd.DataFrame(encoder.embeddings_[0][:-1], index=encoder.categories_[0])
    shelves = pd.DataFrame(encoder.embeddings_[1][:-1], index=encoder.categories_[1])
    assert list(words.index[:-1]) == ["blue", "hat", "red", "shirt"]
    # red goes with shelf A: its vector is told apart from blue's, the shelves' too.
    assert np.linalg.norm(words.loc["red"] - words.loc["blue"]) > np.linalg.norm(
        words.loc["hat"] - words.loc["shirt"]
    )
    assert not np.allclose(shelves.loc["A"], shelves.loc["B"])


def test_cv_without_y_has_nothing_to_cross_fit():
    X = grouped_table(n=400)
    encoder = EmbeddingEncoder(cv=3, **FAST)
    np.testing.assert_array_equal(encoder.fit_transform(X), encoder.transform(X))
    np.testing.assert_array_equal(
        encoder.transform(X), EmbeddingEncoder(**FAST).fit(X).transform(X)
    )


def test_a_column_with_one_value_leaves_the_others_to_learn():
    X = grouped_table(n=1000).assign(empty=np.nan, same="x")
    before = X.copy()
    encoder = EmbeddingEncoder(min_frequency=None, batch_size=256, random_state=0).fit(X)
    pd.testing.assert_frame_equal(X, before)  # the caller's frame is untouched
    for table, categories in zip(encoder.embeddings_[:3], encoder.categories_[:3]):
        assert clusters_agree(table[:-1], categories) > 0.9


def test_tables_end_at_the_spread_of_a_random_start(grouped):
    _, encoder = grouped
    for table in encoder.embeddings_:
        assert np.sqrt(np.mean(np.square(table, dtype=np.float64))) == pytest.approx(
            0.05 / np.sqrt(3), rel=1e-4
        )


def test_early_stopping_without_y_needs_a_large_enough_gain(monkeypatch):
    import skembed._spec

    X = grouped_table(n=2000)
    params = dict(n_iter_no_change=1, batch_size=16, epochs=10, random_state=0)
    monkeypatch.setattr(skembed._spec, "TARGET_FREE_MIN_IMPROVEMENT", 0.5)
    demanding = EmbeddingEncoder(**params).fit(X)
    assert len(demanding.history_["loss"]) == 2  # the second epoch gains less than half
    monkeypatch.setattr(skembed._spec, "TARGET_FREE_MIN_IMPROVEMENT", 0.0)
    assert len(EmbeddingEncoder(**params).fit(X).history_["loss"]) > 2


@pytest.mark.parametrize("layers", [dict(hidden_units=()), dict(hidden_units=(16, 8), dropout=0.3)])
def test_other_networks_learn_without_y(layers):
    X = grouped_table()
    encoder = EmbeddingEncoder(min_frequency=None, batch_size=256, random_state=0, **layers)
    encoder.fit(X)
    assert clusters_agree(encoder.embeddings_[0][:-1], encoder.categories_[0]) > 0.9


def test_a_supervised_fit_continues_without_y():
    X = grouped_table(n=500)
    y = X["shop"].map(group_of) % 2
    encoder = EmbeddingEncoder(**FAST).fit(X, y)
    encoder.set_params(warm_start=True, cv=3).fit(X)
    assert encoder.target_type_ is None and encoder.classes_ is None
    # No target to leak: nothing to cross-fit, even under a warm start.
    np.testing.assert_array_equal(encoder.fit_transform(X), encoder.transform(X))


def test_cells_of_the_same_tokens_are_one_value():
    from skembed._tokens import same_bag_cells

    indptr = np.array([0, 2, 4, 5, 6, 8])
    rows = np.array([1, 2, 2, 1, 3, 3, 1, 1])  # (1 2), (2 1), (3), (3), (1 1)
    assert same_bag_cells(indptr, rows).tolist() == [0, 0, 2, 2, 4]


@pytest.mark.parametrize(
    "X, params, message",
    [
        (make_frame()[0][["city"]], {}, r"X has 1 column\(s\)"),
        (make_frame()[0].assign(city="Paris"), {},
         r"1 with two or more values in its training rows \(\['shop'\]"),
        # Every value is infrequent: each column's rows share one vector.
        (make_frame()[0], {"min_frequency": 1000}, r"0 with two or more values"),
        (pd.DataFrame({"a": [np.nan] * 5, "b": [None] * 5}), {}, "0 with two or more values"),
        (make_frame()[0].iloc[:1], {}, "0 with two or more values|out of 1 sample"),
    ],
)
def test_a_fit_without_y_that_has_nothing_to_learn_from_is_an_error(X, params, message):
    for validation_fraction in (0.1, 0):
        encoder = EmbeddingEncoder(**FAST, **params, validation_fraction=validation_fraction)
        with pytest.raises(ValueError, match=message):
            encoder.fit(X)


def test_a_fit_without_y_needs_rows_to_compare():
    X = make_frame()[0]
    with pytest.raises(ValueError, match="batch_size must be 2 or more"):
        EmbeddingEncoder(batch_size=1).fit(X)
    few = EmbeddingEncoder(min_frequency=None, **FAST)
    with pytest.raises(ValueError, match="holds out a single row"):
        few.fit(X.iloc[:12])  # 10% of 12 rows
    assert few.set_params(validation_fraction=0).fit(X.iloc[:12]).history_


def test_the_tags_say_y_is_optional():
    assert not EmbeddingEncoder().__sklearn_tags__().target_tags.required
