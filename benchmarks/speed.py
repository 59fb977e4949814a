"""The speed benchmark: EmbeddingEncoder against named baselines, as ratios from one run.

Transform: EmbeddingEncoder against ``OneHotEncoder(handle_unknown="ignore")``
(sparse output) and against "the floor", the bare work any transform must do:
one ``pandas.Index.get_indexer`` per column and a gather of table rows into one
preallocated float32 array (:func:`floor_transform`).

Fit: EmbeddingEncoder against the same network written by hand in Keras
(:func:`fit_keras`): same table sizes and widths, Dense(64, relu), sigmoid
output, Adam(1e-3), ``model.fit(codes, y, batch_size=4096)``. Each is timed at
two epoch counts; the difference gives the per-epoch rate, the rest is the
fixed cost (tracing, building, coding the columns).

Every number is the median of several repeats, run interleaved (A, B, A, B, ...)
so that a slow spell of a noisy machine hits every contender alike. Peak memory
is the growth of the process' RSS during a call (see ``_measure``).

    python -m benchmarks.speed                # 1,000 flights, all flights, 2M synthetic rows
                                              # (~8 min, 2 cores)
    python -m benchmarks.speed --rows 500000  # smaller synthetic data
    python -m benchmarks.speed --quick        # smoke run (under a minute)

TensorFlow slows down several times when other work shares the cores: check
the load averages printed at the start and the end, and the spread of the
repeats (``all_s`` in the CSV).
"""

import argparse
import gc
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.preprocessing import OneHotEncoder

from skembed import EmbeddingEncoder

from ._measure import log, log_end, measure, nbytes, start_benchmark, trim_heap
from .default import RESULTS_DIR, write_results


BATCH_SIZE = 4096
HIDDEN_UNITS = 64
LEARNING_RATE = 1e-3

SYNTHETIC_ROWS = 2_000_000
SYNTHETIC_CATEGORIES = [10, 1_000, 100_000, 1_000_000]
FLIGHTS_EPOCHS = (1, 3)
#: A small table, where a fit's fixed cost is nearly all of it: 1,000 flights
#: (load_flights' seeded sample), two columns, fitted for 1 and 20 epochs.
SMALL_ROWS = 1_000
SMALL_COLUMNS = ["carrier", "dest"]
SMALL_EPOCHS = (1, 20)
SMALL_FIT_REPEATS = 7
#: Fewer epochs on the synthetic data: 2M rows, and hand-written Keras updates
#: its whole 1M-row table at every step.
SYNTHETIC_EPOCHS = (1, 2)

QUICK_FLIGHTS_ROWS = 5_000
QUICK_SYNTHETIC_ROWS = 20_000
QUICK_SYNTHETIC_CATEGORIES = [10, 100, 1_000, 5_000]

EMBEDDING = "EmbeddingEncoder"
ONEHOT = "OneHotEncoder"
FLOOR = "floor (get_indexer + take)"
FLOOR_F = "floor, column-major output"
KERAS = "hand-written Keras"

TRANSFORM_NOTES = {
    EMBEDDING: "F-ordered output",
    ONEHOT: "sparse CSR output",
    FLOOR: "C-ordered output, out[:, a:b] = take(table, codes)",
    FLOOR_F: "F-ordered output as EmbeddingEncoder's, without its checks",
}

COLUMNS = [
    "data", "step", "contender", "rows", "epochs", "repeats", "median_s", "min_s", "all_s",
    "throughput", "unit", "embedding_over_this", "peak_mb", "output_mb",
    "peak_beyond_output_fraction", "final_loss", "note",
]  # fmt: skip



# ------------------------------------------------------------- contenders


