"""The scaling benchmark: how an encoder's costs grow with the number of categories.

Synthetic data (:func:`benchmarks.synthetic.make_synthetic`) at a fixed row count,
with 10 to 1M categories per column. At each size the rows are split 80/20
(seeded), each encoder is fitted on the training rows only (as in the default
benchmark: ``fit_transform`` on train, then ``transform`` of train + test), and
its output feeds one downstream linear model, which takes both the sparse
one-hot and the dense encodings: Ridge for regression, LogisticRegression for
binary (dense outputs standardized first). Prints a Markdown table and writes
``benchmarks/results/scaling.csv`` and ``scaling.png``. Not part of ``make bench``.

    python -m benchmarks.scaling                      # 200k rows, 10 .. 1M categories
    python -m benchmarks.scaling --max-categories 10000 --rows 50000
"""

import argparse
import gc
import json
import sys
import time
from pathlib import Path

import pandas as pd

from ._measure import current_rss, log, log_end, measure, start_benchmark
from ._registry import ENCODERS, MODELS
from .datasets import Task, split
from .default import DENSE_LIMIT_BYTES, MODEL_MAX_ROWS, RESULTS_DIR, encode, evaluate
from .synthetic import make_synthetic

SIZES = [10, 100, 1_000, 10_000, 100_000, 1_000_000]
DEFAULT_ENCODERS = ["OneHotEncoder", "EmbeddingEncoder", "TargetEncoder"]
#: The one downstream model: linear accepts sparse and dense input alike.
MODEL = "linear"

COLUMNS = [
    "task", "metric", "seed", "n_rows", "n_train", "n_test", "n_columns", "n_categories",
    "observed_categories", "unseen_test_share", "encoder", "model", "status", "score",
    "encoder_fit_s", "encoder_transform_s", "width", "encoded_bytes", "encoder_peak_bytes",
    "epochs", "model_fit_s", "model_predict_s", "model_peak_bytes", "step_peak_bytes", "data_s",
    "note",
]  # fmt: skip


def _data(n_rows, size, n_columns, task, seed):
    """One size's task and its seeded split."""
    X, y = make_synthetic(n_rows, size, n_columns=n_columns, task=task, seed=seed)
    data = Task("synthetic", task, X, y, f"{n_rows} rows, {size} categories per column")
    return data, split(data, seed)


def _observed(X_train, X_test):
    """Distinct training values summed over columns, and the share of unseen test values."""
    observed, unseen = 0, 0
    for name in X_train.columns:
        seen = pd.unique(X_train[name])
        observed += len(seen)
        unseen += int((~X_test[name].isin(seen)).sum())
    return observed, unseen / X_test.size


def run(sizes, *, n_rows, n_columns=4, task="regression", seed=0, encoders=None):
    """One row per (size, encoder); an encoder that fails is recorded, not lost."""
    encoders = encoders or {name: ENCODERS[name] for name in DEFAULT_ENCODERS}
    records = []
    for size in sizes:
        with measure() as making:
            data, (X_train, X_test, y_train, y_test) = _data(n_rows, size, n_columns, task, seed)
        observed, unseen = _observed(X_train, X_test)
        base = {
            "task": task, "metric": data.metric, "seed": seed, "n_rows": n_rows,
            "n_train": len(y_train), "n_test": len(y_test), "n_columns": n_columns,
            "n_categories": size, "observed_categories": observed,
            "unseen_test_share": unseen, "model": MODEL, "data_s": making.seconds,
        }  # fmt: skip
        label = f"[{size} categories]"
        log(
            f"{label} data made in {making.seconds:.1f} s: {observed} distinct training "
            f"values over {n_columns} columns, {unseen:.1%} of test values unseen"
        )
        for name, spec in encoders.items():
            record = {**base, "encoder": name}
            try:
                encoded = encode(spec, seed, data.target_type, X_train, y_train, X_test)
                record.update(encoded.columns())
                record.update(
                    evaluate(data, MODELS[MODEL], seed, encoded, None, y_train, y_test,
                             model_max_rows=MODEL_MAX_ROWS, dense_limit_bytes=DENSE_LIMIT_BYTES)
                )  # fmt: skip
            except Exception as error:  # recorded in the table, not lost
                record.update(status="failed", note=f"{type(error).__name__}: {error}"[:300])
            encoded = None
            gc.collect()
            records.append(record)
            log(f"{label} {name}: {_outcome(record)}; process RSS {current_rss() / 2**20:.0f} MB")
    return pd.DataFrame.from_records(records, columns=COLUMNS)


def _outcome(record):
    if record["status"] != "ok":
        return f"{record['status']}: {record['note']}"
    epochs = f", {record['epochs']} epochs" if record["epochs"] else ""
    return (
        f"fit {record['encoder_fit_s']:.2f} s, transform {record['encoder_transform_s']:.2f} s, "
        f"width {record['width']}, output {record['encoded_bytes'] / 2**20:.1f} MB, peak "
        f"{record['encoder_peak_bytes'] / 2**20:.0f} MB{epochs}, {record['metric']} "
        f"{record['score']:.4f} (model fit {record['model_fit_s']:.1f} s)"
    )


