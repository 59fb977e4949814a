"""Dask collections, met at the edge: lazy encodings, and fits that stream partitions.

Nothing here imports Dask until a Dask collection arrives, so pandas users never
load it (``is_dask_collection`` looks at the type's module only).

``transform``: the fitted encoder travels to the workers as what it is, numpy
tables and pandas indexes; each partition is encoded by the same numpy code as
a pandas frame, so the computed result equals the pandas ``transform`` of the
same rows, bit for bit.

``fit``: the cluster counts each column's categories (per partition, then
combined) and summarizes the target; under ``min_frequency="auto"`` one more
pass sums the target per category of each column; the vocabularies then code every
partition on the cluster into int32 codes, kept there (``persist``). Training
runs in rounds: a round fetches one random slice of every partition, so that
batches mix the whole table however it is ordered. The validation rows, the
rows relabelled as unknown and the slices are drawn per row by a generator
seeded with the partition's number, so nothing needs the whole table in one
place.
"""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from ._fitting import (
    Fitted, check_some_given, finished, given_fit, given_vocabularies, kept_network,
    network_candidates, raise_if_unknown, row_maps,
)
from ._initial import column_starts, nothing_to_learn, with_vector
from ._settings import fit_settings, widths
from ._spec import UNKNOWN_SHARE, network_spec
from ._targets import LossMode, rows_for_a_vector, target_moments


def is_dask_collection(X):
    """Whether X is a Dask collection (a DataFrame, Series or array), without importing Dask."""
    return type(X).__module__.partition(".")[0] == "dask" and hasattr(X, "__dask_graph__")


def _dataframe(X, method):
    """X as a Dask DataFrame of known columns, or a TypeError that says what to pass."""
    import dask.dataframe as dd

    if not isinstance(X, dd.DataFrame):
        raise TypeError(
            f"EmbeddingEncoder.{method} takes a Dask DataFrame, got a {type(X).__name__}; "
            "convert a Dask Series with .to_frame() and a Dask array with "
            "dask.dataframe.from_dask_array."
        )
    return X


def check_columns(encoder, X):
    """The frame's columns must be those seen in fit, in order (checked on its metadata)."""
    names = list(X.columns)
    if len(names) != encoder.n_features_in_:
        raise ValueError(
            f"X has {len(names)} columns, but EmbeddingEncoder was fitted on "
            f"{encoder.n_features_in_}."
        )
    fitted = getattr(encoder, "feature_names_in_", None)
    if fitted is not None and names != list(fitted):
        raise ValueError(
            "The Dask DataFrame's columns are not those seen in fit, in order: got "
            f"{names}, fitted on {list(fitted)}."
        )


def check_partition(partition, meta, number):
    """A partition must have the columns and dtypes its collection's metadata promises."""
    if list(partition.columns) != list(meta.columns):
        raise ValueError(
            f"Partition {number} of the Dask DataFrame has columns {list(partition.columns)}, "
            f"where its metadata has {list(meta.columns)}: the partitions disagree. Read "
            "them with the same columns, or select the columns before encoding."
        )
    differ = [
        f"{name!r}: {partition[name].dtype} (metadata: {dtype})"
        for name, dtype in meta.dtypes.items()
        if not _agree(partition[name].dtype, dtype)
    ]
    if differ:
        raise ValueError(
            f"Partition {number} of the Dask DataFrame has other dtypes than its metadata: "
            + ", ".join(differ)
            + ". Make the partitions agree (for example with .astype) before encoding."
        )


def _agree(dtype, promised):
    """Equal dtypes, or both categorical: a partition's categories may be its own,
    and values are looked up whatever the categories listed."""
    both_categorical = isinstance(dtype, pd.CategoricalDtype) and isinstance(
        promised, pd.CategoricalDtype
    )
    return both_categorical or dtype == promised


