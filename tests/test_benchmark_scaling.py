"""The scaling benchmark's bookkeeping on tiny sizes. No timing assertions."""

import json

import numpy as np
import pandas as pd
import pytest

from benchmarks import scaling
from benchmarks._registry import ENCODERS, EncoderSpec
from skembed import EmbeddingEncoder

N_ROWS = 300
SIZES = [10, 100]
N_COLUMNS = 3
SEED = 0


class FitSpy:
    """Delegates to a real encoder and records the rows each fit sees."""

    def __init__(self, inner, fits):
        self.inner = inner
        self.fits = fits

    def fit_transform(self, X, y):
        self.fits.append((X.index.copy(), np.asarray(y).copy()))
        return self.inner.fit_transform(X, y)

    def transform(self, X):
        return self.inner.transform(X)

    def __getattr__(self, name):  # fitted attributes, e.g. history_
        return getattr(self.__dict__["inner"], name)


@pytest.fixture(scope="module")
def scaling_run():
    fits = {}
    quick = {
        "OneHotEncoder": ENCODERS["OneHotEncoder"].make,
        "EmbeddingEncoder": lambda seed, target_type: EmbeddingEncoder(
            epochs=1, batch_size=64, random_state=seed
        ),
        "TargetEncoder": ENCODERS["TargetEncoder"].make,
    }
    encoders = {
        name: EncoderSpec(
            lambda seed, target_type, make=make, name=name: FitSpy(
                make(seed, target_type), fits.setdefault(name, [])
            )
        )
        for name, make in quick.items()
    }
    results = scaling.run(SIZES, n_rows=N_ROWS, n_columns=N_COLUMNS, seed=SEED, encoders=encoders)
    return results, fits


def test_one_row_per_encoder_and_size(scaling_run):
    results, _ = scaling_run
    assert list(results.columns) == scaling.COLUMNS
    assert len(results) == len(SIZES) * 3
    pairs = set(results[["encoder", "n_categories"]].itertuples(index=False))
    assert pairs == {(e, s) for e in ["OneHotEncoder", "EmbeddingEncoder", "TargetEncoder"]
                     for s in SIZES}  # fmt: skip
    assert (results["status"] == "ok").all(), results["note"].tolist()
    assert np.isfinite(results["score"]).all()
    assert (results["metric"] == "rmse").all() and (results["model"] == "linear").all()
    assert (results["n_train"] + results["n_test"] == N_ROWS).all()
    assert (results["encoded_bytes"] > 0).all() and (results["width"] > 0).all()


def test_observed_categories_and_widths(scaling_run):
    results, _ = scaling_run
    assert (results["observed_categories"] <= results["n_categories"] * N_COLUMNS).all()
    # With 10 categories and 240 training rows every category is seen; the
    # one-hot width is then exactly the observed count.
    onehot = results[results["encoder"] == "OneHotEncoder"].set_index("n_categories")
    assert onehot.loc[10, "observed_categories"] == 10 * N_COLUMNS
    assert (onehot["width"] == onehot["observed_categories"]).all()
    assert results["unseen_test_share"].between(0, 1).all()
    target = results[results["encoder"] == "TargetEncoder"]
    assert (target["width"] == N_COLUMNS).all()
    embedding = results[results["encoder"] == "EmbeddingEncoder"]
    assert (embedding["epochs"] == 1).all()


def test_encoders_are_fitted_on_the_training_rows_only(scaling_run):
    _, fits = scaling_run
    for size_index, size in enumerate(SIZES):
        _, (X_train, X_test, y_train, _) = scaling._data(
            N_ROWS, size, N_COLUMNS, "regression", SEED
        )
        for name, calls in fits.items():
            assert len(calls) == len(SIZES)
            index, y = calls[size_index]
            pd.testing.assert_index_equal(index, X_train.index)
            np.testing.assert_array_equal(y, y_train)
            assert not index.isin(X_test.index).any()


def test_markdown_table_and_csv(scaling_run, tmp_path):
    results, _ = scaling_run
    table = scaling.markdown_table(results).splitlines()
    assert len(table) == 2 + len(results)
    assert all(line.count("|") == table[0].count("|") for line in table)
    csv, metadata = scaling.write_results(results, tmp_path, {"rows": 7}, plots=False)
    written = pd.read_csv(csv)
    assert list(written.columns) == scaling.COLUMNS
    assert len(written) == len(results)
    assert json.loads(metadata.read_text()) == {"rows": 7}


def test_main_binary_with_max_categories(tmp_path, capsys):
    results = scaling.main(
        ["--rows", "200", "--sizes", "10", "100", "1000", "--max-categories", "100",
         "--task", "binary", "--encoders", "OneHotEncoder", "--out-dir", str(tmp_path),
         "--no-plots"]
    )  # fmt: skip
    assert sorted(results["n_categories"]) == [10, 100]
    assert (results["metric"] == "roc_auc").all()
    assert results["score"].between(0, 1).all()
    assert (tmp_path / "scaling.csv").exists() and not (tmp_path / "scaling.png").exists()
    metadata = json.loads((tmp_path / "scaling.json").read_text())
    assert metadata["sizes"] == [10, 100] and metadata["wall_s"] > 0 and "machine" in metadata
    assert "| 100 |" in capsys.readouterr().out


def test_plot_is_written(scaling_run, tmp_path):
    pytest.importorskip("matplotlib")
    results, _ = scaling_run
    paths = scaling.write_results(results, tmp_path, plots=True)
    assert paths[-1].suffix == ".png" and paths[-1].stat().st_size > 0
