"""The only Keras code: the network, its input pipeline and the training loop.

Imported by ``EmbeddingEncoder.fit`` alone, so that ``import skembed`` and a
fitted encoder never load TensorFlow. Every random choice is seeded here, from
one integer, without touching global seeds.
"""

import collections
import logging
import threading
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf


@dataclass(frozen=True)
class NetworkSpec:
    """What the network looks like and how it is trained."""

    table_sizes: list  # rows of each column's embedding table
    dims: list  # width of each column's embedding
    hidden_units: tuple
    dropout: float
    n_outputs: int
    activation: str
    loss: str
    epochs: int
    batch_size: int
    learning_rate: float
    n_iter_no_change: int | None
    verbose: int


def train_embeddings(spec, rows, y, train, val, seed, starts=None):
    """Train the network; return each column's embedding table and the history.

    ``rows`` is an ``(n_samples, n_columns)`` int32 array of table rows and
    ``y`` the prepared target; ``train`` and ``val`` index their training and
    validation samples. Without ``val`` (None), early stopping watches the
    training loss. ``starts`` holds, per column, None or an object with
    ``table``, ``given`` and ``frozen``: the given rows start from ``table``
    and the frozen ones never change.
    """
    starts = starts or [None] * len(spec.dims)
    frozen = [np.zeros(n, dtype=bool) if s is None else s.frozen
              for n, s in zip(spec.table_sizes, starts)]  # fmt: skip
    steps_per_epoch, steps_per_execution = _epoch_steps(len(train), spec.batch_size)
    with _networks_lock:
        model = _network(spec, [not f.all() for f in frozen], steps_per_execution)
        next_seed = _reset(model, spec, seed, starts, frozen)
        data = tf.data.Dataset.from_tensors((rows, y)).repeat()
        train_batches = _shuffled_batches(data, train, steps_per_epoch, seed=next_seed())
        val_batches = None if val is None else _ordered_batches(data, val, spec.batch_size)
        callbacks = []
        if spec.n_iter_no_change is not None:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor="loss" if val_batches is None else "val_loss",
                    patience=spec.n_iter_no_change,
                    restore_best_weights=True,
                )
            )
        quiet = _NoRetracingWarning()
        tf.get_logger().addFilter(quiet)
        try:
            history = model.fit(
                train_batches,
                validation_data=val_batches,
                epochs=spec.epochs,
                steps_per_epoch=steps_per_epoch,
                callbacks=callbacks,
                shuffle=False,  # the dataset shuffles itself, seeded
                verbose=spec.verbose,
            )
        finally:
            tf.get_logger().removeFilter(quiet)
        tables = [
            keras.ops.convert_to_numpy(model.get_layer(f"embedding_{i}").embeddings)[:n_rows]
            for i, n_rows in enumerate(spec.table_sizes)
        ]
    return tables, {k: [float(v) for v in vs] for k, vs in history.history.items()}


#: Built and compiled networks kept for reuse, by structure. Keras traces a
#: network's training function at its first fit, which costs a small fit
#: about a second; refits of the same structure (cross-validation folds, a
#: grid search) reuse the traced function with fresh weights. At most
#: MAX_KEPT_NETWORKS are kept, the least recently used dropped first, and
#: only networks of at most MAX_KEPT_TABLE_ROWS table rows: a large table's
#: fit is dominated by its epochs, and its memory (the table and Adam's two
#: moment tables) is given back when its fit returns.
_networks = collections.OrderedDict()
_networks_lock = threading.Lock()
MAX_KEPT_NETWORKS = 4
MAX_KEPT_TABLE_ROWS = 2**18


def table_capacity(n_rows):
    """Rows a table is built with: ``n_rows`` rounded up to 8, 12, 16, 24, 32, 48, ...

    So that fits on similar data (folds, grid-search candidates) build the
    same structure; at most half the rows go unused.
    """
    capacity = 8
    while capacity < n_rows:
        capacity = capacity * 3 // 2 if capacity & (capacity - 1) == 0 else capacity * 4 // 3
    return capacity


def _network(spec, trainable, steps_per_execution):
    """The compiled network for ``spec``'s structure, built on first use."""
    key = (
        tuple(table_capacity(n) for n in spec.table_sizes), tuple(spec.dims),
        tuple(spec.hidden_units), spec.dropout, spec.n_outputs, spec.activation, spec.loss,
        tuple(trainable), steps_per_execution,
    )  # fmt: skip
    if key in _networks:
        _networks.move_to_end(key)
        return _networks[key]
    model = _build_model(spec, key[0], trainable)
    model.compile(
        optimizer=_RowwiseAdam(learning_rate=spec.learning_rate, name="rowwise_adam"),
        loss=spec.loss,
        steps_per_execution=steps_per_execution,
    )
    if sum(key[0]) <= MAX_KEPT_TABLE_ROWS:
        _networks[key] = model
    while len(_networks) > MAX_KEPT_NETWORKS:
        _networks.popitem(last=False)
    return model


