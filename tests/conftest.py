import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, settings

# Property tests: few cases by default, the same on every run (derandomized),
# so that `make test` stays fast and a run's outcome does not depend on luck;
# many fresh ones with `pytest --hypothesis-profile=long`. Fits are slow next
# to hypothesis' expectations, hence no deadline.
settings.register_profile(
    "ci", max_examples=30, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "long", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci")


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


# Small and quick: a few epochs of full-batch-ish training. Three epochs teach
# too little for the column gate (min_column_gain) to keep a column, so it is
# off here; tests/test_column_gate.py and the tests that name it test it. One
# network per fit (hidden_units="auto" trains two): tests/test_hidden_units_auto.py
# tests the choice.
FAST = dict(epochs=3, batch_size=64, random_state=0, min_column_gain=None, hidden_units=(64,))


@pytest.fixture(scope="module")
def frame():
    return make_frame()


@pytest.fixture(scope="module")
def fitted(frame):
    from skembed import EmbeddingEncoder

    X, y = frame
    return EmbeddingEncoder(**FAST).fit(X, y)


def run_without_tensorflow(code):
    """Run ``code`` in a fresh interpreter where importing tensorflow or keras fails.

    Returns the completed process; the code should print "ok" when it passes.
    """
    blocker = textwrap.dedent(
        """
        import sys

        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("tensorflow", "keras"):
                    raise ImportError("blocked: " + name)

        sys.meta_path.insert(0, Block())
        """
    )
    return subprocess.run(
        [sys.executable, "-c", blocker + textwrap.dedent(code)], capture_output=True, text=True
    )
