"""What many fits cost: a grid search over a Pipeline, and memory over repeated fits.

A grid search refits its encoder once per fold and candidate, which is where
a fit's fixed cost (building and tracing a network) shows. Here:

- ``GridSearchCV`` (5 folds, 4 candidates of the logistic regression's ``C``)
  over ``Pipeline(encoder, StandardScaler, LogisticRegression)`` on 15,000
  flights, for EmbeddingEncoder, TargetEncoder and OneHotEncoder, with
  ``n_jobs=1`` and ``n_jobs=2`` (joblib's worker processes, each of which
  imports TensorFlow and builds its own networks); and EmbeddingEncoder with
  4 candidates of ``dims``, which are 4 network structures. Wall time and the
  best cross-validated AUC; the time includes the refit on all rows.
- The resident memory (RSS) of this process over 50 EmbeddingEncoder fits on
  the same 15,000 flights, alternating two structures: its growth from the
  5th fit to the 50th shows whether fits leak.

    python -m benchmarks.search            # about 4 minutes on 2 cores
    python -m benchmarks.search --quick    # smoke run: 1,500 rows, 6 fits
"""

import argparse
import sys
import time
from pathlib import Path

import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler, TargetEncoder

from skembed import EmbeddingEncoder

from ._measure import current_rss, log, log_end, measure, start_benchmark
from .default import RESULTS_DIR, write_results

ROWS = 15_000
QUICK_ROWS = 1_500
FOLDS = 5
C_GRID = [0.01, 0.1, 1.0, 10.0]
DIMS_GRID = [2, 4, 8, 16]
MEMORY_FITS = 50
QUICK_MEMORY_FITS = 6

COLUMNS = [
    "benchmark", "encoder", "grid", "n_jobs", "fits", "seconds", "best_auc", "fit_number",
    "rss_mb", "note",
]  # fmt: skip

ENCODERS = {
    "EmbeddingEncoder": lambda: EmbeddingEncoder(random_state=0),
    "TargetEncoder": lambda: TargetEncoder(random_state=0),  # its folds shuffle
    "OneHotEncoder": lambda: OneHotEncoder(handle_unknown="ignore"),
}


def search(X, y, encoder, grid, n_jobs):
    """Time one grid search; returns (seconds, best cross-validated AUC, fits)."""
    pipeline = make_pipeline(
        ENCODERS[encoder](), StandardScaler(with_mean=encoder != "OneHotEncoder"),
        LogisticRegression(max_iter=1000),
    )  # fmt: skip
    cv = StratifiedKFold(FOLDS, shuffle=True, random_state=0)
    searcher = GridSearchCV(pipeline, grid, cv=cv, scoring="roc_auc", n_jobs=n_jobs)
    with measure() as m:
        searcher.fit(X, y)
    candidates = len(next(iter(grid.values())))
    return m.seconds, searcher.best_score_, FOLDS * candidates + 1


def searches(X, y):
    c_grid = {"logisticregression__C": C_GRID}
    dims_grid = {"embeddingencoder__dims": DIMS_GRID}
    runs = [(name, c_grid) for name in ENCODERS] + [("EmbeddingEncoder", dims_grid)]
    records = []
    for n_jobs in (1, 2):
        for encoder, grid in runs:
            seconds, best, fits = search(X, y, encoder, grid, n_jobs)
            (parameter, values), = grid.items()
            label = f"{parameter.split('__')[1]} in {values}"
            log(f"  {encoder}, {label}, n_jobs={n_jobs}: {seconds:.1f} s, best AUC {best:.4f}")
            records.append(
                {
                    "benchmark": "grid search", "encoder": encoder, "grid": label,
                    "n_jobs": n_jobs, "fits": fits, "seconds": seconds, "best_auc": best,
                }
            )  # fmt: skip
    return records


def memory_over_fits(X, y, n_fits):
    """RSS after each of ``n_fits`` fits, alternating two network structures."""
    records = []
    for i in range(n_fits):
        EmbeddingEncoder(dims=4 if i % 2 else 8, epochs=3, random_state=i).fit(X, y)
        records.append(
            {
                "benchmark": "memory over fits", "encoder": "EmbeddingEncoder",
                "fit_number": i + 1, "rss_mb": current_rss() / 2**20,
                "note": "dims alternating 8 and 4, 3 epochs, random_state = fit number - 1",
            }
        )  # fmt: skip
    first, last = records[min(4, n_fits - 1)], records[-1]
    log(
        f"  RSS after fit {first['fit_number']}: {first['rss_mb']:.0f} MB; after fit "
        f"{last['fit_number']}: {last['rss_mb']:.0f} MB"
    )
    return records


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.search", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke run on small data")
    parser.add_argument("--out-dir", type=Path, default=RESULTS_DIR)
    return parser.parse_args(argv)


def main(argv=None):
    started = time.perf_counter()
    args = parse_args(argv)
    rows = QUICK_ROWS if args.quick else ROWS
    machine, import_s = start_benchmark("skembed grid-search and repeated-fit benchmark")
    from .datasets import load_flights

    task = load_flights(max_rows=rows)[0]  # binary: late > 15 min
    X, y = task.X, task.y
    log(f"Data flights: {task.note}; columns {list(X.columns)}")
    EmbeddingEncoder(random_state=0).fit(X, y)  # untimed: TensorFlow's start-up
    log(f"Grid searches: {FOLDS} folds, 4 candidates, refit on all rows")
    records = searches(X, y)
    log(f"Memory over {QUICK_MEMORY_FITS if args.quick else MEMORY_FITS} fits")
    records += memory_over_fits(X, y, QUICK_MEMORY_FITS if args.quick else MEMORY_FITS)
    results = pd.DataFrame.from_records(records, columns=COLUMNS)
    metadata = {
        "machine": machine, "rows": rows, "quick": args.quick,
        "wall_s": round(time.perf_counter() - started, 1),
    }  # fmt: skip
    name = "search_quick" if args.quick else "search"
    paths = write_results(results, args.out_dir, name, metadata, plots=False)
    log("\nWrote " + ", ".join(str(p) for p in paths))
    log_end(started)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
