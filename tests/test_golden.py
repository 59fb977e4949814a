"""Golden outputs: the transforms of a dozen fits, stored, compared bit for bit.

The other tests compare two fresh fits with each other, which a change that
moves every fit the same way passes. These compare with what the code gave
when the files were written, so that a reorganization of the fit (the order of
its random draws included) is checked to change nothing.

Float results depend on the library versions and the CPU's instruction set
(a different BLAS kernel sums in another order), so the comparison is exact
where the fingerprint stored with the files matches this machine's; elsewhere
it allows float32 rounding that training may have grown (``atol=1e-5``), and
it is skipped where TensorFlow or Keras is another release, whose random
draws may differ altogether.

After a change meant to alter the fits, rewrite the files with
``python tests/test_golden.py --write`` and say why in the commit.
"""

import json
import platform
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

GOLDEN = Path(__file__).resolve().parent / "golden"
FAST = dict(
    epochs=3, batch_size=64, random_state=0, min_column_gain=None, min_frequency=5,
    hidden_units=(64,),
)


def _table(n=240, seed=0):
    """Three kinds of column and four targets that depend on them."""
    rng = np.random.default_rng(seed)
    cities = ["Paris", "Lyon", "Nice", "Lille", "Brest", "Metz"]
    city = rng.choice(cities, n, p=[0.3, 0.2, 0.2, 0.15, 0.1, 0.05])
    shop = rng.integers(0, 15, n)
    words = np.array(["red", "green", "blue", "small", "large", "cheap", "fine"])
    note = [" ".join(rng.choice(words, rng.integers(1, 4))) for _ in range(n)]
    X = pd.DataFrame({"city": city, "shop": shop, "note": note})
    X.loc[rng.random(n) < 0.05, "city"] = None
    red = X["note"].str.contains("red").to_numpy()
    effect = X["city"].isin(["Paris", "Nice"]).to_numpy() + (shop % 3 == 0) + red
    noise = rng.normal(0, 0.5, n)
    targets = {
        "binary": (effect + noise > 1).astype(int),
        "continuous": effect + noise,
        "multiclass": np.digitize(effect + noise, [0.7, 1.5]),
        "two_outputs": np.column_stack([effect + noise, shop + noise]),
    }
    return X, targets


def _unseen(X):
    """Rows to transform: the first 40, some with values fit never saw."""
    rows = X.iloc[:40].copy()
    rows.loc[rows.index[::7], "city"] = "Toulouse"
    rows.loc[rows.index[::9], "shop"] = 99
    if "note" in rows:
        rows.loc[rows.index[::5], "note"] = "blue velvet"
    return rows


def _fit_transform(name):
    """The named configuration's output, as float array."""
    from skembed import EmbeddingEncoder

    X, targets = _table()
    plain = X[["city", "shop"]]
    y = targets["binary"]

    def fitted(params, X_fit=plain, y_fit=y):
        return EmbeddingEncoder(**{**FAST, **params}).fit(X_fit, y_fit)

    if name in ("binary", "continuous", "multiclass", "two_outputs"):
        return fitted({}, y_fit=targets[name]).transform(_unseen(plain))
    if name == "widths_and_rare":
        params = dict(dims={"city": 3}, min_frequency=8, handle_unknown="infrequent_if_exist")
        return fitted(params).transform(_unseen(plain))
    if name == "explicit_categories":
        categories = [["Paris", "Lyon", "Nice", "Lille"], list(range(12))]
        return fitted(dict(categories=categories)).transform(_unseen(plain))
    if name == "tokens":
        params = dict(analyzer={"note": "word", "city": "char_wb"})
        return fitted(params, X_fit=X).transform(_unseen(X))
    if name == "one_hot":
        return fitted(dict(initial_embeddings="one_hot")).transform(_unseen(plain))
    if name in ("given", "given_frozen"):
        rng = np.random.default_rng(1)
        cities = ["Paris", "Lyon", "Nice", "Lille", "Brest"]
        given = {"city": pd.DataFrame(rng.normal(size=(5, 4)), index=cities)}
        params = dict(initial_embeddings=given, trainable=name == "given")
        return fitted(params).transform(_unseen(plain))
    if name == "warm_start":
        encoder = fitted({})
        encoder.set_params(warm_start=True, random_state=1).fit(plain.iloc[:120], y[:120])
        return encoder.transform(_unseen(plain))
    if name == "without_target":
        return EmbeddingEncoder(**FAST).fit(plain).transform(_unseen(plain))
    if name == "cross_fitted":
        return EmbeddingEncoder(**FAST, cv=3).fit_transform(plain, y)
    if name == "column_gate":
        params = dict(min_column_gain=0.02, epochs=20)
        return fitted(params, y_fit=targets["continuous"]).transform(_unseen(plain))
    if name == "early_stopping":
        params = dict(epochs=100, n_iter_no_change=2, validation_fraction=0.2)
        return fitted(params, y_fit=targets["continuous"]).transform(_unseen(plain))
    if name == "dask":
        import dask.dataframe as dd

        frame = plain.assign(y=targets["continuous"])
        ddf = dd.from_pandas(frame, npartitions=3)
        encoder = EmbeddingEncoder(**FAST).fit(ddf[["city", "shop"]], ddf["y"])
        return encoder.transform(_unseen(plain))
    raise KeyError(name)


NAMES = [
    "binary", "continuous", "multiclass", "two_outputs", "widths_and_rare",
    "explicit_categories", "tokens", "one_hot", "given", "given_frozen", "warm_start",
    "without_target", "cross_fitted", "column_gate", "early_stopping", "dask",
]  # fmt: skip


def _fingerprint():
    import keras
    import sklearn
    import tensorflow as tf

    flags = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        line = next((l for l in cpuinfo.read_text().splitlines() if l.startswith("flags")), "")
        flags = " ".join(sorted(f for f in line.split() if f.startswith(("avx", "fma", "sse"))))
    return {
        "tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__,
        "pandas": pd.__version__, "scikit-learn": sklearn.__version__,
        "machine": platform.machine(), "cpu_flags": flags,
    }  # fmt: skip


@pytest.fixture(scope="module")
def stored_fingerprint():
    written = json.loads((GOLDEN / "fingerprint.json").read_text())
    here = _fingerprint()
    for library in ("tensorflow", "keras"):
        if written[library] != here[library]:
            pytest.skip(f"golden outputs were written with {library} {written[library]}, "
                        f"this is {here[library]}: rewrite them to compare")  # fmt: skip
    return written == here


@pytest.mark.parametrize("name", NAMES)
def test_output_is_the_stored_one(name, stored_fingerprint):
    expected = np.load(GOLDEN / f"{name}.npy")
    got = _fit_transform(name)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    if stored_fingerprint:
        np.testing.assert_array_equal(got, expected)
    else:
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)


def test_every_stored_output_is_tested():
    assert sorted(p.stem for p in GOLDEN.glob("*.npy")) == sorted(NAMES)


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/test_golden.py --write")
    GOLDEN.mkdir(exist_ok=True)
    for stale in GOLDEN.glob("*.npy"):
        stale.unlink()
    for name in NAMES:
        np.save(GOLDEN / f"{name}.npy", _fit_transform(name))
        print("wrote", name)
    (GOLDEN / "fingerprint.json").write_text(json.dumps(_fingerprint(), indent=1) + "\n")
