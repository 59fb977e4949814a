"""The training world: row-wise Adam, epoch batching, and networks reused across fits."""

import numpy as np
import pandas as pd
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from conftest import make_frame  # noqa: E402

from skembed import _training  # noqa: E402
from skembed._spec import NetworkSpec  # noqa: E402
from skembed._training import _RowwiseAdam, epoch_batches  # noqa: E402

ROWS, WIDTH = 6, 3
def sparse(rows, values):
    return tf.IndexedSlices(
        tf.constant(np.asarray(values, dtype="float32")), tf.constant(rows, dtype=tf.int64)
    )


def test_a_sparse_step_moves_only_the_rows_looked_up():
    table = keras.Variable(np.ones((ROWS, WIDTH), dtype="float32"))
    optimizer = _RowwiseAdam(learning_rate=0.01)
    # Row 2 is looked up twice in the batch: its gradients add up.
    optimizer.apply([sparse([2, 4, 2], [[1, 0, -1], [0.5, 0.5, 0.5], [1, 0, -1]])], [table])
    moved = np.abs(table.numpy() - 1).sum(axis=1) > 0
    assert moved.tolist() == [False, False, True, False, True, False]
    # The sign of each step is against the gradient, column by column.
    assert np.sign(table.numpy()[2] - 1).tolist() == [-1, 0, 1]


def test_rows_looked_up_at_every_step_follow_dense_adam():
    rng = np.random.default_rng(0)
    start = rng.normal(size=(ROWS, WIDTH)).astype("float32")
    dense_table, rowwise_table = keras.Variable(start.copy()), keras.Variable(start.copy())
    dense = keras.optimizers.Adam(learning_rate=0.05)
    rowwise = _RowwiseAdam(learning_rate=0.05)
    for _ in range(5):
        gradient = rng.normal(size=(ROWS, WIDTH)).astype("float32")
        dense.apply([tf.constant(gradient)], [dense_table])
        # Every row once, in a shuffled order.
        order = rng.permutation(ROWS)
        rowwise.apply([sparse(order, gradient[order])], [rowwise_table])
    np.testing.assert_allclose(rowwise_table.numpy(), dense_table.numpy(), rtol=1e-5, atol=1e-6)
    assert np.abs(rowwise_table.numpy() - start).min() > 0


def test_a_row_not_looked_up_keeps_its_value_and_moments():
    """Lazy Adam: no momentum step for rows outside the batch."""
    table = keras.Variable(np.zeros((ROWS, WIDTH), dtype="float32"))
    optimizer = _RowwiseAdam(learning_rate=0.01)
    optimizer.apply([sparse([0, 1], np.ones((2, WIDTH)))], [table])
    after_first = table.numpy().copy()
    optimizer.apply([sparse([0], np.ones((1, WIDTH)))], [table])
    np.testing.assert_array_equal(table.numpy()[1], after_first[1])
    assert (table.numpy()[0] < after_first[0]).all()


def test_dense_layers_get_keras_adam_unchanged():
    start = np.arange(12, dtype="float32").reshape(4, 3)
    gradient = tf.constant(np.linspace(-1, 1, 12, dtype="float32").reshape(4, 3))
    ours, reference = keras.Variable(start.copy()), keras.Variable(start.copy())
    _RowwiseAdam(learning_rate=0.1).apply([gradient], [ours])
    keras.optimizers.Adam(learning_rate=0.1).apply([gradient], [reference])
    np.testing.assert_array_equal(ours.numpy(), reference.numpy())


