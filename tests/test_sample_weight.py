"""fit(X, y, sample_weight=...): weighted losses, counts and target scaling."""

import numpy as np
import pandas as pd
import pytest
import sklearn
from conftest import make_frame
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline

from skembed import EmbeddingEncoder
from skembed._targets import prepare_target

FAST = dict(dims=2, epochs=3, random_state=0)


@pytest.mark.parametrize("cv", [None, 2])
def test_unit_weights_fit_exactly_as_no_weights(cv):
    X, y = make_frame(n=400)
    plain = EmbeddingEncoder(**FAST, cv=cv)
    weighted = EmbeddingEncoder(**FAST, cv=cv)
    out_plain = plain.fit_transform(X, y)
    out_weighted = weighted.fit_transform(X, y, sample_weight=np.ones(len(y)))
    np.testing.assert_array_equal(out_plain, out_weighted)
    for a, b in zip(plain.embeddings_, weighted.embeddings_):
        np.testing.assert_array_equal(a, b)
    assert plain.history_ == weighted.history_


def test_counts_are_sums_of_weights_and_min_frequency_reads_them():
    X = pd.DataFrame({"city": ["Paris"] * 30 + ["Lyon"] * 30 + ["Brest"] * 2})
    y = np.array([1, 0] * 31)
    weights = np.where(X["city"] == "Brest", 3.0, 1.0)
    encoder = EmbeddingEncoder(min_frequency=5, **FAST).fit(X, y, sample_weight=weights)
    counts = dict(zip(encoder.categories_[0], encoder.category_counts_[0]))
    assert counts == {"Brest": 6.0, "Lyon": 30.0, "Paris": 30.0}
    assert encoder.infrequent_categories_[0] is None  # 6 >= min_frequency=5
    unweighted = EmbeddingEncoder(min_frequency=5, **FAST).fit(X, y)
    assert unweighted.infrequent_categories_[0].tolist() == ["Brest"]


def test_a_category_whose_rows_all_weigh_zero_shares_the_unknown_vector():
    X, y = make_frame(n=400)
    weights = np.where(X["city"] == "Brest", 0.0, 1.0)
    encoder = EmbeddingEncoder(**FAST, min_frequency=None).fit(X, y, sample_weight=weights)
    table = encoder.embeddings_[0]
    brest = encoder.categories_[0].tolist().index("Brest")
    np.testing.assert_array_equal(table[brest], table[-1])
    assert encoder.category_counts_[0][brest] == 0


def test_zero_weights_hide_rows_as_if_absent():
    """Each row again with its label flipped: unweighted, no category tells the
    label any more; with the copies weighted 0, the signal is learned."""
    clean_X, clean_y = make_frame(n=1500, seed=0)
    X = pd.concat([clean_X, clean_X], ignore_index=True)
    y = np.concatenate([clean_y, 1 - clean_y])
    test_X, test_y = make_frame(n=1500, seed=2)

    def auc(weights, X=X, y=y):
        encoder = EmbeddingEncoder(dims=4, random_state=0).fit(X, y, sample_weight=weights)
        # Fitted on the clean rows: only whether the vectors tell categories apart counts.
        model = LogisticRegression().fit(encoder.transform(clean_X), clean_y)
        return roc_auc_score(test_y, model.predict_proba(encoder.transform(test_X))[:, 1])

    absent = auc(None, clean_X, clean_y)
    assert absent > 0.65
    assert auc(np.r_[np.ones(len(clean_y)), np.zeros(len(clean_y))]) > absent - 0.03
    assert auc(None) < 0.6


def test_integer_weights_scale_a_continuous_target_as_repeated_rows():
    y = np.array([1.0, 2.0, 4.0, 10.0])
    weights = np.array([1, 3, 0, 2])
    weighted = prepare_target(y, "continuous", "E", weights=weights.astype(float)).values
    repeated = prepare_target(np.repeat(y, weights), "continuous", "E").values
    np.testing.assert_allclose(np.repeat(weighted, weights, axis=0), repeated, rtol=1e-6)


def test_weights_reach_the_encoder_through_metadata_routing():
    X, y = make_frame(n=300)
    weights = np.where(X["city"] == "Paris", 2.0, 1.0)
    with sklearn.config_context(enable_metadata_routing=True):
        encoder = EmbeddingEncoder(**FAST).set_fit_request(sample_weight=True)
        classifier = LogisticRegression().set_fit_request(sample_weight=False)
        make_pipeline(encoder, classifier).fit(X, y, sample_weight=weights)
    paris = encoder.categories_[0].tolist().index("Paris")
    assert encoder.category_counts_[0][paris] == 2 * (X["city"] == "Paris").sum()