def floor_transform(X, categories, tables, column_major=False):
    """The bare work of an embedding transform, written the obvious way.

    Per column: a hash lookup of every value among the fitted categories, then
    a gather of table rows into one preallocated C-ordered float output. A
    value that is not a category gets -1, which picks the last row: the
    unknown row, as EmbeddingEncoder's default
    ``handle_unknown="infrequent_if_exist"`` does. A ``category`` column is
    looked up by pandas over its categories only and its codes remapped.

    ``categories`` holds each column's categories, or a ``pandas.Index`` of
    them built once (its hash table is then built once too, as a fitted
    encoder keeps its own).

    ``column_major=True`` gathers each column's block into a (width, n)
    buffer and returns its transpose (Fortran-ordered), as
    EmbeddingEncoder.transform does: the same work with the same memory
    layout, less the estimator's checks.
    """
    width = sum(table.shape[1] for table in tables)
    shape = (width, len(X)) if column_major else (len(X), width)
    out = np.empty(shape, dtype=tables[0].dtype)
    start = 0
    for name, values, table in zip(X.columns, categories, tables):
        index = values if isinstance(values, pd.Index) else pd.Index(values)
        codes = index.get_indexer(X[name])
        stop = start + table.shape[1]
        if column_major:
            # "wrap" sends -1 to the last row without take's buffered copy
            # ("clip" would send it to row 0).
            np.take(table.T, codes, axis=1, out=out[start:stop], mode="wrap")
        else:
            out[:, start:stop] = np.take(table, codes, axis=0)
        start = stop
    return out.T if column_major else out


def keras_codes(X):
    """Integer-code each column with pandas; one extra table row for unseen values."""
    codes = np.empty(X.shape, dtype=np.int32)
    table_sizes = []
    for i, name in enumerate(X.columns):
        codes[:, i], uniques = pd.factorize(X[name])
        table_sizes.append(len(uniques) + 1)
    return codes, table_sizes


def build_keras_model(table_sizes, dims, hidden_units=HIDDEN_UNITS):
    """EmbeddingEncoder's network for a binary target, written by hand."""
    import keras

    inputs = keras.Input(shape=(len(dims),), dtype="int32")
    vectors = [
        keras.layers.Embedding(size, dim)(inputs[:, i])
        for i, (size, dim) in enumerate(zip(table_sizes, dims))
    ]
    x = keras.layers.Concatenate()(vectors)
    x = keras.layers.Dense(hidden_units, activation="relu")(x)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inputs, outputs)


def fit_keras(X, y, dims, epochs, batch_size=BATCH_SIZE):
    """Code, build, compile and fit the hand-written model; (model, last loss).

    Seeded once per run (in :func:`main`), not per fit:
    ``keras.utils.set_random_seed`` clears TensorFlow's kernel caches, and the
    next call of any traced function, EmbeddingEncoder's included, pays about
    0.15 s to rebuild them. Its repeats therefore start from other weights.
    """
    import keras

    codes, table_sizes = keras_codes(X)
    model = build_keras_model(table_sizes, dims)
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="binary_crossentropy")
    history = model.fit(codes, y, batch_size=batch_size, epochs=epochs, verbose=0)
    return model, history.history["loss"][-1]


def make_embedding_encoder(epochs, batch_size=BATCH_SIZE):
    """Trains exactly ``epochs`` epochs on every row, as :func:`fit_keras` does,
    with a row of its own for every category (``min_frequency=None``), so
    that both train tables of the same sizes."""
    return EmbeddingEncoder(
        batch_size=batch_size,
        epochs=epochs,
        learning_rate=LEARNING_RATE,
        hidden_units=(HIDDEN_UNITS,),
        min_frequency=None,
        n_iter_no_change=None,
        validation_fraction=0.0,
        random_state=0,
    )


# ---------------------------------------------------------------- timing


def interleaved(calls, repeats, after=None):
    """Run each named call ``repeats`` times, rotating the order every round.

    ``after(name, result)`` turns a call's result into a dict of extra numbers
    (taken before the result is dropped, so that the next call starts without
    it). Returns ``{name: [(Measurement, extra), ...]}``.
    """
    names = list(calls)
    runs = {name: [] for name in names}
    for r in range(repeats):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            gc.collect()
            trim_heap()
            with measure() as m:
                result = calls[name]()
            extra = after(name, result) if after is not None else {}
            del result
            runs[name].append((m, extra))
    return runs


