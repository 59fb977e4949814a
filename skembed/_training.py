"""The only Keras code: the network and the training loop.

Imported by ``EmbeddingEncoder.fit`` alone, so that ``import skembed`` and a
fitted encoder never load TensorFlow. Every random choice is seeded here, from
one integer, without touching global seeds.

A fit's fixed cost is kept small by building, and tracing, each network
structure once per process: a :class:`_Network` holds a Keras model and two
``tf.function`` s (an epoch of training, a validation loss) whose inputs have
no fixed length, so that a later fit of the same structure (a fold, a grid
search candidate, a refit) only draws fresh weights and runs.
"""

import collections
import threading
import time
import types

import keras
import numpy as np
import tensorflow as tf



def train_embeddings(spec, rows, y, train, val, seed, starts=None, pooled=None, weights=None):
    """Train the network on arrays in memory; return each column's table, the
    history and each column's gain (see :func:`_column_gains`).

    ``rows`` is an ``(n_samples, n_columns)`` int32 array of table rows and
    ``y`` the prepared target; ``train`` and ``val`` index their training and
    validation samples. For a token column (``spec.pooled``), ``rows`` holds
    cells and ``pooled`` gives, at its position, ``(indptr, table_rows)``:
    cell ``c``'s vector is the mean of the rows ``table_rows[indptr[c] :
    indptr[c + 1]]``. Without ``val`` (None), early stopping watches the
    training loss. ``starts`` holds, per column, None or an object with
    ``table``, ``given`` and ``frozen``: the given rows start from ``table``
    and the frozen ones never change. ``weights`` (one per sample, or None)
    weigh each sample's loss, in training (scaled to a mean of 1 over the
    training samples, so that a step moves as far) and in the validation
    loss (a weighted mean).

    Early stopping is Keras' ``EarlyStopping(patience=n_iter_no_change,
    restore_best_weights=True)``: training stops once the monitored loss has
    not improved for that many epochs, and ends with the weights of the best
    epoch. With ``spec.min_improvement``, an epoch counts as an improvement
    only if it lowers the best loss by that share of it (unlike Keras'
    ``min_delta``, any lower loss still becomes the best, so steady small
    gains stop the fit).
    """
    data = _InMemory(spec, rows, y, train, val, pooled, weights)
    return _fit_network(spec, data, seed, starts)


def train_on_chunks(spec, chunks, n_chunks, validation, seed, starts=None):
    """Train the network on rows that arrive in chunks, as :func:`train_embeddings`.

    ``chunks(epoch)`` yields the epoch's ``(rows, y)`` training chunks (table
    rows and prepared target), ``n_chunks`` of them; ``validation`` is None or
    the ``(rows, y)`` of the validation samples, held in memory. Only one
    chunk is in memory at a time. No token columns.
    """
    return _fit_network(spec, _Chunked(spec, chunks, n_chunks, validation), seed, starts)