def markdown_table(results):
    header = [
        "categories", "observed (train, all columns)", "unseen test", "encoder", "test score",
        "fit s", "transform s", "width", "output MB", "peak MB", "epochs", "note",
    ]  # fmt: skip
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in results.itertuples(index=False):
        metric = "AUC" if row.metric == "roc_auc" else "RMSE"
        ok = row.status == "ok"
        cells = [
            f"{row.n_categories:,}", f"{row.observed_categories:,}",
            f"{row.unseen_test_share:.1%}", row.encoder,
            f"{metric} {row.score:.4f}" if ok else "—",
            f"{row.encoder_fit_s:.2f}" if ok else "",
            f"{row.encoder_transform_s:.3f}" if ok else "",
            f"{row.width:.0f}" if ok else "", f"{row.encoded_bytes / 2**20:.1f}" if ok else "",
            f"{row.encoder_peak_bytes / 2**20:.0f}" if ok else "",
            f"{row.epochs:.0f}" if ok and pd.notna(row.epochs) else "",
            row.note if ok else f"{row.status}: {row.note}",
        ]  # fmt: skip
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def write_results(results, out_dir, metadata=None, plots=True):
    """The CSV, a JSON of the run's metadata and, if asked, the PNG; their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "scaling.csv", out_dir / "scaling.json"]
    results.to_csv(paths[0], index=False)
    paths[1].write_text(json.dumps(metadata or {}, indent=1) + "\n")
    if plots:
        from ._plots import plot_scaling

        paths.append(out_dir / "scaling.png")
        plot_scaling(results, paths[2])
    return paths


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.scaling",
        description="Fit/transform time, output size, peak memory and test score of "
        "categorical encoders as the number of categories grows (synthetic data).",
    )
    parser.add_argument("--rows", type=int, default=200_000, help="rows (default 200000)")
    parser.add_argument("--sizes", type=int, nargs="+", default=SIZES,
                        help="categories per column (default 10 100 ... 1000000)")  # fmt: skip
    parser.add_argument("--max-categories", type=int, help="drop the sizes above this")
    parser.add_argument("--columns", type=int, default=4, help="categorical columns (default 4)")
    parser.add_argument("--task", choices=["regression", "binary"], default="regression")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--encoders", nargs="+", choices=list(ENCODERS), default=DEFAULT_ENCODERS)
    parser.add_argument("--out-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--no-plots", action="store_true")
    return parser.parse_args(argv)


def main(argv=None):
    started = time.perf_counter()
    args = parse_args(argv)
    sizes = sorted(s for s in args.sizes if args.max_categories is None or s <= args.max_categories)

    machine, import_s = start_benchmark("skembed scaling benchmark")
    model = "Ridge" if args.task == "regression" else "LogisticRegression"
    log(
        f"Synthetic {args.task}: {args.rows} rows, {args.columns} columns, categories per "
        f"column {sizes}, seed {args.seed}; 80/20 split; encoders {args.encoders}, default "
        f"parameters, fitted on the training rows; downstream model {model} (dense outputs "
        "standardized first).\n"
    )

    encoders = {name: ENCODERS[name] for name in args.encoders}
    results = run(sizes, n_rows=args.rows, n_columns=args.columns, task=args.task,
                  seed=args.seed, encoders=encoders)  # fmt: skip

    log("\n## Results\n")
    log(markdown_table(results))
    log(
        "\ncategories: per column, as generated (Zipf frequencies, so fewer are observed); "
        "observed: distinct values in the training rows, summed over the columns; unseen "
        "test: share of test values absent from the training rows. fit s: fit_transform on "
        "the training rows; transform s: transform of train + test rows; output MB: train + "
        "test output (sparse storage for one-hot); peak MB: growth of the process RSS during "
        "fit + transform (TensorFlow included; memory freed earlier and reused is not "
        f"counted). Test score: {model}, RMSE (lower is better) or ROC AUC."
    )
    metadata = {
        "machine": machine, "rows": args.rows, "columns": args.columns, "task": args.task,
        "seed": args.seed, "sizes": sizes, "encoders": args.encoders,
        "wall_s": round(time.perf_counter() - started, 1),  # up to writing the files
    }  # fmt: skip
    paths = write_results(results, args.out_dir, metadata, plots=not args.no_plots)
    log("\nWrote " + ", ".join(str(p) for p in paths))
    log("\n## Where the time went\n")
    log(f"  start-up (imports, TensorFlow warm-up): {import_s:.1f} s")
    log(f"  making data: {results.drop_duplicates('n_categories')['data_s'].sum():.1f} s")
    steps = results["encoder_fit_s"] + results["encoder_transform_s"]
    for name, seconds in steps.groupby(results["encoder"], sort=False).sum().items():
        log(f"  encoder {name} (fit + transform, all sizes): {seconds:.1f} s")
    model_s = (results["model_fit_s"] + results["model_predict_s"]).sum()
    log(f"  model {model} (fit + predict, all encoders and sizes): {model_s:.1f} s")
    log_end(started)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