def _median(values):
    return float(np.median(values)) if len(values) else float("nan")


def _seconds(values):
    """Every repeat's time, in run order, for the CSV: the spread shows the noise."""
    return " ".join(f"{v:.4f}" for v in values)


def epoch_split(seconds_low, seconds_high, epochs_low, epochs_high):
    """(seconds per epoch, fixed seconds) from timings at two epoch counts."""
    per_epoch = (seconds_high - seconds_low) / (epochs_high - epochs_low)
    return per_epoch, seconds_low - per_epoch * epochs_low


def bench_transform(data, X, fitted, onehot, repeats):
    """Rows per second and memory of EmbeddingEncoder's transform of ``X`` and
    of the baselines' (the same fitted categories and tables for the floors)."""
    # The fitted state of the floors: one Index per column, built once.
    categories = [pd.Index(values) for values in fitted.categories_]
    tables = fitted.embeddings_
    calls = {
        EMBEDDING: lambda: fitted.transform(X),
        ONEHOT: lambda: onehot.transform(X),
        FLOOR: lambda: floor_transform(X, categories, tables),
        FLOOR_F: lambda: floor_transform(X, categories, tables, column_major=True),
    }
    for call in calls.values():
        call()  # untimed: builds the hash tables pandas caches per Index
    runs = interleaved(calls, repeats, after=lambda name, out: {"output": nbytes(out)})
    records = []
    for name, measured in runs.items():
        seconds = [m.seconds for m, _ in measured]
        peak = max(m.peak_bytes for m, _ in measured)
        output = measured[0][1]["output"]
        records.append(
            {
                "data": data, "step": "transform", "contender": name, "rows": len(X),
                "repeats": repeats, "median_s": _median(seconds), "min_s": min(seconds),
                "all_s": _seconds(seconds),
                "throughput": len(X) / _median(seconds), "unit": "rows/s",
                "peak_mb": peak / 2**20, "output_mb": output / 2**20,
                "peak_beyond_output_fraction": (peak - output) / output,
            }
        )  # fmt: skip
    for record in records:
        record["note"] = TRANSFORM_NOTES.get(record["contender"], "")
    return _with_ratios(records)


def bench_fit(data, X, y, dims, epochs, repeats):
    """Rows x epochs per second of EmbeddingEncoder.fit and hand-written Keras."""
    low, high = epochs
    calls, n = {}, len(X)
    for e in epochs:
        calls[(EMBEDDING, e)] = lambda e=e: make_embedding_encoder(e).fit(X, y)
        calls[(KERAS, e)] = lambda e=e: fit_keras(X, y, dims, e)

    def final_loss(name, result):
        loss = result.history_["loss"][-1] if name[0] == EMBEDDING else result[1]
        return {"loss": loss}

    runs = interleaved(calls, repeats, after=final_loss)
    records = []
    for contender in (EMBEDDING, KERAS):
        medians = {}
        for e in epochs:
            measured = runs[(contender, e)]
            seconds = [m.seconds for m, _ in measured]
            medians[e] = _median(seconds)
            records.append(
                {
                    "data": data, "step": f"fit, {e} epoch(s)", "contender": contender,
                    "rows": n, "epochs": e, "repeats": repeats, "median_s": medians[e],
                    "min_s": min(seconds), "all_s": _seconds(seconds),
                    "throughput": n * e / medians[e],
                    "unit": "rows x epochs/s",
                    "peak_mb": max(m.peak_bytes for m, _ in measured) / 2**20,
                    "final_loss": measured[-1][1]["loss"],
                }
            )  # fmt: skip
        per_epoch, fixed = epoch_split(medians[low], medians[high], low, high)
        note = f"from the {low} and {high} epoch medians"
        if per_epoch <= 0:  # tiny data on a noisy machine
            note += "; not positive: the noise exceeds the epochs' time"
        records.append(
            {
                "data": data, "step": "fit, per epoch", "contender": contender, "rows": n,
                "repeats": repeats, "median_s": per_epoch,
                "throughput": n / per_epoch if per_epoch > 0 else float("nan"),
                "unit": "rows x epochs/s", "note": note,
            }
        )  # fmt: skip
        records.append(
            {
                "data": data, "step": "fit, fixed cost", "contender": contender, "rows": n,
                "repeats": repeats, "median_s": fixed, "unit": "s",
                "note": f"{low}-epoch median minus {low} x per-epoch time"
                + ("; includes coding the columns (pd.factorize)" if contender == KERAS else "")
                + ("; negative: noise exceeds it" if fixed < 0 else ""),
            }
        )  # fmt: skip
    return _with_ratios(records)