class _InMemory:
    """Training samples indexed in arrays held whole: an epoch is one call."""

    def __init__(self, spec, rows, y, train, val, pooled, weights=None):
        if not spec.class_indices:
            y = _target_columns(y)
        self.rows, self.y = tf.constant(rows), tf.constant(y)
        if weights is None:
            weights = np.ones(len(rows), dtype=np.float32)
        else:
            weights = (weights / weights[train].mean()).astype(np.float32)
        self.weights = tf.constant(weights)
        self.bags = tuple(
            (tf.constant(indptr, tf.int64), tf.constant(table_rows, tf.int32))
            for indptr, table_rows in (p for p in (pooled or []) if p is not None)
        )
        self.train = tf.constant(train, tf.int64)
        self.val = None if val is None else tf.constant(val, tf.int64)
        self.has_validation = val is not None
        self.steps = -(-len(train) // spec.batch_size)
        self.batch_size = spec.batch_size
        self.unknown_rows = [n - 1 for n in spec.table_sizes]

    def epoch(self, network, shuffle_seed, epoch, progress=None):
        """Train one epoch; return its mean loss and its number of steps.

        The epoch is one call; with ``progress`` (see :class:`_ProgressBar`), a
        call per :data:`PROGRESS_UPDATES`-th of its steps, each carrying the
        loss summed so far, so that the result is the same.
        """
        n = len(self.train)
        stride = self.steps if progress is None else -(-self.steps // PROGRESS_UPDATES)
        total = tf.constant(0.0, tf.float32)
        for first in range(0, self.steps, stride):
            last = min(self.steps, first + stride)
            total = network.train_epoch(self.rows, self.bags, self.y, self.weights, self.train,
                                        shuffle_seed, epoch, self.steps, first, last, total)  # fmt: skip
            if progress is not None:
                done = n * last // self.steps  # the rows of the batches so far
                progress(last, done, float(total) / done)
        return float(total / tf.cast(n, tf.float32)), self.steps

    def validation_loss(self, network, knocked_out=None):
        """The mean validation loss; with ``knocked_out`` (a plain column), as if
        that column's values were all unknown."""
        if knocked_out is None:
            return float(network.loss(self.rows, self.bags, self.y, self.weights, self.val,
                                      self.batch_size))  # fmt: skip
        rows = self.rows.numpy()[self.val.numpy()]
        rows[:, knocked_out] = self.unknown_rows[knocked_out]
        samples = tf.range(len(rows), dtype=tf.int64)
        y, weights = tf.gather(self.y, self.val), tf.gather(self.weights, self.val)
        return float(network.loss(tf.constant(rows), self.bags, y, weights, samples,
                                  self.batch_size))  # fmt: skip


class _Chunked:
    """Training samples that arrive in chunks: an epoch is one call per chunk."""

    def __init__(self, spec, chunks, n_chunks, validation):
        self.spec, self.chunks, self.n_chunks = spec, chunks, n_chunks
        # Tensors only: the caller's arrays can go.
        self.validation = None if validation is None else self._tensors(*validation)
        self.has_validation = validation is not None

    def _tensors(self, rows, y):
        if not self.spec.class_indices:
            y = _target_columns(y)
        return (tf.constant(rows, tf.int32), tf.constant(y), tf.ones(len(rows), tf.float32),
                tf.range(len(rows), dtype=tf.int64))

    def epoch(self, network, shuffle_seed, epoch, progress=None):
        total, samples, steps = 0.0, 0, 0
        for k, (rows, y) in enumerate(self.chunks(epoch)):
            if len(rows) == 0:
                continue
            rows, y, weights, train = self._tensors(rows, y)
            chunk_steps = -(-len(rows) // self.spec.batch_size)
            # Each chunk of each epoch is shuffled by its own seed.
            call = epoch * self.n_chunks + k
            loss = network.train_epoch(rows, (), y, weights, train, shuffle_seed, call,
                                       chunk_steps, 0, chunk_steps,
                                       tf.constant(0.0, tf.float32))  # fmt: skip
            # The chunk's mean in float32, as the epoch's single call gives it.
            total += float(loss / tf.cast(len(rows), tf.float32)) * len(rows)
            samples, steps = samples + len(rows), steps + chunk_steps
            if progress is not None:
                progress(steps, samples, total / samples)
        if samples == 0:
            raise ValueError("no training rows: every row was held out for validation")
        return total / samples, steps

    def validation_loss(self, network, knocked_out=None):
        rows, y, weights, samples = self.validation
        if knocked_out is not None:
            rows = rows.numpy()
            rows[:, knocked_out] = self.spec.table_sizes[knocked_out] - 1
            rows = tf.constant(rows)
        return float(network.loss(rows, (), y, weights, samples, self.spec.batch_size))


def _target_columns(y):
    """A float target as a 2-D array, one column per output (none without a target)."""
    y = np.asarray(y, dtype=np.float32)
    return y.reshape(-1, 1) if y.ndim == 1 else y


def _fit_network(spec, data, seed, starts):
    starts = starts or [None] * len(spec.dims)
    frozen = [np.zeros(n, dtype=bool) if s is None else s.frozen
              for n, s in zip(spec.table_sizes, starts)]  # fmt: skip
    with _networks_lock:
        network = _network(spec, [not f.all() for f in frozen])
        next_seed = _reset(network, spec, seed, starts, frozen)
        shuffle_seed = tf.constant(next_seed(), tf.int64)
        monitor = "val_loss" if data.has_validation else "loss"
        history = {"loss": [], "val_loss": []} if data.has_validation else {"loss": []}
        best, best_weights, wait, steps_done = np.inf, None, 0, 0
        for epoch in range(spec.epochs):
            bar = _ProgressBar(epoch, spec.epochs, getattr(data, "steps", None)) if (
                spec.verbose == 1
            ) else None  # fmt: skip
            loss, steps = data.epoch(network, shuffle_seed, epoch, bar and bar.update)
            steps_done += steps
            history["loss"].append(loss)
            if data.has_validation:
                history["val_loss"].append(data.validation_loss(network))
            if bar is not None:
                bar.finish(steps, history)
            elif spec.verbose:
                print(f"Epoch {epoch + 1}/{spec.epochs}: " + ", ".join(
                    f"{name} {values[-1]:.4f}" for name, values in history.items()
                ))  # fmt: skip
            if spec.n_iter_no_change is None:
                continue
            monitored = history[monitor][-1]
            wait += 1
            if best_weights is None or monitored < best * (1 - spec.min_improvement):
                wait = 0
            if best_weights is None or monitored < best:
                best = min(best, monitored)  # a NaN first epoch leaves it at infinity
                if best_weights is None:
                    best_weights = [v.numpy() for v in network.variables]
                else:  # in place: one table's copy at a time, not two of every one
                    for kept, variable in zip(best_weights, network.variables):
                        kept[...] = variable.numpy()
            if wait >= spec.n_iter_no_change and steps_done >= WARM_UP_STEPS:
                break
        if best_weights is not None:
            for variable, value in zip(network.variables, best_weights):
                variable.assign(value)
        gains = _column_gains(spec, data, network)
        tables = [  # writable copies, cut to the real table sizes
            np.array(keras.ops.convert_to_numpy(lookup.embeddings)[:n])
            for lookup, n in zip(network.lookups, spec.table_sizes)
        ]
    for table, gain in zip(tables, gains):
        if gain < (spec.min_column_gain or 0.0):  # never where unmeasured (NaN)
            table[:] = table[-1]
    return tables, history, gains


#: Times a progress bar (``verbose=1``) is updated in an epoch, at most.
PROGRESS_UPDATES = 20


class _ProgressBar:
    """Keras' ``Progbar`` over one epoch's steps (``verbose=1``), as ``Model.fit``
    shows it, with the running training loss and rows per second; the epoch's
    losses at its end."""

    def __init__(self, epoch, epochs, steps):
        print(f"Epoch {epoch + 1}/{epochs}")
        self.bar = keras.utils.Progbar(steps, stateful_metrics=["loss", "val_loss", "rows/s"])
        self.start = time.perf_counter()

    def update(self, steps, rows, loss):
        seconds = max(time.perf_counter() - self.start, 1e-9)
        self.bar.update(steps, values=[("loss", loss), ("rows/s", rows / seconds)])

    def finish(self, steps, history):
        self.bar.update(steps, [(name, values[-1]) for name, values in history.items()],
                        finalize=True)  # fmt: skip


def _column_gains(spec, data, network):
    """Per column, the relative rise of the validation loss when its values are
    all read as unknown; NaN where not measured.

    A column whose vectors lower the loss by less than ``spec.min_column_gain``
    is one whose rows are mostly noise to a model downstream (a trees' split
    or a neighbour's distance reads them as signal), so it gets one constant
    vector, its unknown one.
    """
    gains = np.full(len(spec.dims), np.nan)
    if spec.min_column_gain is None or not data.has_validation or not any(spec.gated):
        return gains
    base = data.validation_loss(network)
    if not np.isfinite(base) or base <= 0:
        return gains
    for i in np.flatnonzero(spec.gated):
        gains[i] = data.validation_loss(network, knocked_out=i) / base - 1
    return gains


#: Early stopping never ends a fit before this many gradient steps: on small
#: data an epoch is a few steps, and the loss can sit on a plateau for more
#: than ``n_iter_no_change`` of them before the embeddings start to learn.
WARM_UP_STEPS = 100


def epoch_batches(train, seed, epoch, steps):
    """The training samples of one epoch in a new order, and its batches' bounds.

    The order is a stateless shuffle seeded by ``(seed, epoch)``: reproducible
    without TensorFlow's global seed. Batch ``k`` is ``order[bounds[k] :
    bounds[k + 1]]``; the ``steps`` batches differ in size by one at most.
    """
    order = tf.random.experimental.stateless_shuffle(train, seed=tf.stack([seed, epoch]))
    n = tf.size(order, out_type=tf.int64)
    return order, n * tf.range(steps + 1, dtype=tf.int64) // steps


class _Network:
    """A built network, its optimizer and its two traced functions.

    The network: one embedding table per column, each looked up (and, for a
    token column, averaged over the cell's tokens), the vectors concatenated,
    optional dropout, ReLU layers and the output layer: the target's, or,
    in a fit without one, a vector per column, scored against the batch's
    own vectors of that column (:meth:`_cooccurrence_losses`). Its layers are built
    here and called by hand, not wrapped in a Keras model, because a token
    column's cells come with per-fit inputs of their own.
    """

    def __init__(self, spec, capacities, trainable):
        self.pooled = spec.pooled_columns
        self.lookups = []
        for i, (n_rows, dim) in enumerate(zip(capacities, spec.dims)):
            lookup = _RowLookup(n_rows, dim, name=f"embedding_{i}")
            lookup.build()
            self.lookups.append(lookup)
        self.dropout = keras.layers.Dropout(spec.dropout, seed=0) if spec.dropout > 0 else None
        self.dense, width = [], sum(spec.dims)
        for units in spec.hidden_units:
            self.dense.append(keras.layers.Dense(units, activation="relu"))
            self.dense[-1].build((None, width))
            width = units
        # Without a target the output is, for each column, a vector in its table's space.
        self.cooccurrence = not spec.supervised
        output_width = sum(spec.dims) if self.cooccurrence else spec.n_outputs
        self.dense.append(keras.layers.Dense(output_width, activation=spec.activation))
        self.dense[-1].build((None, width))
        bounds = np.cumsum([0, *spec.dims])
        self.column_slices = [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]
        # A wholly frozen table is left out of the optimizer altogether.
        self.variables = [
            lookup.embeddings for lookup, free in zip(self.lookups, trainable) if free
        ] + [weight for layer in self.dense for weight in (layer.kernel, layer.bias)]
        self.optimizer = _RowwiseAdam(learning_rate=spec.learning_rate, name="rowwise_adam")
        # Built now, eagerly: a tf.function may not create variables after its first call.
        self.optimizer.build(self.variables)
        # A read-only view: a dict would make Keras count the masks among the
        # optimizer's own variables, which each fit resets.
        self.optimizer.frozen_rows = types.MappingProxyType({
            self.optimizer._get_variable_index(lookup.embeddings): lookup.frozen_rows
            for lookup, free in zip(self.lookups, trainable) if free
        })  # fmt: skip
        self.per_sample = None if self.cooccurrence else keras.losses.get(spec.loss)
        if spec.class_indices:
            target = tf.TensorSpec([None], tf.int32)
        else:
            target = tf.TensorSpec([None, spec.n_outputs], tf.float32)
        codes = tf.TensorSpec([None, len(capacities)], tf.int32)
        bags = tuple(
            (tf.TensorSpec([None], tf.int64), tf.TensorSpec([None], tf.int32))
            for pooled in self.pooled if pooled
        )  # fmt: skip
        samples = tf.TensorSpec([None], tf.int64)
        weights = tf.TensorSpec([None], tf.float32)
        scalar = tf.TensorSpec([], tf.int64)

        @tf.function(input_signature=[
            codes, bags, target, weights, samples, scalar, scalar, scalar, scalar, scalar,
            tf.TensorSpec([], tf.float32),
        ])  # fmt: skip
        def train_epoch(rows, bags, y, w, train, seed, epoch, steps, first, last, total):
            """Steps ``first`` to ``last`` of an epoch of ``steps``; returns ``total``
            plus their samples' summed loss."""
            order, bounds = epoch_batches(train, seed, epoch, steps)
            for step in tf.range(first, last):
                batch = order[bounds[step] : bounds[step + 1]]
                with tf.GradientTape() as tape:
                    loss = tf.reduce_mean(
                        self.losses(tf.gather(rows, batch), bags, tf.gather(y, batch), True)
                        * tf.gather(w, batch)
                    )
                self.optimizer.apply(tape.gradient(loss, self.variables), self.variables)
                total += loss * tf.cast(tf.size(batch), tf.float32)
            return total

        @tf.function(input_signature=[codes, bags, target, weights, samples, scalar])
        def mean_loss(rows, bags, y, w, samples, batch_size):
            """The mean loss over ``samples`` weighted by ``w``, in batches of ``batch_size``."""
            n = tf.size(samples, out_type=tf.int64)
            total = tf.constant(0.0, tf.float32)
            for start in tf.range(0, n, batch_size):
                batch = samples[start : start + batch_size]
                total += tf.reduce_sum(
                    self.losses(tf.gather(rows, batch), bags, tf.gather(y, batch), False)
                    * tf.gather(w, batch)
                )
            # Unweighted, the sum of ones: n itself (below 2**24 samples).
            return total / tf.reduce_sum(tf.gather(w, samples))

        self.train_epoch, self.loss = train_epoch, mean_loss

    def losses(self, rows, bags, y, training):
        """Each sample's loss, for a batch of ``rows`` (table rows, or cells) and ``y``."""
        vectors = self._vectors(rows, bags)
        x = tf.concat(vectors, axis=1) if len(vectors) > 1 else vectors[0]
        if self.dropout is not None:
            x = self.dropout(x, training=training)
        if self.cooccurrence:
            return self._cooccurrence_losses(rows, vectors, x)
        for layer in self.dense:
            x = layer(x)
        return self.per_sample(y, x)

    def _vectors(self, rows, bags):
        """Each column's vectors for the batch: its rows', or its cells' token means."""
        vectors, bags = [], iter(bags)
        for i, (lookup, pooled) in enumerate(zip(self.lookups, self.pooled)):
            if pooled:
                vectors.append(_mean_of_rows(lookup, rows[:, i], *next(bags)))
            else:
                vectors.append(lookup(rows[:, i]))
        return vectors

    def _cooccurrence_losses(self, rows, vectors, x):
        """The loss of a fit without a target: each column's value told from the others'.

        For column ``j`` the network reads the row with ``j``'s vector blanked
        (the first layer's input less ``j``'s share of it) and outputs a
        vector in ``j``'s space. Its dot products with the ``j`` vectors of
        the other rows of its group (the batch cut into groups of
        :data:`NEGATIVE_GROUP` rows, the last one smaller) score which of
        them belongs to this row, through a softmax.
        The other rows are the negatives: they come as often as their values
        do, and a step costs the same whatever the number of categories.
        Rows with the same value are not negatives of each other. A sample's
        loss is the mean over columns.
        """
        hidden, output = self.dense[:-1], self.dense[-1]
        first = hidden[0] if hidden else output
        whole = tf.matmul(x, first.kernel)
        n = tf.shape(rows)[0]
        group = tf.minimum(n, NEGATIVE_GROUP)
        padding = -n % group
        # Padded to whole groups; padding rows have code -1, no real row's. (A
        # last group of one real row, as in a batch of 257, teaches nothing.)
        codes = tf.reshape(tf.pad(rows, [[0, padding], [0, 0]], constant_values=-1),
                           [-1, group, rows.shape[1]])  # fmt: skip
        real = codes[:, :, 0] >= 0
        itself = tf.eye(group, dtype=tf.bool)

        def grouped(t):
            return tf.reshape(tf.pad(t, [[0, padding], [0, 0]]), [-1, group, t.shape[1]])

        losses = []
        for j, (start, stop) in enumerate(self.column_slices):
            blanked = whole - tf.matmul(x[:, start:stop], first.kernel[start:stop])
            if hidden:
                z = first.activation(blanked + first.bias)
                for layer in hidden[1:]:
                    z = layer(z)
                predicted = tf.matmul(z, output.kernel[:, start:stop]) + output.bias[start:stop]
            else:
                predicted = blanked[:, start:stop] + output.bias[start:stop]
            logits = tf.matmul(grouped(predicted), grouped(vectors[j]), transpose_b=True)
            value = codes[:, :, j]
            negative = ~tf.equal(value[:, :, None], value[:, None, :]) & real[:, None, :]
            logits = tf.where(negative | itself, logits, tf.constant(-1e9, logits.dtype))
            labels = tf.broadcast_to(tf.range(group), tf.shape(value))
            losses.append(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))
        # Back to one loss per real row, in the batch's order.
        return tf.reshape(tf.add_n(losses) / len(losses), [-1])[:n]


#: Rows of a batch scored against each other in a fit without a target: each
#: row's negatives are the other rows of its group.
NEGATIVE_GROUP = 256


def _mean_of_rows(lookup, cells, indptr, table_rows):
    """Each cell's vector: the mean of its rows ``table_rows[indptr[c] : indptr[c + 1]]``.

    Every cell has at least one row, so the sum's segments are the batch's cells.
    """
    starts, ends = tf.gather(indptr, cells), tf.gather(indptr, cells + 1)
    positions = tf.ragged.range(starts, ends)
    vectors = lookup(tf.gather(table_rows, positions.flat_values))
    sums = tf.math.segment_sum(vectors, positions.value_rowids())
    return sums / tf.cast(ends - starts, sums.dtype)[:, None]


#: Networks kept for reuse, by structure. Tracing a network's functions is
#: most of a small fit's cost, and depends on the structure only. At most
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


def _network(spec, trainable):
    """The network for ``spec``'s structure, built on first use."""
    key = (
        tuple(table_capacity(n) for n in spec.table_sizes), tuple(spec.dims),
        tuple(spec.hidden_units), spec.dropout, spec.n_outputs, spec.activation, spec.loss,
        tuple(trainable), spec.pooled_columns,
    )  # fmt: skip
    if key in _networks:
        _networks.move_to_end(key)
        return _networks[key]
    network = _Network(spec, key[0], trainable)
    if sum(key[0]) <= MAX_KEPT_TABLE_ROWS:
        _networks[key] = network
    while len(_networks) > MAX_KEPT_NETWORKS:
        _networks.popitem(last=False)
    return network


def _reset(network, spec, seed, starts, frozen):
    """Give ``network`` the weights and state of a fresh fit seeded by ``seed``.

    Every weight is drawn here, from ``seed`` alone, so that a fit gives the
    same tables whether its network was just built or reused. Returns the
    seed stream, for the rest of the fit's random choices.
    """
    seeds = np.random.default_rng(seed)

    def next_seed():
        return int(seeds.integers(2**31 - 1))

    for lookup, start, frozen_rows, width in zip(
        network.lookups, starts, frozen, spec.random_starts
    ):
        shape = tuple(lookup.embeddings.shape)
        values = np.array(  # a writable copy: older Keras gives a read-only view
            keras.ops.convert_to_numpy(
                keras.initializers.RandomUniform(-width, width, seed=next_seed())(shape)
            )
        )
        if start is not None and start.given.any():
            values[: len(start.given)][start.given] = start.table[start.given]
        lookup.embeddings.assign(values)
        mask = np.zeros(shape[0], dtype="float32")
        mask[: len(frozen_rows)] = frozen_rows
        lookup.frozen_rows.assign(mask)
    if network.dropout is not None:
        network.dropout.seed_generator.state.assign(np.array([next_seed(), 0]))
    for layer in network.dense:
        initializer = keras.initializers.GlorotUniform(seed=next_seed())
        layer.kernel.assign(initializer(tuple(layer.kernel.shape)))
        layer.bias.assign(np.zeros(layer.bias.shape, dtype="float32"))
    optimizer = network.optimizer
    optimizer.learning_rate = spec.learning_rate
    for variable in optimizer.variables:
        if variable is not optimizer._learning_rate:  # iterations and moments
            variable.assign(np.zeros(variable.shape, dtype=variable.dtype))
    return next_seed


class _RowwiseAdam(keras.optimizers.Adam):
    """Adam that updates only the embedding rows a batch looked up.

    Keras' Adam densifies the sparse gradient of an embedding table and then
    rewrites the whole table and both of its moment estimates at every step,
    so a step costs time in proportion to the number of categories. Here a
    sparse gradient updates the moments and the weights of its rows alone (as
    "lazy" Adam does); the dense layers get Keras' ordinary update.

    ``frozen_rows`` maps a table's variable index to its ``_RowLookup``'s
    mask: the gradient of a frozen row is zeroed here, once per distinct row
    of the batch, so its moments stay exactly zero and the row never moves.
    """

    frozen_rows = types.MappingProxyType({})

    def update_step(self, gradient, variable, learning_rate):
        if not isinstance(gradient, tf.IndexedSlices):
            return super().update_step(gradient, variable, learning_rate)
        rows, position = tf.unique(gradient.indices)
        grad = tf.math.unsorted_segment_sum(gradient.values, position, tf.shape(rows)[0])
        index = self._get_variable_index(variable)
        if index in self.frozen_rows:
            grad *= 1.0 - tf.gather(_tf_variable(self.frozen_rows[index]), rows)[:, None]
        grad = tf.cast(grad, variable.dtype)
        step = tf.cast(self.iterations + 1, variable.dtype)
        alpha = tf.cast(learning_rate, variable.dtype) * tf.sqrt(
            1 - tf.pow(tf.cast(self.beta_2, variable.dtype), step)
        ) / (1 - tf.pow(tf.cast(self.beta_1, variable.dtype), step))
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
    """The tf.Variable under a Keras variable, for sparse reads and scatters.

    Recent Keras gives it as ``value``; Keras 3.0, which TensorFlow 2.16 allows,
    gives a dense tensor there and keeps the variable as ``_value``.
    """
    for candidate in (getattr(variable, "value", None), getattr(variable, "_value", None)):
        if isinstance(candidate, tf.Variable):
            return candidate
    return variable


class _RowLookup(keras.layers.Embedding):
    """Keras' Embedding, reading only the looked-up rows of its table.

    ``keras.ops.take`` reads the whole table as a tensor each step, which
    costs time in proportion to the number of categories; tf.gather on the
    underlying variable reads just the batch's rows (and its gradient stays
    sparse). Rows whose ``frozen_rows`` weight is 1 are held still by the
    optimizer (:class:`_RowwiseAdam`), which sees far fewer distinct rows than
    a token column's lookups. The mask is a weight, set per fit, so that a
    reused network can freeze other rows.
    """

    def build(self, input_shape=None):
        super().build(input_shape)
        self.frozen_rows = self.add_weight(
            shape=(self.input_dim,), initializer="zeros", trainable=False, name="frozen_rows"
        )

    def call(self, inputs):
        return tf.gather(_tf_variable(self.embeddings), inputs)
