"""Columns whose vectors teach the network nothing get one constant vector."""

import numpy as np
import pandas as pd
import pytest
from conftest import FAST

from skembed import EmbeddingEncoder

TRAIN = dict(epochs=20, batch_size=128, random_state=0, hidden_units=(64,))
GATED = dict(FAST, min_column_gain=0.5)  # a bar no column of the tiny frame clears


def _signal_and_noise(n_rows=3000, seed=0):
    """A column whose categories set y, and one drawn independently of it."""
    rng = np.random.default_rng(seed)
    signal = rng.integers(0, 20, n_rows)
    X = pd.DataFrame({"signal": [f"s{i}" for i in signal],
                      "noise": [f"n{i}" for i in rng.integers(0, 20, n_rows)]})  # fmt: skip
    y = (rng.random(n_rows) < np.linspace(0.05, 0.95, 20)[signal]).astype(int)
    return X, y


def _distinct_vectors(encoder, X, column):
    out = encoder.set_output(transform="default").transform(X)
    names = encoder.get_feature_names_out()
    own = np.array([name.startswith(f"{column}_") for name in names])
    return len(np.unique(out[:, own], axis=0))


def test_a_column_that_does_not_lower_the_validation_loss_is_made_constant():
    X, y = _signal_and_noise()
    # A fixed threshold: "auto" would already give the noise column one shared
    # vector, and here only the gate should.
    train = dict(TRAIN, min_frequency=5)
    encoder = EmbeddingEncoder(min_column_gain=0.02, **train).fit(X, y)
    signal_gain, noise_gain = encoder.column_gains_
    assert signal_gain > 0.02 > noise_gain
    assert _distinct_vectors(encoder, X, "noise") == 1
    assert _distinct_vectors(encoder, X, "signal") == 20
    # Everything else is the fit without the gate: same seed, same network.
    ungated = EmbeddingEncoder(min_column_gain=None, **train).fit(X, y)
    np.testing.assert_array_equal(encoder.embeddings_[0], ungated.embeddings_[0])
    np.testing.assert_array_equal(encoder.embeddings_[1][-1], ungated.embeddings_[1][-1])
    assert _distinct_vectors(ungated, X, "noise") == 20
    assert np.isnan(ungated.column_gains_).all()


def test_cross_fitting_follows_the_full_fits_choice():
    X, y = _signal_and_noise()
    encoder = EmbeddingEncoder(min_column_gain=0.02, cv=3, **TRAIN)
    crossed = encoder.fit_transform(X, y)
    full = encoder.transform(X)
    noise = slice(encoder.dims_[0], None)
    np.testing.assert_array_equal(crossed[:, noise], full[:, noise])
    assert not np.allclose(crossed[:, : encoder.dims_[0]], full[:, : encoder.dims_[0]])


def test_columns_with_given_vectors_token_columns_and_fits_without_y_are_not_judged(frame):
    X, y = frame
    vectors = np.random.default_rng(0).normal(size=(5, 3))
    given = EmbeddingEncoder(initial_embeddings={"city": vectors}, **GATED)
    assert np.isnan(given.fit(X, y).column_gains_[0])
    assert not np.isnan(given.column_gains_[1])
    words = pd.DataFrame({"text": [f"red {c} big" for c in X["city"]], "shop": X["shop"]})
    tokens = EmbeddingEncoder(analyzer={"text": "word"}, min_frequency=1, **GATED).fit(words, y)
    assert np.isnan(tokens.column_gains_[0]) and not np.isnan(tokens.column_gains_[1])
    without_y = EmbeddingEncoder(**GATED).fit(X)
    assert np.isnan(without_y.column_gains_).all()
    no_split = EmbeddingEncoder(validation_fraction=0, **GATED).fit(X, y)
    assert np.isnan(no_split.column_gains_).all()


@pytest.mark.parametrize("value", [-0.1, 1.0, "high"])
def test_min_column_gain_is_checked(frame, value):
    X, y = frame
    with pytest.raises((ValueError, TypeError), match="min_column_gain"):
        EmbeddingEncoder(**dict(FAST, min_column_gain=value)).fit(X, y)


def test_looking_among_a_constant_columns_vectors_says_why_there_are_none():
    pytest.importorskip("matplotlib")
    X, y = _signal_and_noise()
    encoder = EmbeddingEncoder(min_column_gain=0.02, **TRAIN).fit(X, y)
    assert encoder.most_similar("signal", "s3", n=2).shape == (2, 1)
    for look in (lambda: encoder.most_similar("noise", "n3"),
                 lambda: encoder.plot_embeddings("noise")):  # fmt: skip
        with pytest.raises(ValueError, match="'noise' has one vector for every category.*min_column_gain=0.02"):
            look()