def _with_ratios(records):
    """EmbeddingEncoder's throughput over each other contender's, same data and step."""
    ours = {
        (r["data"], r["step"]): r.get("throughput")
        for r in records
        if r["contender"] == EMBEDDING
    }
    for r in records:
        if r["contender"] != EMBEDDING and not pd.isna(r.get("throughput")):
            r["embedding_over_this"] = ours[(r["data"], r["step"])] / r["throughput"]
    return records


def dtype_variants(data, X):
    """The same frame with its string columns as ``object``, as ``string[pyarrow]``
    (what a Dask partition holds: Dask converts strings to it) and as ``category``.

    ``X``'s own strings are pandas' default: with pandas 3 and pyarrow, ``str``
    stored by Arrow, which a hash lookup reads differently from Python strings.
    """
    strings = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    return {
        f"{data} (object)": X.astype(dict.fromkeys(strings, object)),
        f"{data} (string[pyarrow], as in Dask)": X.astype(dict.fromkeys(strings, "string[pyarrow]")),
        f"{data} (category)": X.astype("category"),
    }


def benchmark(data, X, y, *, epochs, repeats, fit_repeats, also_transform=None, categories=None):
    """Transform and fit speed on one frame; ``also_transform`` maps names to
    frames of the same columns (such as the category-dtype copy) transformed
    by the same fitted encoders. ``categories``, a dict if given, receives the
    number of categories of each column under ``data``."""
    log(f"[{data}] {len(X)} rows, columns {list(X.columns)}")
    with measure() as first:
        # Also warms TensorFlow up, so that no timed fit pays its start-up.
        fitted = make_embedding_encoder(1).fit(X, y)
    log(
        f"[{data}] first EmbeddingEncoder fit (1 epoch, untimed warm-up): {first.seconds:.1f} s; "
        f"categories {[len(c) for c in fitted.categories_]}, dims_ {fitted.dims_}"
    )
    if categories is not None:
        categories[data] = [len(c) for c in fitted.categories_]
    small = X.iloc[: min(len(X), 2_000)]
    fit_keras(small, y[: len(small)], fitted.dims_, 1)  # warms Keras' numpy input path
    onehot = OneHotEncoder(handle_unknown="ignore").fit(X)
    records = []
    for name, frame in {data: X, **(also_transform or {})}.items():
        log(f"[{name}] transform x {repeats} ...")
        records += bench_transform(name, frame, fitted, onehot, repeats)
        _log_ratios(records, name, "transform")
    if fit_repeats > 0:
        log(f"[{data}] fit with {epochs} epochs x {fit_repeats} ...")
        with measure() as step:
            records += bench_fit(data, X, y, fitted.dims_, epochs, fit_repeats)
        log(f"[{data}] fit timings took {step.seconds:.0f} s")
        for step_name in [f"fit, {e} epoch(s)" for e in epochs] + ["fit, per epoch"]:
            _log_ratios(records, data, step_name)
    return records


def _log_ratios(records, data, step):
    for r in records:
        if r["data"] == data and r["step"] == step and not pd.isna(r.get("embedding_over_this")):
            log(f"  {step}: EmbeddingEncoder / {r['contender']} = {r['embedding_over_this']:.2f}")


# ---------------------------------------------------------------- output


def _fmt(value, spec):
    return "" if value is None or pd.isna(value) else format(value, spec)