def _encode_partition(partition, encoder, meta, names_out, partition_info=None):
    number = None if partition_info is None else partition_info["number"]
    check_partition(partition, meta, number)
    # The encoder's own transform of a pandas frame: a DataFrame already under
    # set_output(transform="pandas"), an array to label otherwise.
    encoded = encoder.transform(partition)
    if isinstance(encoded, pd.DataFrame):
        return encoded
    return pd.DataFrame(encoded, index=partition.index, columns=names_out, copy=False)


def transform(encoder, X):
    """The lazy encoding of a Dask DataFrame: a Dask array, or under
    ``set_output(transform="pandas")`` a Dask DataFrame with the feature names.

    Nothing is computed here: each partition is encoded when the result is.
    """
    import dask

    X = _dataframe(X, "transform")
    check_columns(encoder, X)
    output = _output_config(encoder)
    names_out = [str(n) for n in encoder.get_feature_names_out()]
    empty = pd.DataFrame({n: np.empty(0, dtype=encoder.dtype) for n in names_out})
    meta = X._meta  # the collection's promised columns and dtypes
    # One key of the graph, which each worker fetches once, not a copy of the
    # fitted tables inside every partition's task.
    shared = dask.delayed(encoder, pure=True)
    frame = X.map_partitions(
        _encode_partition, shared, meta, names_out, meta=empty, align_dataframes=False
    )
    return frame if output == "pandas" else frame.to_dask_array()


def _output_config(encoder):
    from sklearn.utils._set_output import _get_output_config

    output = _get_output_config("transform", encoder)["dense"]
    if output not in ("default", "pandas"):
        raise ValueError(
            f'set_output(transform="{output}") has no Dask counterpart: a Dask DataFrame '
            'is encoded as a Dask array ("default") or a Dask DataFrame ("pandas").'
        )
    return output


def dispatch(method, dask_method):
    """``method``, but Dask input goes to ``dask_method`` instead.

    scikit-learn wraps ``transform`` and ``fit_transform`` so that ``set_output``
    can turn what they return into a pandas DataFrame, which would compute a
    Dask collection; this goes around that wrapper, keeping the result lazy.
    """
    import functools

    @functools.wraps(method)
    def dispatched(self, X, *args, **kwargs):
        if is_dask_collection(X):
            return dask_method(self, X, *args, **kwargs)
        return method(self, X, *args, **kwargs)

    return dispatched



#: Most rows held out for early stopping (about; each row is drawn on its own).
MAX_VALIDATION_ROWS = 250_000
#: About the most training rows of a round; the client holds two (one prefetched).
CHUNK_ROWS = 2**19

#: Most distinct target values gathered to decide a 1-D target's type and classes.
TARGET_VALUES_CAP = 1000


def fit_input(X, y, params):
    """X and y checked for a Dask fit: a Dask DataFrame, its aligned target,
    and nothing asked for that a Dask fit cannot do yet."""
    X = _dataframe(X, "fit")
    y = _aligned_target(y, X)
    if params["analyzer"] is not None:
        raise ValueError(
            "A fit on a Dask DataFrame does not take analyzer yet; fit on a pandas sample "
            "of the rows instead, then transform the Dask DataFrame."
        )
    return X, y