@pytest.mark.parametrize("n_train, batch_size", [(1, 1024), (17, 1), (47, 10), (1025, 1024)])
def test_each_epoch_visits_every_training_sample_once_in_a_new_order(n_train, batch_size):
    train = np.arange(3, 3 + n_train)  # samples 0-2 are held out
    steps = -(-n_train // batch_size)  # as train_embeddings cuts an epoch
    orders = []
    for epoch in range(2):
        order, bounds = epoch_batches(tf.constant(train), tf.constant(7, tf.int64),
                                      tf.constant(epoch, tf.int64), tf.constant(steps, tf.int64))
        sizes = np.diff(bounds.numpy())
        assert bounds.numpy()[0] == 0 and bounds.numpy()[-1] == n_train and len(sizes) == steps
        assert sizes.min() >= 1 and sizes.max() <= batch_size and sizes.max() - sizes.min() <= 1
        assert sorted(order.numpy().tolist()) == train.tolist()
        orders.append(order.numpy().tolist())
    assert n_train < 3 or orders[0] != orders[1]


def test_repeated_fits_do_not_warn_about_retracing_and_leave_the_logger_as_found():
    import logging

    from conftest import FAST, make_frame

    from skembed import EmbeddingEncoder

    class Records(logging.Handler):
        def __init__(self):
            super().__init__()
            self.messages = []

        def emit(self, record):
            self.messages.append(record.getMessage())

    logger = tf.get_logger()
    filters_before = list(logger.filters)
    records = Records()
    logger.addHandler(records)
    try:
        X, y = make_frame(n=60)
        for seed in range(7):  # TensorFlow warns from the fifth new function on
            EmbeddingEncoder(**{**FAST, "epochs": 1, "random_state": seed}).fit(X, y)
    finally:
        logger.removeHandler(records)
    assert not [m for m in records.messages if "retracing" in m]
    assert logger.filters == filters_before


# ------------------------------------------------------------ reused networks


def test_a_reused_network_fits_as_a_new_one_would():
    from skembed import EmbeddingEncoder

    X, y = make_frame(n=300, seed=0)
    other_X, other_y = make_frame(n=300, seed=1)  # same size: same structure
    # One network per fit: hidden_units="auto" would build a second.
    params = dict(dropout=0.2, dims=2, epochs=3, batch_size=64, random_state=0,
                  hidden_units=(64,))
    _training._networks.clear()
    first = EmbeddingEncoder(**params).fit(X, y)
    network = next(iter(_training._networks.values()))
    EmbeddingEncoder(**{**params, "random_state": 5}).fit(other_X, other_y)
    again = EmbeddingEncoder(**params).fit(X, y)
    assert list(_training._networks.values()) == [network]  # one network, reused twice
    for a, b in zip(first.embeddings_, again.embeddings_):
        np.testing.assert_array_equal(a, b)
    assert first.history_ == again.history_


def test_kept_networks_are_bounded():
    from skembed import EmbeddingEncoder

    X, y = make_frame(n=100)
    _training._networks.clear()
    for dims in range(1, _training.MAX_KEPT_NETWORKS + 3):
        EmbeddingEncoder(dims=dims, epochs=1, random_state=0).fit(X, y)
    assert len(_training._networks) == _training.MAX_KEPT_NETWORKS


@pytest.mark.parametrize("n_rows", [1, 7, 8, 9, 13, 100, 1000, 12_345, 10**6 + 1])
def test_table_capacity_rounds_up_by_at_most_half(n_rows):
    capacity = _training.table_capacity(n_rows)
    assert capacity >= n_rows and (capacity == 8 or capacity <= 1.5 * n_rows)
    assert _training.table_capacity(capacity) == capacity  # a capacity is a fixed point


def test_networks_with_large_tables_are_not_kept(monkeypatch):
    from skembed import EmbeddingEncoder

    X, y = make_frame(n=100)
    _training._networks.clear()
    monkeypatch.setattr(_training, "MAX_KEPT_TABLE_ROWS", 16)  # the tables need 8 + 16 rows
    EmbeddingEncoder(epochs=1, random_state=0).fit(X, y)
    assert not _training._networks


def test_fits_in_threads_give_what_they_give_one_after_another():
    # Threads share the kept networks: a lock makes them take turns.
    from concurrent.futures import ThreadPoolExecutor

    from skembed import EmbeddingEncoder

    X, y = make_frame(n=300)

    def fit(seed):
        return EmbeddingEncoder(epochs=2, batch_size=64, random_state=seed).fit(X, y).embeddings_

    serial = [fit(seed) for seed in range(4)]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(fit, range(4)))
    for a, b in zip(serial, threaded):
        for table_a, table_b in zip(a, b):
            np.testing.assert_array_equal(table_a, table_b)