def _reset(model, spec, seed, starts, frozen):
    """Give ``model`` the weights and state of a fresh fit seeded by ``seed``.

    Every weight is drawn here, from ``seed`` alone, so that a fit gives the
    same tables whether its network was just built or reused. Returns the
    seed stream, for the rest of the fit's random choices.
    """
    seeds = np.random.default_rng(seed)

    def next_seed():
        return int(seeds.integers(2**31 - 1))

    for i, (start, frozen_rows) in enumerate(zip(starts, frozen)):
        lookup = model.get_layer(f"embedding_{i}")
        shape = tuple(lookup.embeddings.shape)
        values = keras.ops.convert_to_numpy(
            keras.initializers.RandomUniform(-0.05, 0.05, seed=next_seed())(shape)
        )
        if start is not None and start.given.any():
            values[: len(start.given)][start.given] = start.table[start.given]
        lookup.embeddings.assign(values)
        mask = np.zeros(shape[0], dtype="float32")
        mask[: len(frozen_rows)] = frozen_rows
        lookup.frozen_rows.assign(mask)
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dropout) and layer.rate > 0:
            layer.seed_generator.state.assign(np.array([next_seed(), 0]))
        elif isinstance(layer, keras.layers.Dense):
            initializer = keras.initializers.GlorotUniform(seed=next_seed())
            layer.kernel.assign(initializer(tuple(layer.kernel.shape)))
            layer.bias.assign(np.zeros(layer.bias.shape, dtype="float32"))
    optimizer = model.optimizer
    optimizer.learning_rate = spec.learning_rate
    for variable in optimizer.variables:
        if variable is not optimizer._learning_rate:  # iterations and moments
            variable.assign(np.zeros(variable.shape, dtype=variable.dtype))
    return next_seed


class _NoRetracingWarning(logging.Filter):
    """Drops TensorFlow's warning that a function was traced again.

    Each fit builds a new model, whose training function Keras traces once:
    after five fits in one process (a grid search), TensorFlow warns about
    "excessive" retracing, which is expected here and nothing a user can act
    on. Installed during ``model.fit`` only.
    """

    def filter(self, record):
        return "triggered tf.function retracing" not in record.getMessage()


class _RowwiseAdam(keras.optimizers.Adam):
    """Adam that updates only the embedding rows a batch looked up.

    Keras' Adam densifies the sparse gradient of an embedding table and then
    rewrites the whole table and both of its moment estimates at every step,
    so a step costs time in proportion to the number of categories. Here a
    sparse gradient updates the moments and the weights of its rows alone (as
    "lazy" Adam does); the dense layers get Keras' ordinary update.
    """

    def update_step(self, gradient, variable, learning_rate):
        if not isinstance(gradient, tf.IndexedSlices):
            return super().update_step(gradient, variable, learning_rate)
        rows, position = tf.unique(gradient.indices)
        grad = tf.math.unsorted_segment_sum(gradient.values, position, tf.shape(rows)[0])
        grad = tf.cast(grad, variable.dtype)
        step = tf.cast(self.iterations + 1, variable.dtype)
        alpha = tf.cast(learning_rate, variable.dtype) * tf.sqrt(
            1 - tf.pow(tf.cast(self.beta_2, variable.dtype), step)
        ) / (1 - tf.pow(tf.cast(self.beta_1, variable.dtype), step))
        index = self._get_variable_index(variable)
        m, v = _tf_variable(self._momentums[index]), _tf_variable(self._velocities[index])
        # sparse_read/scatter on the tf.Variable: a dense read would pin the
        # whole table and make the next in-place write copy all of it.
        m_rows = m.sparse_read(rows) * self.beta_1 + grad * (1 - self.beta_1)
        v_rows = v.sparse_read(rows) * self.beta_2 + tf.square(grad) * (1 - self.beta_2)
        m.scatter_update(tf.IndexedSlices(m_rows, rows))
        v.scatter_update(tf.IndexedSlices(v_rows, rows))
        _tf_variable(variable).scatter_sub(
            tf.IndexedSlices(alpha * m_rows / (tf.sqrt(v_rows) + self.epsilon), rows)
        )


def _tf_variable(variable):
    return variable.value if isinstance(variable, keras.Variable) else variable


