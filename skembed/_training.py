"""The only Keras code: the network, its input pipeline and the training loop.

Imported by ``EmbeddingEncoder.fit`` alone, so that ``import skembed`` and a
fitted encoder never load TensorFlow. Every random choice is seeded here, from
one integer, without touching global seeds.
"""

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


def train_embeddings(spec, codes, y, codes_val, y_val, seed):
    """Train the network; return each column's embedding table and the history.

    ``codes`` is an ``(n_samples, n_columns)`` int32 array of table rows. The
    validation pair may be None, in which case early stopping watches the
    training loss.
    """
    seeds = np.random.default_rng(seed)

    def next_seed():
        return int(seeds.integers(2**31 - 1))

    model = _build_model(spec, next_seed)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=spec.learning_rate),
        loss=spec.loss,
    )
    train = _batches(codes, y, spec.batch_size, shuffle_seed=next_seed())
    validation = None if codes_val is None else _batches(codes_val, y_val, spec.batch_size)
    callbacks = []
    if spec.n_iter_no_change is not None:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor="loss" if validation is None else "val_loss",
                patience=spec.n_iter_no_change,
                restore_best_weights=True,
            )
        )
    history = model.fit(
        train,
        validation_data=validation,
        epochs=spec.epochs,
        callbacks=callbacks,
        shuffle=False,  # the dataset shuffles itself, seeded
        verbose=spec.verbose,
    )
    tables = [
        keras.ops.convert_to_numpy(model.get_layer(f"embedding_{i}").embeddings)
        for i in range(len(spec.dims))
    ]
    return tables, {k: [float(v) for v in vs] for k, vs in history.history.items()}


def _build_model(spec, next_seed):
    inputs = keras.Input(shape=(len(spec.dims),), dtype="int32", name="codes")
    vectors = [
        keras.layers.Embedding(
            n_rows,
            dim,
            embeddings_initializer=keras.initializers.RandomUniform(-0.05, 0.05, seed=next_seed()),
            name=f"embedding_{i}",
        )(inputs[:, i])
        for i, (n_rows, dim) in enumerate(zip(spec.table_sizes, spec.dims))
    ]
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


def _batches(codes, y, batch_size, shuffle_seed=None):
    data = tf.data.Dataset.from_tensor_slices((codes, y))
    if shuffle_seed is not None:
        # An operation-level seed makes the order reproducible without setting
        # TensorFlow's global seed.
        data = data.shuffle(len(codes), seed=shuffle_seed, reshuffle_each_iteration=True)
    return data.batch(batch_size).prefetch(tf.data.AUTOTUNE)