def markdown_table(results):
    header = [
        "data", "step", "contender", "rows", "median s", "min s", "throughput", "unit",
        "EmbeddingEncoder ÷ this", "peak MB", "output MB", "peak beyond output ÷ output",
        "final loss",
    ]  # fmt: skip
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in results.itertuples(index=False):
        cells = [
            r.data, r.step, r.contender, f"{r.rows:,}", _fmt(r.median_s, ".3f"),
            _fmt(r.min_s, ".3f"),
            _fmt(r.throughput, ",.0f"), r.unit, _fmt(r.embedding_over_this, ".2f"),
            _fmt(r.peak_mb, ".0f"), _fmt(r.output_mb, ".0f"),
            _fmt(r.peak_beyond_output_fraction, ".2f"), _fmt(r.final_loss, ".4f"),
        ]  # fmt: skip
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def dtype_table(results):
    """Markdown: EmbeddingEncoder's transform of each frame in each string dtype
    (see :func:`dtype_variants`), against the same frame of ``object`` strings."""
    ours = results[(results["step"] == "transform") & (results["contender"] == EMBEDDING)]
    lines = ["| data | strings as | median s | ÷ object's | peak MB |", "|---|---|---|---|---|"]
    for r in ours.itertuples(index=False):
        data, _, dtype = r.data.partition(" (")
        baseline = ours[ours["data"] == f"{data} (object)"]
        if not len(baseline):
            continue  # a frame without its object twin (the 1,000-row sample)
        lines.append(f"| {data} | {dtype.rstrip(')')} | {r.median_s:.3f} "
                     f"| {r.median_s / baseline['median_s'].iloc[0]:.2f} | {r.peak_mb:.0f} |")
    return "\n".join(lines)


def ratio_lines(results):
    """One sentence per (data, step): EmbeddingEncoder's throughput over each baseline."""
    lines = []
    rated = results[results["embedding_over_this"].notna()]
    for (data, step), group in rated.groupby(["data", "step"], sort=False):
        parts = [f"{r.embedding_over_this:.2f}x {r.contender}" for r in group.itertuples()]
        lines.append(f"- {data}, {step}: EmbeddingEncoder runs at " + ", ".join(parts))
    return lines


def to_frame(records):
    return pd.DataFrame.from_records(records, columns=COLUMNS)


# ------------------------------------------------------------------ main


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.speed",
        description="Transform and fit speed of EmbeddingEncoder against OneHotEncoder, "
        "the bare lookup-and-gather floor, and hand-written Keras.",
    )
    parser.add_argument("--quick", action="store_true", help="smoke run on small data")
    parser.add_argument("--repeats", type=int, default=7, help="transform repeats (default 7)")
    parser.add_argument(
        "--fit-repeats", type=int, default=3, help="fit repeats on flights (default 3)"
    )
    parser.add_argument(
        "--synthetic-fit-repeats", type=int, default=3,
        help="fit repeats on the synthetic data (default 3; 0 skips its fit)",
    )  # fmt: skip
    parser.add_argument(
        "--flights-epochs", type=int, nargs=2, default=list(FLIGHTS_EPOCHS),
        help=f"the two epoch counts of the flights fits (default {FLIGHTS_EPOCHS})",
    )  # fmt: skip
    parser.add_argument("--rows", type=int, help=f"synthetic rows (default {SYNTHETIC_ROWS:,})")
    parser.add_argument(
        "--categories", type=int, nargs="+",
        help=f"synthetic categories per column (default {SYNTHETIC_CATEGORIES})",
    )  # fmt: skip
    parser.add_argument(
        "--datasets", nargs="+", choices=["small", "flights", "synthetic"],
        default=["small", "flights", "synthetic"],
    )
    parser.add_argument("--out-dir", type=Path, default=RESULTS_DIR)
    return parser.parse_args(argv)