class _RowLookup(keras.layers.Embedding):
    """Keras' Embedding, reading only the looked-up rows of its table.

    ``keras.ops.take`` reads the whole table as a tensor each step, which
    costs time in proportion to the number of categories; tf.gather on the
    underlying variable reads just the batch's rows (and its gradient stays
    sparse). Rows whose ``frozen_rows`` weight is 1 pass no gradient: their
    updates, and so their Adam moments, stay exactly zero and the rows never
    move. The mask is a weight, set per fit, so that a reused network can
    freeze other rows.
    """

    def build(self, input_shape=None):
        super().build(input_shape)
        self.frozen_rows = self.add_weight(
            shape=(self.input_dim,), initializer="zeros", trainable=False, name="frozen_rows"
        )

    def call(self, inputs):
        vectors = tf.gather(self.embeddings.value, inputs)
        frozen = tf.gather(self.frozen_rows.value, inputs)[:, None]
        return tf.stop_gradient(vectors) * frozen + vectors * (1.0 - frozen)


def _build_model(spec, capacities, trainable):
    """The network's structure; its weights are set per fit by :func:`_reset`."""
    inputs = keras.Input(shape=(len(spec.dims),), dtype="int32", name="codes")
    vectors = []
    for i, (n_rows, dim) in enumerate(zip(capacities, spec.dims)):
        lookup = _RowLookup(n_rows, dim, name=f"embedding_{i}")
        # A wholly frozen table is left out of the optimizer altogether.
        lookup.trainable = trainable[i]
        vectors.append(lookup(inputs[:, i]))
    x = keras.layers.Concatenate()(vectors) if len(vectors) > 1 else vectors[0]
    if spec.dropout > 0:
        x = keras.layers.Dropout(spec.dropout, seed=0)(x)
    for units in spec.hidden_units:
        x = keras.layers.Dense(units, activation="relu")(x)
    outputs = keras.layers.Dense(spec.n_outputs, activation=spec.activation)(x)
    return keras.Model(inputs, outputs)


#: Training steps run per call into TensorFlow. Keras returns to Python after
#: every call (callbacks, progress); on flights, 16 steps a call make an epoch
#: about a fifth faster than 1, and more gain nothing.
MAX_STEPS_PER_EXECUTION = 16


def _epoch_steps(n_train, batch_size):
    """Steps per epoch and per execution, the first a multiple of the second.

    Keras runs whole executions, so an epoch whose steps are not a multiple
    of them would run over into the next. The epoch is therefore cut into a
    multiple of them, at most 1/16 more steps than ``batch_size`` alone would
    give; its batches hold at most ``batch_size`` samples. Where that would
    leave a batch empty (batches of one sample), every call runs one step.
    """
    steps = -(-n_train // batch_size)
    executions = -(-steps // MAX_STEPS_PER_EXECUTION)
    per_execution = -(-steps // executions)
    if executions * per_execution > n_train:
        return steps, 1
    return executions * per_execution, per_execution


def _shuffled_batches(data, train, steps_per_epoch, seed):
    """Every epoch, the training samples in a new order, in ``steps_per_epoch`` batches.

    The order is drawn per epoch by a stateless shuffle seeded by
    ``(seed, epoch)``: reproducible without TensorFlow's global seed, and about
    three times faster than tf.data's element-wise shuffle buffer. Batch sizes
    differ by one sample at most. The stream is endless; ``fit`` counts the
    steps of an epoch.
    """
    bounds = tf.constant(np.linspace(0, len(train), steps_per_epoch + 1).round(), tf.int64)
    train = tf.constant(train, dtype=tf.int64)

    def epoch_indices(epoch):
        order = tf.random.experimental.stateless_shuffle(
            train, seed=tf.stack([tf.constant(seed, tf.int64), epoch])
        )

        def batch_at(step):
            return order[bounds[step] : bounds[step + 1]]

        return tf.data.Dataset.range(steps_per_epoch).map(batch_at)

    indices = tf.data.Dataset.counter().flat_map(epoch_indices)
    return _gather(data, indices).prefetch(tf.data.AUTOTUNE)


def _ordered_batches(data, samples, batch_size):
    indices = tf.data.Dataset.from_tensor_slices(samples.astype(np.int64)).batch(batch_size)
    return _gather(data, indices)


def _gather(data, indices):
    # The arrays enter as one dataset element rather than as graph constants,
    # so large ones neither bloat nor overflow the graph.
    def gather(arrays, rows):
        return tf.gather(arrays[0], rows), tf.gather(arrays[1], rows)

    return tf.data.Dataset.zip(data, indices).map(gather)