def fit(params, X, y, names, previous=None):
    """Fit on a Dask DataFrame and its Dask target (see :func:`fit_input`), whose
    columns the encoder calls ``names``; return a :class:`~skembed._fitting.Fitted`.
    ``previous`` (a warm start): the previous fit's vocabularies and tables."""
    import dask

    from ._vocabulary import UNKNOWN, Vocabulary, infrequent_masks, unique_sorted

    settings = fit_settings(params, names)

    def say(message):  # what the cluster is doing, under verbose
        if params["verbose"]:
            print(message, flush=True)

    # 1. On the cluster: each column's categories and counts, and the target's summary.
    # split_out=1: the partial counts are combined in a tree, never shuffled between
    # workers (a shuffle's worker-side unpacking is fragile, and the result comes
    # back whole anyway).
    say(f"Counting the categories of {len(names)} column(s) over {X.npartitions} partition(s)")
    counted, summary = dask.compute(
        [X[c].value_counts(dropna=False, split_out=1) for c in X.columns], _target_summary(y)
    )
    explicit = not (isinstance(params["categories"], str) and params["categories"] == "auto")
    if explicit:
        given = given_vocabularies(params["categories"], names, [False] * len(names))
    vocabularies, counts = [], []
    for i, (name, count) in enumerate(zip(names, counted)):
        values = pd.Series(count.index, dtype=count.index.dtype)
        vocabulary = given[i] if explicit else Vocabulary(unique_sorted(values, name))
        if previous is not None:  # known categories keep their rows; new ones come after
            vocabulary = previous[0][i].grown_by(vocabulary)
        codes = vocabulary.encode(values)
        if params["handle_unknown"] == "error":
            raise_if_unknown(values, codes, name, "fit")
        if explicit:
            check_some_given(values, codes, vocabulary, name)
        known = codes != UNKNOWN  # values outside the given categories count for nothing
        column_counts = np.zeros(len(vocabulary), dtype=np.int64)
        column_counts[codes[known]] = count.to_numpy()[known]
        vocabularies.append(vocabulary)
        counts.append(column_counts)
    n_rows = int(counted[0].sum())
    del counted  # the vocabularies hold what is needed of it
    if n_rows == 0:
        raise ValueError("The Dask DataFrame has no rows; at least one sample is required.")
    target = _target_of(params["target_type"], summary)
    min_frequency = params["min_frequency"]
    if isinstance(min_frequency, str) and min_frequency == "auto":
        # One more pass: each column's target moments, per partition, then summed,
        # judge its categories as in memory.
        say("Summing the target per category of each column")
        min_frequency = [
            rows_for_a_vector(*moments)
            for moments in _target_moments(X, y, vocabularies, target)
        ]
    infrequent = infrequent_masks(counts, n_rows, min_frequency, params["max_categories"])
    starts = column_starts(settings, vocabularies, infrequent,
                           None if previous is None else previous[1])  # fmt: skip
    dims = widths(settings, vocabularies, starts)
    if nothing_to_learn(True, starts, infrequent):
        return given_fit(params, vocabularies, counts, infrequent, starts, dims, target)

    # 2. On the cluster: every partition coded, its validation and relabelled rows drawn.
    from sklearn.utils import check_random_state

    rng = check_random_state(params["random_state"])
    split_seed, network_seed = (int(s) for s in rng.randint(2**31 - 1, size=2))
    hold_out = 0.0
    if params["validation_fraction"] and params["n_iter_no_change"] is not None:
        # The client holds the validation rows: a share, up to a number that
        # measures the loss closely enough on any table.
        hold_out = min(params["validation_fraction"], MAX_VALIDATION_ROWS / n_rows)
    # Each epoch trains in rounds; a round takes one random slice of every partition,
    # so that its batches mix all partitions, however the table is ordered (by date,
    # say), as an in-memory fit's shuffle does.
    n_slices = max(1, -(-round(n_rows * (1 - hold_out)) // CHUNK_ROWS))
    # A column whose unknown row is given and frozen has nothing to learn there.
    unknown_share = [
        UNKNOWN_SHARE if s is None or not s.frozen[-1] else 0.0 for s in starts
    ]
    say(f"Coding {n_rows:,} rows over {X.npartitions} partition(s), {n_slices} round(s) "
        "an epoch")
    coded = _coded_partitions(
        X, y, vocabularies, target, split_seed, hold_out, unknown_share, n_slices
    )
    coded = coded.persist()
    parts = coded.to_delayed()
    sizes = [len(v) for v in vocabularies]
    # Trained: categories with a training row left after the relabelling, and not
    # rare. Each partition's masks are combined on the cluster.
    trained = _combined([dask.delayed(_trained_masks)(p, sizes) for p in parts], _either)
    trained = [t & ~rare for t, rare in zip(trained, infrequent)]
    # Categories with a given vector keep their rows even if training never sees them.
    row_of_code = row_maps(with_vector(trained, starts), vocabularies)

    # 3. Training: one round in memory at a time, the rounds in a new order each epoch.
    def rows_and_target(frame):
        rows = np.empty((len(frame), len(sizes)), dtype=np.int32)
        for i in range(len(sizes)):
            np.take(row_of_code[i], frame[f"c{i}"].to_numpy(), out=rows[:, i])
        y_part = frame[[c for c in frame.columns if c.startswith("t")]].to_numpy()
        return rows, y_part[:, 0] if target.class_indices else y_part

    def fetch(r):
        frame = pd.concat(
            dask.compute(*[dask.delayed(_slice_of)(p, r) for p in parts]), ignore_index=True
        )
        return rows_and_target(frame)

    def chunks(epoch):
        # The next round is fetched while the network trains on this one.
        order = np.random.default_rng([split_seed, epoch]).permutation(n_slices)
        with ThreadPoolExecutor(1) as fetcher:
            coming = fetcher.submit(fetch, order[0])
            for r in order[1:]:
                current, coming = coming.result(), fetcher.submit(fetch, r)
                yield current
            yield coming.result()

    validation = None
    if hold_out:
        say("Gathering the validation rows")
        held = coded[coded["val"]].compute()
        if len(held) == 0:
            raise ValueError(
                f"validation_fraction={params['validation_fraction']} held out no row; "
                "pass more rows, or set validation_fraction=0."
            )
        validation = rows_and_target(held)
        del held

    from ._training import train_on_chunks

    def trained_with(hidden_units):
        spec = network_spec(
            params, [len(v) + 1 for v in vocabularies], dims, hidden_units, target, starts
        )
        return train_on_chunks(spec, chunks, n_slices, validation, network_seed, starts=starts)

    hidden_units, (tables, history, gains) = kept_network(
        network_candidates(settings.hidden_units, True, validation is not None), trained_with,
        params["verbose"],
    )  # fmt: skip
    return Fitted(
        vocabularies, finished(tables, trained, starts, params["dtype"]), dims, starts,
        infrequent, counts, target, history, gains, network_seed, hidden_units,
    )


def fit_transform(encoder, X, y=None):
    """``fit``, then the lazy ``transform``; cross fitting is refused."""
    if encoder.cv is not None:
        raise ValueError(
            "cv cannot cross-fit a Dask DataFrame out of core. Fit with cv=None and "
            "transform, or cross-fit a pandas sample of the rows."
        )
    return encoder.fit(X, y).transform(X)  # the method: it validates the parameters


def _aligned_target(y, X):
    """y as a Dask Series or DataFrame whose partitions pair with X's."""
    import dask.dataframe as dd

    if y is None:
        raise ValueError(
            "A Dask DataFrame is fitted on a target y: a fit without y (vectors learned "
            "from the columns alone) runs in memory only. Fit on a pandas sample, "
            "X.sample(frac=...).compute(), then encode the Dask DataFrame with it."
        )
    if not isinstance(y, (dd.Series, dd.DataFrame)):
        raise TypeError(
            "With a Dask DataFrame X, y must be a Dask Series (or a Dask DataFrame for "
            f"several targets) with the same partitions, got a {type(y).__name__}."
        )
    if y.npartitions != X.npartitions:
        raise ValueError(
            f"y has {y.npartitions} partitions and X {X.npartitions}: they must pair "
            "up, row for row (take both from one DataFrame, for example)."
        )
    if X.known_divisions and y.known_divisions and tuple(X.divisions) != tuple(y.divisions):
        raise ValueError(
            "y's partitions do not align with X's: their divisions differ. Take both "
            "from one DataFrame, or repartition one like the other."
        )
    return y


def _target_summary(y):
    """What the cluster tells of y: up to the cap of its distinct values (1-D), its
    missing count, and its mean and standard deviation (numeric)."""
    missing = y.isna().sum()
    if getattr(y, "ndim", 1) == 2:
        missing = missing.sum()
    dtypes = y.dtypes if getattr(y, "ndim", 1) == 2 else [y.dtype]
    numeric = all(pd.api.types.is_numeric_dtype(d) and not pd.api.types.is_bool_dtype(d)
                  for d in dtypes)
    stats = (y.mean(), y.std(ddof=0)) if numeric else (None, None)
    values = None
    if getattr(y, "ndim", 1) == 1:
        values = y.map_partitions(
            _distinct_values, meta=pd.Series([], dtype=y.dtype), clear_divisions=True
        )
    # Computed with the columns' counts, in one pass over the data.
    return {"missing": missing, "stats": stats, "values": values, "ndim": y.ndim}


def _distinct_values(part):
    return pd.Series(pd.unique(part.dropna())[: TARGET_VALUES_CAP + 1], dtype=part.dtype)


class _StreamedTarget(LossMode):
    """The target's type, output and encoding, decided from the cluster's summary."""

    def __init__(self, target_type, classes, n_outputs, activation, loss, stats):
        self.target_type, self.classes, self.n_outputs = target_type, classes, n_outputs
        self.activation, self.loss = activation, loss
        if target_type == "continuous":
            mean, std = stats
            self.center = np.atleast_1d(np.asarray(mean, dtype=np.float64))
            self.scale = np.array(std, dtype=np.float64, ndmin=1)
            self.scale[self.scale == 0] = 1.0

    def encode(self, y_part):
        """A partition's target as the network reads it (a 2-D array)."""
        values = np.asarray(y_part)
        if self.target_type == "continuous":
            values = values.reshape(len(values), -1).astype(np.float64)
            return ((values - self.center) / self.scale).astype(np.float32)
        indices = np.searchsorted(self.classes, values)
        dtype = np.int32 if self.class_indices else np.float32
        return indices.astype(dtype).reshape(-1, 1)


def _target_of(target_type, summary):
    """The target, from the cluster's summary, decided as the in-memory fit decides it."""
    from ._targets import prepare_target

    if summary["missing"]:
        raise ValueError("Input y contains NaN or another missing value (None, pd.NA).")
    numeric = summary["stats"][0] is not None
    if summary["ndim"] == 2:
        if target_type not in ("auto", "continuous") or not numeric:
            raise ValueError("Only a numeric, continuous target may have several columns.")
        n_outputs = len(np.atleast_1d(summary["stats"][0]))
        return _StreamedTarget("continuous", None, n_outputs, "linear",
                               "mean_squared_error", summary["stats"])  # fmt: skip
    values = pd.unique(summary["values"].to_numpy())
    if (len(values) > TARGET_VALUES_CAP and target_type != "continuous"
            and np.asarray(values).dtype.kind != "f"):
        raise ValueError(
            f"y has more than {TARGET_VALUES_CAP} distinct values that are not floats: "
            "set target_type='continuous' to regress on them."
        )
    # The distinct values decide the type and the classes as all of y would.
    probe = prepare_target(values, target_type, "EmbeddingEncoder")
    return _StreamedTarget(probe.target_type, probe.classes, probe.n_outputs,
                           probe.activation, probe.loss, summary["stats"])  # fmt: skip


def _coded_partitions(X, y, vocabularies, target, split_seed, hold_out, unknown_share,
                      n_slices):
    """Per partition: each column's category codes (-1: relabelled as unknown), the
    encoded target, whether the row is held out for validation, and its slice (a
    training round; ``n_slices`` for a validation row), sorted by slice."""
    import dask.dataframe as dd

    n_targets = 1 if target.class_indices or target.target_type != "continuous" else len(
        np.atleast_1d(target.center)
    )
    meta = pd.DataFrame({
        **{f"c{i}": np.empty(0, np.int32) for i in range(len(vocabularies))},
        **{f"t{j}": np.empty(0, np.int32 if target.class_indices else np.float32)
           for j in range(n_targets)},
        "val": np.empty(0, bool),
        "slice": np.empty(0, np.int32),
    })  # fmt: skip
    return dd.map_partitions(
        _code_partition, X, y, X._meta, vocabularies, target, split_seed, hold_out,
        unknown_share, n_slices, meta=meta, align_dataframes=False,
    )  # fmt: skip


def _check_pair(X_part, y_part, meta, partition_info):
    """A partition of X checked against the metadata and paired with y's; its number."""
    number = 0 if partition_info is None else partition_info["number"]
    check_partition(X_part, meta, number)
    if len(X_part) != len(y_part):
        raise ValueError(
            f"Partition {number} of y has {len(y_part)} rows and X's {len(X_part)}: "
            "X and y must pair up, row for row."
        )
    return number


def _target_moments(X, y, vocabularies, target):
    """Per column, its :func:`~skembed._targets.target_moments` over all partitions,
    summed on the cluster: what ``min_frequency="auto"`` judges the column by."""
    import dask
    import dask.dataframe as dd

    per_partition = dd.map_partitions(
        _partition_moments, X, y, X._meta, vocabularies, target,
        meta=pd.DataFrame({"moments": pd.Series([], dtype=object)}), align_dataframes=False,
    )  # fmt: skip
    cells = [dask.delayed(_only_cell)(p) for p in per_partition.to_delayed()]
    return _combined(cells, _added_moments)


def _partition_moments(X_part, y_part, meta, vocabularies, target, partition_info=None):
    """One partition's moments per column, as the one cell of a frame (what
    ``map_partitions`` passes on)."""
    _check_pair(X_part, y_part, meta, partition_info)
    values = target.encode(y_part)
    moments = [
        target_moments(np.asarray(v.encode(X_part.iloc[:, i])), values, target, len(v))
        for i, v in enumerate(vocabularies)
    ]
    return pd.DataFrame({"moments": pd.Series([moments], dtype=object)})


def _only_cell(frame):
    return frame["moments"].iloc[0]


def _added_moments(a, b):
    """Two partitions' (or groups') moments per column, added."""
    return [tuple(x + y for x, y in zip(ma, mb)) for ma, mb in zip(a, b)]


def _combined(parts, pair):
    """Delayed per-partition results, combined by ``pair`` in a tree on the cluster;
    the result, computed."""
    import dask

    while len(parts) > 1:
        paired = [dask.delayed(pair)(a, b) for a, b in zip(parts[::2], parts[1::2])]
        parts = paired + parts[len(parts) - len(parts) % 2:]
    return dask.compute(parts[0])[0]


def _code_partition(X_part, y_part, meta, vocabularies, target, split_seed, hold_out,
                    unknown_share, n_slices, partition_info=None):
    number = _check_pair(X_part, y_part, meta, partition_info)
    rng = np.random.default_rng([split_seed, number])
    val = rng.random(len(X_part)) < hold_out
    columns = {}
    for i, vocabulary in enumerate(vocabularies):
        codes = vocabulary.encode(X_part.iloc[:, i]).astype(np.int32)
        # A small share of the training values stands for "a category not seen".
        codes[(rng.random(len(codes)) < unknown_share[i]) & ~val] = -1
        columns[f"c{i}"] = codes
    encoded = target.encode(y_part)
    for j in range(encoded.shape[1]):
        columns[f"t{j}"] = encoded[:, j]
    columns["val"] = val
    columns["slice"] = np.where(val, n_slices, rng.integers(0, n_slices, len(val))).astype(np.int32)
    order = np.argsort(columns["slice"], kind="stable")
    return pd.DataFrame({name: values[order] for name, values in columns.items()})


def _slice_of(frame, r):
    """The rows of a coded partition in training round ``r`` (rows are sorted by slice)."""
    lo, hi = np.searchsorted(frame["slice"].to_numpy(), [r, r + 1])
    return frame.iloc[lo:hi]


def _trained_masks(frame, sizes):
    """Per column, which codes some training row (not held out, not relabelled) holds."""
    train = ~frame["val"].to_numpy()
    masks = []
    for i, size in enumerate(sizes):
        codes = frame[f"c{i}"].to_numpy()[train]
        mask = np.zeros(size, dtype=bool)
        mask[codes[codes >= 0]] = True
        masks.append(mask)
    return masks


def _either(a, b):
    """Two partitions' (or groups') trained masks, combined."""
    return [x | y for x, y in zip(a, b)]