def main(argv=None):
    started = time.perf_counter()
    args = parse_args(argv)
    if args.quick:
        flights_rows = QUICK_FLIGHTS_ROWS
        categories = args.categories or QUICK_SYNTHETIC_CATEGORIES
        rows = args.rows or QUICK_SYNTHETIC_ROWS
    else:
        flights_rows = None
        categories = args.categories or SYNTHETIC_CATEGORIES
        rows = args.rows or SYNTHETIC_ROWS

    machine, import_s = start_benchmark("skembed speed benchmark")
    import keras

    keras.utils.set_random_seed(0)  # once: see fit_keras
    log(
        f"Transform repeats {args.repeats}; fit repeats {args.fit_repeats} (flights), "
        f"{args.synthetic_fit_repeats} (synthetic); batch size {BATCH_SIZE}; medians "
        "reported; contenders interleaved."
    )
    records, phases, observed = [], {}, {}
    if "small" in args.datasets:
        from .datasets import load_flights

        task = load_flights(max_rows=SMALL_ROWS)[0]
        with measure() as step:
            records += benchmark(
                f"flights, {SMALL_ROWS:,} rows (str)", task.X[SMALL_COLUMNS],
                task.y, epochs=SMALL_EPOCHS, repeats=args.repeats,
                fit_repeats=SMALL_FIT_REPEATS, categories=observed,
            )  # fmt: skip
        phases["small"] = step.seconds
    if "flights" in args.datasets:
        from .datasets import load_flights

        task = load_flights(max_rows=flights_rows)[0]  # binary: late > 15 min
        log(f"Data flights: {task.note}")
        X = task.X
        with measure() as step:
            records += benchmark(
                "flights (str)", X, task.y, epochs=tuple(args.flights_epochs), repeats=args.repeats,
                fit_repeats=args.fit_repeats, categories=observed,
                also_transform=dtype_variants("flights", X),
            )  # fmt: skip
        phases["flights"] = step.seconds
    if "synthetic" in args.datasets:
        from .synthetic import make_synthetic

        with measure() as make:
            X, y = make_synthetic(rows, categories, task="binary", seed=0)
        log(f"Data synthetic: {rows:,} rows, categories {categories}, made in {make.seconds:.0f} s")
        with measure() as step:
            records += benchmark(
                "synthetic (str)", X, y, epochs=SYNTHETIC_EPOCHS, repeats=args.repeats,
                fit_repeats=args.synthetic_fit_repeats, categories=observed,
                also_transform=dtype_variants("synthetic", X),
            )  # fmt: skip
        phases["synthetic"] = step.seconds
        del X, y

    results = to_frame(records)
    log("\n## Results\n")
    log(markdown_table(results))
    log(
        "\nthroughput: rows/s for transform, rows x epochs/s for fit (the 'per epoch' row "
        "excludes the fixed cost). EmbeddingEncoder ÷ this: EmbeddingEncoder's throughput "
        "over this contender's (above 1: EmbeddingEncoder is faster). peak MB: highest "
        "RSS growth over the repeats; peak beyond output ÷ output: (peak - output size) / "
        "output size. final loss: the last epoch's training loss (Keras' running mean).\n"
    )
    log("\n".join(ratio_lines(results)))
    metadata = {
        "machine": machine, "quick": args.quick, "repeats": args.repeats,
        "fit_repeats": args.fit_repeats, "synthetic_fit_repeats": args.synthetic_fit_repeats,
        "synthetic_rows": rows, "synthetic_categories": categories, "batch_size": BATCH_SIZE,
        "observed_categories": observed, "phases_s": {k: round(v, 1) for k, v in phases.items()},
        "wall_s": round(time.perf_counter() - started, 1),  # up to writing the files
    }  # fmt: skip
    name = "speed_quick" if args.quick else "speed"
    if args.datasets != parse_args([]).datasets:
        name += "_" + "-".join(args.datasets)  # never overwrites the whole run's files
    if args.flights_epochs != list(FLIGHTS_EPOCHS) or args.fit_repeats != 3:
        name += f"_epochs{'-'.join(map(str, args.flights_epochs))}_repeats{args.fit_repeats}"
    paths = write_results(results, args.out_dir, name, metadata, plots=False)
    log("\nWrote " + ", ".join(str(p) for p in paths))
    for phase, seconds in phases.items():
        log(f"  {phase}: {seconds:.0f} s")
    log_end(started)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