def test_a_fit_without_y_scores_each_row_against_its_group_alone():
    """Rows of a batch beyond a whole group (padded) leave the first group's losses as
    they are, and a row's loss does not depend on the rows of other groups."""
    from skembed._targets import no_target

    rng = np.random.default_rng(0)
    group = _training.NEGATIVE_GROUP
    rows = rng.integers(0, 20, size=(group + 44, 3)).astype(np.int32)
    spec = NetworkSpec(
        table_sizes=[21, 21, 21], dims=[4, 4, 4], hidden_units=(8,), dropout=0.0,
        n_outputs=0, activation="linear", loss=no_target(1).loss, epochs=1, batch_size=512,
        learning_rate=1e-3, n_iter_no_change=None, verbose=0,
    )  # fmt: skip
    network = _training._network(spec, [True] * 3)
    _training._reset(network, spec, 0, [None] * 3, [np.zeros(21, bool)] * 3)

    def losses(batch):
        return network.losses(tf.constant(batch), (), None, training=False).numpy()

    whole = losses(rows)
    assert whole.shape == (len(rows),) and (whole > 0).all()
    np.testing.assert_allclose(whole[:group], losses(rows[:group]), rtol=1e-6)
    np.testing.assert_allclose(whole[group:], losses(rows[group:]), rtol=1e-6)
    # A row whose values no other row of its group shares in any column can only be
    # confused with others; one whose every value is shared has no negative: loss 0.
    alone = np.array([[0, 0, 0], [1, 1, 1]], dtype=np.int32)
    np.testing.assert_allclose(losses(np.repeat(alone[:1], 3, axis=0)), 0.0, atol=1e-6)
    assert (losses(alone) > 0).all()


def test_plain_columns_fitted_on_y_start_narrow_and_token_columns_wide():
    """A learning rate of ~0 leaves each table where it started."""
    from skembed import EmbeddingEncoder
    from skembed._spec import RANDOM_START, SUPERVISED_RANDOM_START

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"id": rng.integers(0, 40, 400).astype(str),
                      "words": rng.choice(["red fox", "blue cat", "red cat"], 400)})  # fmt: skip
    y = rng.integers(0, 2, 400)
    encoder = EmbeddingEncoder(
        analyzer={"words": "word"}, learning_rate=1e-9, epochs=1, n_iter_no_change=None,
        min_frequency=1, min_column_gain=None, random_state=0,
    ).fit(X, y)  # fmt: skip
    plain, tokens = (np.abs(table).max() for table in encoder.embeddings_)
    assert SUPERVISED_RANDOM_START / 2 < plain <= SUPERVISED_RANDOM_START * 1.01
    assert RANDOM_START / 2 < tokens <= RANDOM_START * 1.01


def test_verbose_is_keras_convention_and_never_changes_the_fit(capsys):
    from skembed import EmbeddingEncoder

    X, y = make_frame(n=2000, seed=0)
    # 1,800 training rows in batches of 64: 29 steps an epoch, the bar updated
    # every 2 (Keras shows an update 0.05 s after the last one shown).
    params = dict(dims=2, epochs=2, batch_size=64, random_state=0, hidden_units=(64,))
    fits, printed = {}, {}
    for verbose in (0, 1, 2):
        fits[verbose] = EmbeddingEncoder(**params, verbose=verbose).fit(X, y)
        printed[verbose] = capsys.readouterr().out
    assert printed[0] == ""
    lines = printed[2].splitlines()
    assert len(lines) == 2 and lines[0].startswith("Epoch 1/2: loss ") and "val_loss" in lines[0]
    bar = printed[1]
    assert "Epoch 1/2" in bar and "Epoch 2/2" in bar
    assert "29/29" in bar and "rows/s" in bar and "val_loss" in bar
    assert " 2/29" in bar  # its first update, within the epoch
    for verbose in (1, 2):
        for a, b in zip(fits[0].embeddings_, fits[verbose].embeddings_):
            np.testing.assert_array_equal(a, b)
        assert fits[verbose].history_ == fits[0].history_