@pytest.mark.parametrize(
    "weights, message",
    [
        (lambda n: -np.ones(n), "Negative values in data passed to `sample_weight`"),
        (lambda n: np.r_[np.nan, np.ones(n - 1)], "NaN"),
        (lambda n: np.ones(n - 1), "sample_weight.shape == \\(299,\\), expected \\(300,\\)"),
        (lambda n: np.zeros(n), "Sample weights must contain at least one non-zero number"),
    ],
    ids=["negative", "nan", "length", "all zero"],
)
def test_bad_weights_are_refused_and_the_callers_are_not_changed(weights, message):
    X, y = make_frame(n=300)
    given = weights(len(y))
    kept = given.copy()
    with pytest.raises(ValueError, match=message):
        EmbeddingEncoder(**FAST).fit(X, y, sample_weight=given)
    np.testing.assert_array_equal(given, kept)


def test_the_callers_weights_are_not_changed_by_a_fit():
    X, y = make_frame(n=300)
    weights = np.linspace(0.5, 2.0, len(y))
    kept = weights.copy()
    EmbeddingEncoder(**FAST, cv=2).fit_transform(X, y, sample_weight=weights)
    np.testing.assert_array_equal(weights, kept)


def test_a_dask_fit_refuses_weights():
    dd = pytest.importorskip("dask.dataframe")
    X, y = make_frame(n=100)
    lazy_X, lazy_y = dd.from_pandas(X, npartitions=2), dd.from_pandas(pd.Series(y), npartitions=2)
    with pytest.raises(ValueError, match="sample_weight is not supported by a fit on a Dask"):
        EmbeddingEncoder().fit(lazy_X, lazy_y, sample_weight=np.ones(100))


def test_token_counts_are_the_weights_of_the_rows_holding_them(tmp_path):
    import skembed

    X = pd.DataFrame({"title": ["red car", "blue car", "red red bike"] * 20})
    y = [0, 1, 1] * 20
    weights = np.tile([1.0, 2.0, 0.5], 20)
    encoder = EmbeddingEncoder(analyzer="word", **FAST).fit(X, y, sample_weight=weights)
    counts = dict(zip(encoder.categories_[0][:-1], encoder.category_counts_[0][:-1]))
    # A token repeated in a cell counts once for its row.
    assert counts == {"bike": 10.0, "blue": 40.0, "car": 60.0, "red": 30.0}
    skembed.save(encoder, tmp_path / "weighted.skembed")  # float counts save and load
    loaded = skembed.load(tmp_path / "weighted.skembed")
    np.testing.assert_array_equal(loaded.category_counts_[0], encoder.category_counts_[0])
    np.testing.assert_array_equal(loaded.transform(X), encoder.transform(X))


def test_integer_weights_learn_what_repeated_rows_teach():
    """Up to the order of training: the same counts, and the same downstream score."""
    X, y = make_frame(n=1500, seed=0)
    # Half the rows' labels flipped, and counted three times: the weights decide
    # which labels win, so that both fits learn the flipped ones.
    flipped = np.arange(1500) < 750
    y = np.where(flipped, 1 - y, y)
    weights = np.where(flipped, 3.0, 1.0)
    repeated_X = pd.concat([X] + [X[flipped]] * 2, ignore_index=True)
    repeated_y = np.concatenate([y] + [y[flipped]] * 2)
    test_X, test_y = make_frame(n=1500, seed=2)  # labels as they were

    def test_auc(encoder):
        model = LogisticRegression().fit(encoder.transform(X), y, sample_weight=weights)
        return roc_auc_score(test_y, model.predict_proba(encoder.transform(test_X))[:, 1])

    weighted = EmbeddingEncoder(dims=4, random_state=0).fit(X, y, sample_weight=weights)
    repeated = EmbeddingEncoder(dims=4, random_state=0).fit(repeated_X, repeated_y)
    for a, b in zip(weighted.category_counts_, repeated.category_counts_):
        np.testing.assert_array_equal(a, b)
    weighted_auc, repeated_auc = test_auc(weighted), test_auc(repeated)
    assert weighted_auc < 0.4 and repeated_auc < 0.4  # both learned the flipped labels
    assert abs(weighted_auc - repeated_auc) < 0.05
