"""The pretraining benchmark's bookkeeping, on tiny frames shaped like its data."""

import numpy as np
import pandas as pd
import pytest

from benchmarks import pretrain
from benchmarks.datasets import flights_tasks
from test_benchmarks import fake_flights

LABELS = [60, None]


@pytest.fixture(scope="module")
def pretrain_run():
    fits = []

    class Recorded(pretrain.EmbeddingEncoder):
        def fit(self, X, y=None):
            fits.append((len(X), y is None, self.warm_start and hasattr(self, "embeddings_")))
            return super().fit(X, y)

    loaders = {"flights": lambda max_rows: flights_tasks(fake_flights(n=300))}
    original, pretrain.EmbeddingEncoder = pretrain.EmbeddingEncoder, Recorded
    try:
        results = pretrain.run(loaders, [0], LABELS, model_max_rows=50,
                               params={"epochs": 2, "batch_size": 64})  # fmt: skip
    finally:
        pretrain.EmbeddingEncoder = original
    return results, fits


def test_one_row_per_task_labels_encoding_and_model(pretrain_run):
    results, _ = pretrain_run
    assert len(results) == 2 * len(LABELS) * 3 * 3  # 2 tasks, 3 encodings, 3 models
    assert set(results["encoding"]) == set(pretrain.ENCODINGS)
    assert results["score"].notna().all()
    assert sorted(set(results["n_labels"])) == [60, results["n_train"].iloc[0]]


def test_one_pretraining_per_data_set_then_a_fit_and_a_fine_tune_per_labels(pretrain_run):
    results, fits = pretrain_run
    without_y = [n for n, no_y, _ in fits if no_y]
    assert without_y == [results["n_train"].iloc[0]]  # one, for both flights tasks
    with_y = [(n, warm) for n, no_y, warm in fits if not no_y]
    # Per task and labels: the supervised fit, then the warm-started fine-tune.
    assert with_y[:2] == [(60, False), (60, True)]
    assert len(with_y) == 2 * 2 * len(LABELS)
    assert (results.query("encoding == 'pretrained'")["encoder_fit_s"] == 0).all()


def test_the_table_covers_every_point(pretrain_run):
    results, _ = pretrain_run
    table = pretrain.curve_table(results)
    assert table.count("\n") == 1 + 2 * 3 * len(LABELS)  # header rule, then a line each
    assert len(pretrain.fine_tune_wins(results)) == 2 * 3 * len(LABELS)


def test_fine_tuning_wins_with_a_higher_auc_or_a_lower_rmse():
    rows = []
    for metric, fine_tuned in [("roc_auc", 0.7), ("roc_auc", 0.5), ("rmse", 9.0), ("rmse", 11.0)]:
        for encoding, score in [("supervised", 0.6 if metric == "roc_auc" else 10.0),
                                ("pretrained", 0.0), ("fine-tuned", fine_tuned)]:  # fmt: skip
            rows.append({"dataset": "d", "task": f"{metric}{fine_tuned}", "metric": metric,
                         "model": "knn", "n_labels": 10, "encoding": encoding,
                         "score": score})  # fmt: skip
    verdicts = pretrain.fine_tune_wins(pd.DataFrame(rows))
    assert verdicts["wins"].tolist() == [True, False, True, False]


def test_the_default_benchmark_s_encoder_without_y_never_sees_y():
    from benchmarks._registry import OPTIONAL_ENCODERS
    from conftest import make_frame

    X, y = make_frame()
    encoder = OPTIONAL_ENCODERS["EmbeddingEncoder without y"].make(0, "binary")
    encoded = encoder.fit_transform(X, y)
    alone = pretrain.EmbeddingEncoder(random_state=0).fit(X)
    assert encoder.encoder_.target_type_ is None and encoder.history_ == alone.history_
    np.testing.assert_array_equal(encoded, alone.transform(X))
