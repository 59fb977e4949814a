"""The only Keras code: the network, its input pipeline and the training loop.

Imported by ``EmbeddingEncoder.fit`` alone, so that ``import skembed`` and a
fitted encoder never load TensorFlow. Every random choice is seeded here, from
one integer, without touching global seeds.
"""

import logging
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
    seeds = np.random.default_rng(seed)

    def next_seed():
        return int(seeds.integers(2**31 - 1))

    starts = starts or [None] * len(spec.dims)
    model = _build_model(spec, next_seed, [None if s is None else s.frozen for s in starts])
    for i, start in enumerate(starts):
        if start is not None and start.given.any():
            table = model.get_layer(f"embedding_{i}").embeddings
            values = keras.ops.convert_to_numpy(table)
            values[start.given] = start.table[start.given]
            table.assign(values)
    steps_per_epoch, steps_per_execution = _epoch_steps(len(train), spec.batch_size)
    model.compile(
        optimizer=_RowwiseAdam(learning_rate=spec.learning_rate, name="rowwise_adam"),
        loss=spec.loss,
        steps_per_execution=steps_per_execution,
    )
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
        keras.ops.convert_to_numpy(model.get_layer(f"embedding_{i}").embeddings)
        for i in range(len(spec.dims))
    ]
    return tables, {k: [float(v) for v in vs] for k, vs in history.history.items()}


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
    sparse). Rows marked in ``frozen_rows`` pass no gradient: their updates,
    and so their Adam moments, stay exactly zero and the rows never move.
    """

    def __init__(self, *args, frozen_rows=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.frozen_rows = None if frozen_rows is None else tf.constant(frozen_rows)

    def call(self, inputs):
        vectors = tf.gather(self.embeddings.value, inputs)
        if self.frozen_rows is None:
            return vectors
        frozen = tf.gather(self.frozen_rows, inputs)[:, None]
        return tf.where(frozen, tf.stop_gradient(vectors), vectors)


def _build_model(spec, next_seed, frozen):
    inputs = keras.Input(shape=(len(spec.dims),), dtype="int32", name="codes")
    vectors = []
    for i, (n_rows, dim, frozen_rows) in enumerate(zip(spec.table_sizes, spec.dims, frozen)):
        lookup = _RowLookup(
            n_rows,
            dim,
            embeddings_initializer=keras.initializers.RandomUniform(-0.05, 0.05, seed=next_seed()),
            frozen_rows=None if frozen_rows is None or not frozen_rows.any() else frozen_rows,
            name=f"embedding_{i}",
        )
        # A wholly frozen table is left out of the optimizer altogether.
        lookup.trainable = frozen_rows is None or not frozen_rows.all()
        vectors.append(lookup(inputs[:, i]))
    x = keras.layers.Concatenate()(vectors) if len(vectors) > 1 else vectors[0]
    if spec.dropout > 0:
        x = keras.layers.Dropout(spec.dropout, seed=next_seed())(x)
    for units in spec.hidden_units:
        x = keras.layers.Dense(
            units,
            activation="relu",
            kernel_initializer=keras.initializers.GlorotUniform(seed=next_seed()),
        )(x)
    outputs = keras.layers.Dense(
        spec.n_outputs,
        activation=spec.activation,
        kernel_initializer=keras.initializers.GlorotUniform(seed=next_seed()),
    )(x)
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
