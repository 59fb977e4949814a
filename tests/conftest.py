import numpy as np
import pandas as pd
import pytest


def make_frame(n=300, seed=0):
    """A tiny table: a string column, an integer column, and a binary target.

    The target depends on both columns, so a trained network separates the
    categories that matter.
    """
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "city": rng.choice(["Paris", "Lyon", "Nice", "Lille", "Brest"], n),
            "shop": rng.integers(0, 12, n),
        }
    )
    signal = X["city"].isin(["Paris", "Nice"]).to_numpy() ^ (X["shop"].to_numpy() % 3 == 0)
    y = np.where(rng.random(n) < 0.9, signal, ~signal).astype(int)
    return X, y


# Small and quick: a few epochs of full-batch-ish training.
FAST = dict(epochs=3, batch_size=64, random_state=0)


@pytest.fixture(scope="module")
def frame():
    return make_frame()


@pytest.fixture(scope="module")
def fitted(frame):
    from skembed import EmbeddingEncoder

    X, y = frame
    return EmbeddingEncoder(**FAST).fit(X, y)
