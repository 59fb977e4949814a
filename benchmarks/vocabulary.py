"""Very large vocabularies: one column of up to 5 million distinct categories.

Each category is on ``--repeats`` rows (shuffled), the binary target depends on
a hidden per-category effect, and EmbeddingEncoder gives every category a
vector of its own (``min_frequency=None``) in one epoch. For each size it
reports the fit's and the transform's time and the growth of the process's
resident memory during each, per category: costs that grow linearly with the
number of categories give flat per-category columns. Not part of ``make bench``.

    python -m benchmarks.vocabulary                   # 50k, 500k and 5M categories
    python -m benchmarks.vocabulary --sizes 10000 100000
"""

import argparse
import gc
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ._measure import log, log_end, measure, start_benchmark, trim_heap
from .default import RESULTS_DIR

SIZES = [50_000, 500_000, 5_000_000]


def make_column(n_categories, repeats, seed=0):
    """A frame of one string column, each of ``n_categories`` values on ``repeats`` rows."""
    rng = np.random.default_rng(seed)
    codes = rng.permutation(np.repeat(np.arange(n_categories), repeats))
    names = np.char.add("c", np.arange(n_categories).astype(str)).astype(object)
    effect = rng.normal(size=n_categories)
    y = (effect[codes] + rng.normal(size=len(codes)) > 0).astype(int)
    return pd.DataFrame({"id": names[codes]}), y


def measure_size(n_categories, repeats, seed=0):
    """Time and memory of one fit and one transform at one size: a dict."""
    from skembed import EmbeddingEncoder

    X, y = make_column(n_categories, repeats, seed)
    encoder = EmbeddingEncoder(
        min_frequency=None, epochs=1, n_iter_no_change=None, random_state=seed
    )
    gc.collect()
    trim_heap()
    with measure() as fit:
        encoder.fit(X, y)
    gc.collect()
    trim_heap()
    with measure() as transform:
        out = encoder.transform(X)
    tables = sum(t.nbytes for t in encoder.embeddings_)
    return {
        "categories": n_categories, "rows": len(X), "dims": encoder.dims_[0],
        "fit_s": fit.seconds, "fit_peak_bytes": fit.peak_bytes,
        "transform_s": transform.seconds, "transform_peak_bytes": transform.peak_bytes,
        "table_bytes": tables, "output_bytes": out.nbytes,
        "input_bytes": int(X.memory_usage(deep=True).sum()),
    }  # fmt: skip


def markdown_table(results):
    lines = [
        "| categories | rows | fit s | fit peak MB | transform s | transform peak MB "
        "| fit µs / category | fit peak bytes / category | table bytes / category |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results.itertuples(index=False):
        lines.append(
            f"| {r.categories:,} | {r.rows:,} | {r.fit_s:.1f} | {r.fit_peak_bytes / 2**20:.0f} "
            f"| {r.transform_s:.2f} | {r.transform_peak_bytes / 2**20:.0f} "
            f"| {1e6 * r.fit_s / r.categories:.1f} | {r.fit_peak_bytes / r.categories:.0f} "
            f"| {r.table_bytes / r.categories:.0f} |"
        )
    return "\n".join(lines)


def main(argv=None):
    started = time.perf_counter()
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.vocabulary",
        description="Fit and transform of one column of up to 5M distinct categories.",
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=SIZES)
    parser.add_argument("--repeats", type=int, default=2, help="rows per category (default 2)")
    parser.add_argument("--out-dir", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    start_benchmark("skembed vocabulary benchmark")
    records = []
    for size in sorted(args.sizes):
        records.append(measure_size(size, args.repeats))
        log(f"{size:,} categories: {records[-1]}")
    results = pd.DataFrame.from_records(records)
    log("\n" + markdown_table(results))
    log(
        "\nfit: one epoch, every category its own vector (min_frequency=None); peak MB: "
        "growth of the process's resident memory during the step (TensorFlow included; "
        "memory freed earlier and reused is not counted); the input frame and the output "
        "are not part of the fit's peak."
    )
    name = "vocabulary" if args.sizes == SIZES else "vocabulary_" + "-".join(map(str, args.sizes))
    args.out_dir.mkdir(parents=True, exist_ok=True)
    results.to_csv(args.out_dir / f"{name}.csv", index=False)
    log(f"\nWrote {args.out_dir / f'{name}.csv'}")
    log_end(started)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
