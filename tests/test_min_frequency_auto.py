"""min_frequency="auto": the rows a category needs for a vector, judged per column from y."""

import numpy as np
import pandas as pd
import pytest

from conftest import FAST
from skembed import EmbeddingEncoder
from skembed._targets import prepare_target, rows_for_a_vector, target_moments


def threshold(codes, target, n_categories, weights=None):
    return rows_for_a_vector(*target_moments(codes, target.values, target, n_categories, weights))


def anova_threshold(codes, y):
    """The threshold by hand, with pandas: within-group variance over the
    method-of-moments variance of the group means, rounded up."""
    frame = pd.DataFrame({"c": codes, "y": y})
    groups = frame.groupby("c")["y"]
    n, means = groups.size(), groups.mean()
    total, k = len(frame), len(n)
    within = ((frame["y"] - groups.transform("mean")) ** 2).sum() / (total - k)
    between = (n * (means - frame["y"].mean()) ** 2).sum()
    tau2 = (between - (k - 1) * within) / (total - (n**2).sum() / total)
    return np.inf if tau2 <= 0 else max(1, int(np.ceil(within / tau2)))


@pytest.mark.parametrize("effect", [0.05, 0.3, 3.0])
def test_the_threshold_is_the_ratio_of_within_to_between_variance(effect):
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 60, 3000)
    y = effect * rng.normal(size=60)[codes] + rng.normal(size=3000)
    target = prepare_target(y, "continuous", "EmbeddingEncoder")
    expected = anova_threshold(codes, target.values[:, 0])
    assert threshold(codes, target, 60) == expected
    # Strong effects need few rows, weak ones many: about 1 / effect**2.
    low, high = {0.05: (50, np.inf), 0.3: (5, 30), 3.0: (1, 1)}[effect]
    assert low <= expected <= high


def test_a_column_of_noise_gets_no_vector_and_a_strong_one_keeps_categories_seen_twice():
    rng = np.random.default_rng(0)
    shops = np.repeat([f"s{i}" for i in range(200)], 2)  # every shop seen twice
    noise = rng.choice([f"n{i}" for i in range(20)], len(shops))
    X = pd.DataFrame({"shop": shops, "noise": noise})
    y = np.repeat(rng.normal(size=200), 2) * 5 + 0.1 * rng.normal(size=len(shops))
    encoder = EmbeddingEncoder(**FAST).fit(X, y)  # "auto" is the default
    assert encoder.min_frequency == "auto"
    assert encoder.infrequent_categories_[0] is None  # every shop keeps a vector
    assert len(encoder.infrequent_categories_[1]) == 20  # the noise column shares one
    # A fixed threshold of 5 would have given no shop a vector.
    fixed = EmbeddingEncoder(min_frequency=5, **FAST).fit(X, y)
    assert len(fixed.infrequent_categories_[0]) == 200


def test_classes_count_as_a_column_each_and_weights_as_rows():
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 30, 600)
    classes = np.array(["a", "b", "c"])[(codes % 3 + (rng.random(600) < 0.3)) % 3]
    target = prepare_target(classes, "multiclass", "EmbeddingEncoder")
    assert threshold(codes, target, 30) == 2  # a strong three-class effect
    y = rng.normal(size=600) + 0.5 * (codes % 2)
    weights = rng.integers(0, 3, 600)
    repeated = np.repeat(np.arange(600), weights)
    as_rows = prepare_target(y[repeated], "continuous", "EmbeddingEncoder")
    weighted = prepare_target(y, "continuous", "EmbeddingEncoder", weights=weights)
    assert threshold(codes, weighted, 30, weights) == threshold(codes[repeated], as_rows, 30)


@pytest.mark.parametrize("target_type", ["binary", "multiclass", "continuous"])
def test_the_moments_of_parts_of_the_rows_add_up_to_those_of_all(target_type):
    # Parts of the rows (a Dask DataFrame's partitions) can be summed, then judged.
    rng = np.random.default_rng(2)
    codes = np.where(rng.random(500) < 0.1, -1, rng.integers(0, 40, 500))
    y = {"binary": codes % 2, "multiclass": (codes % 3 + (rng.random(500) < 0.2)) % 3,
         "continuous": np.column_stack([codes % 5 + rng.normal(size=500),
                                        rng.normal(size=500)])}[target_type]  # fmt: skip
    target = prepare_target(y, target_type, "EmbeddingEncoder")
    whole = target_moments(codes, target.values, target, 40)
    parts = [target_moments(codes[rows], target.values[rows], target, 40)
             for rows in np.array_split(np.arange(500), 3)]  # fmt: skip
    for summed, all_rows in zip(map(sum, zip(*parts)), whole):
        np.testing.assert_allclose(summed, all_rows, rtol=1e-12)
    assert rows_for_a_vector(*map(sum, zip(*parts))) == rows_for_a_vector(*whole)
    assert rows_for_a_vector(*whole) < 40  # the codes set y: a threshold is found


def test_without_y_and_in_token_columns_auto_is_five():
    X = pd.DataFrame({"a": list("xxxxyyyz") * 5, "b": list("pqpqpqpq") * 5,
                      "t": ["red shirt", "blue shirt", "red hat", "hat"] * 10})  # fmt: skip
    encoder = EmbeddingEncoder(min_frequency="auto", analyzer={"t": "word"}, **FAST)
    encoder.fit(X)  # without y
    fixed = EmbeddingEncoder(min_frequency=5, analyzer={"t": "word"}, **FAST).fit(X)
    assert same_infrequent(encoder.infrequent_categories_, fixed.infrequent_categories_)
    y = np.arange(len(X)) % 2
    encoder.fit(X, y)
    five = EmbeddingEncoder(min_frequency=5, analyzer={"t": "word"}, **FAST).fit(X, y)
    assert same_infrequent(encoder.infrequent_categories_[2:], five.infrequent_categories_[2:])


def same_infrequent(these, those):
    """Equal per column: None, or the same categories (NaN equal to NaN)."""
    return all(
        (a is None and b is None) or (a is not None and b is not None
                                      and pd.Index(a).equals(pd.Index(b)))
        for a, b in zip(these, those)
    )  # fmt: skip


def test_cross_fitting_with_auto_judges_each_fold():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"shop": rng.choice([f"s{i}" for i in range(30)], 400)})
    y = (X["shop"].str[1:].astype(int) % 2).to_numpy()
    encoder = EmbeddingEncoder(min_frequency="auto", cv=3, **FAST)
    out = encoder.fit_transform(X, y)
    assert out.shape == (400, sum(encoder.dims_))
    assert encoder.infrequent_categories_[0] is None


def test_another_string_is_refused():
    with pytest.raises(ValueError, match="min_frequency"):
        EmbeddingEncoder(min_frequency="sometimes").fit(pd.DataFrame({"a": ["x", "y"]}), [0, 1])
