"""Beyond one machine: EmbeddingEncoder on Dask, against the in-memory fit and transform.

A generated table (Zipf-distributed categories, a binary target with
interactions, as ``benchmarks/synthetic.py``) is written as Parquet files of
1 million rows each; then:

- **fit**: ``fit`` of the Dask DataFrame read from those files, on a 2-worker
  ``LocalCluster``, against the in-memory fit of a pandas frame of the same rows
  (on the largest size given to ``--pandas-rows``). Per-epoch throughput is the
  difference of a 3-epoch and a 1-epoch fit (no early stopping), as rows x
  epochs per second; the client's peak resident memory is sampled during the
  whole fit (TensorFlow included). The fit with the defaults (early stopping)
  runs first, in a fresh client process, so that its peak is its own.
- **transform**: the whole table encoded and written back to Parquet by the
  cluster, against one process that reads, encodes and writes the same files in
  turn; rows per second, and each worker's peak resident memory.

    python -m benchmarks.scale                       # 20M rows (a quarter hour on 2 cores)
    python -m benchmarks.scale --rows 2000000 --pandas-rows 2000000   # a quick look

Needs the dask extra. Writes ``benchmarks/results/scale.csv``.
"""

import argparse
import gc
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ._measure import log, log_end, machine_info, measure, start_benchmark
from .default import RESULTS_DIR

FILE_ROWS = 1_000_000
CATEGORIES = (1_000_000, 100_000, 10_000, 100)
EPOCHS = (1, 3)


def write_table(folder, n_rows, categories=CATEGORIES, seed=0):
    """Parquet files of ``FILE_ROWS`` rows: Zipf categories and a binary target.

    Every category has a hidden 2-number vector; the target is whether an
    additive part plus the interaction of neighbouring columns, with noise, is
    above zero. Files already there (from the same arguments) are kept.
    """
    folder = Path(folder)
    stamp = folder / "table.json"
    spec = {"n_rows": n_rows, "categories": list(categories), "seed": seed}
    if stamp.exists() and json.loads(stamp.read_text()) == spec:
        return sorted(folder.glob("part-*.parquet"))
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("part-*.parquet"):
        old.unlink()
    rng = np.random.default_rng(seed)
    weights, hidden, labels = [], [], []
    for j, size in enumerate(categories):
        w = 1.0 / np.arange(1, size + 1)
        weights.append(np.cumsum(w / w.sum()))
        hidden.append(rng.normal(size=(size, 2)))
        labels.append(np.array([f"c{j}_{k}" for k in rng.permutation(size)], dtype=object))
    for start in range(0, n_rows, FILE_ROWS):
        n = min(FILE_ROWS, n_rows - start)
        part = np.random.default_rng([seed, start])
        codes = [np.minimum(np.searchsorted(c, part.random(n)), len(c) - 1) for c in weights]
        vectors = [h[c] for h, c in zip(hidden, codes)]
        signal = sum(v[:, 0] for v in vectors) + sum(
            a[:, 1] * b[:, 1] for a, b in zip(vectors, vectors[1:])
        )
        frame = pd.DataFrame({f"c{j}": lab[c] for j, (lab, c) in enumerate(zip(labels, codes))})
        frame["y"] = (signal + part.normal(size=n) > 0).astype(np.int8)
        frame.to_parquet(folder / f"part-{start // FILE_ROWS:04d}.parquet", index=False)
    stamp.write_text(json.dumps(spec))
    return sorted(folder.glob("part-*.parquet"))


def _encoder(epochs, n_iter_no_change):
    from skembed import EmbeddingEncoder

    return EmbeddingEncoder(epochs=epochs, n_iter_no_change=n_iter_no_change, random_state=0)


def _fit_record(kind, rows, epochs, measured, encoder):
    return {
        "step": "fit", "kind": kind, "rows": rows, "epochs": epochs,
        "seconds": measured.seconds, "client_peak_mb": measured.peak_rss / 2**20,
        "trained_epochs": len(encoder.history_["loss"]),
        "categories": int(sum(len(c) for c in encoder.categories_)),
    }  # fmt: skip


def fit_in_memory(files, epochs):
    """The pandas fit of the files' rows, read whole; returns records."""
    records = []
    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    X, y = frame.drop(columns="y"), frame["y"].to_numpy()
    del frame
    for i, n_epochs in enumerate([epochs[0], *epochs]):  # the first: untimed, as on Dask
        gc.collect()
        with measure() as measured:
            encoder = _encoder(n_epochs, None).fit(X, y)
        if i > 0:
            records.append(_fit_record("pandas", len(X), n_epochs, measured, encoder))
        log(f"pandas fit, {len(X):,} rows, {n_epochs} epochs: {measured.seconds:.1f} s, "
            f"peak {measured.peak_rss / 2**20:,.0f} MB")  # fmt: skip
    return records


def fit_on_dask(files, epochs):
    """Dask fits of the files' rows (one partition per file); returns records."""
    import dask.dataframe as dd

    records = []
    # A first, untimed 1-epoch fit builds and traces the network for these
    # tables, so that no timed fit pays for it.
    for i, n_epochs in enumerate([epochs[0], *epochs]):
        table = dd.read_parquet([str(f) for f in files])
        X, y = table[[c for c in table.columns if c != "y"]], table["y"]
        gc.collect()
        with measure() as measured:
            encoder = _encoder(n_epochs, None).fit(X, y)
        if i > 0:
            records.append(_fit_record("dask", len(files) * FILE_ROWS, n_epochs, measured,
                                       encoder))  # fmt: skip
        log(f"dask fit, {len(files)} files, {n_epochs} epochs: {measured.seconds:.1f} s, "
            f"client peak {measured.peak_rss / 2**20:,.0f} MB")  # fmt: skip
    return records


def fit_with_early_stopping(files, scheduler, saved):
    """A Dask fit with the defaults (early stopping, validation rows held in memory),
    from a fresh client process connected to the cluster: its peak resident memory is
    the fit's alone, not what earlier fits in this process left allocated. The
    fitted encoder is saved to ``saved``."""
    script = (
        "import json, sys; from benchmarks.scale import _fit_in_client; "
        f"print(json.dumps(_fit_in_client({[str(f) for f in files]!r}, {scheduler!r}, "
        f"{str(saved)!r})))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)  # fmt: skip
    record = json.loads(done.stdout.strip().splitlines()[-1])
    log(f"dask fit with early stopping, fresh client: {record['trained_epochs']} epochs, "
        f"{record['seconds']:.1f} s, client peak {record['client_peak_mb']:,.0f} MB")  # fmt: skip
    return record


def _fit_in_client(files, scheduler, saved):
    import dask.dataframe as dd
    from distributed import Client

    import skembed

    with Client(scheduler):
        table = dd.read_parquet(files)
        X, y = table[[c for c in table.columns if c != "y"]], table["y"]
        with measure() as measured:
            encoder = _encoder(100, 3).fit(X, y)
    skembed.save(encoder, saved)
    return _fit_record("dask, early stopping, fresh client", len(files) * FILE_ROWS, 100,
                       measured, encoder)  # fmt: skip


def _start_sampling(dask_worker):
    """On a worker: sample its own resident memory until ``_stop_sampling``.

    Self-contained (run by value on the workers): polls /proc/self/statm.
    """
    import os
    import threading

    page = os.sysconf("SC_PAGE_SIZE")

    def rss():
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * page

    done, peak = threading.Event(), [rss()]

    def poll():
        while not done.wait(0.01):
            peak[0] = max(peak[0], rss())

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    dask_worker.skembed_sampling = (done, thread, peak, rss)


def _stop_sampling(dask_worker):
    done, thread, peak, rss = dask_worker.skembed_sampling
    done.set()
    thread.join()
    return max(peak[0], rss())


def _worker_peaks_mb(client):
    """Each worker's peak resident memory since ``_start_sampling`` ran there.

    Not ``ru_maxrss``: worker processes forked from this one inherit its peak.
    """
    return sorted(v / 2**20 for v in client.run(_stop_sampling).values())


def transform_on_dask(encoder, files, out, client):
    import dask.dataframe as dd

    encoder.set_output(transform="pandas")
    table = dd.read_parquet([str(f) for f in files])
    X = table[[c for c in table.columns if c != "y"]]
    client.run(_start_sampling)
    start = time.perf_counter()
    encoder.transform(X).to_parquet(out, write_index=False)
    seconds = time.perf_counter() - start
    peaks = _worker_peaks_mb(client)
    log(f"dask transform to Parquet: {seconds:.1f} s, worker peaks {peaks} MB")
    return {"step": "transform", "kind": "dask", "rows": len(files) * FILE_ROWS,
            "seconds": seconds, "worker_peak_mb": max(peaks),
            "worker_peaks_mb": " / ".join(f"{p:.0f}" for p in peaks)}  # fmt: skip


def transform_in_one_process(encoder, files, out):
    encoder.set_output(transform="pandas")
    out.mkdir(parents=True, exist_ok=True)
    rows = 0
    with measure() as measured:
        for i, f in enumerate(files):
            X = pd.read_parquet(f).drop(columns="y")
            encoder.transform(X).to_parquet(out / f"part-{i:04d}.parquet", index=False)
            rows += len(X)
    log(f"pandas transform to Parquet, one process: {measured.seconds:.1f} s")
    return {"step": "transform", "kind": "pandas, one process", "rows": rows,
            "seconds": measured.seconds, "client_peak_mb": measured.peak_rss / 2**20}  # fmt: skip


def per_epoch(records, kind, rows):
    """Rows x epochs per second of the epochs alone: the 3-epoch fit less the 1-epoch one."""
    fits = {r["epochs"]: r for r in records
            if r["step"] == "fit" and r["kind"] == kind and r["rows"] == rows}  # fmt: skip
    (low, a), (high, b) = sorted(fits.items())
    return a["rows"] * (high - low) / (b["seconds"] - a["seconds"])


def main(argv=None):
    started = time.perf_counter()
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--pandas-rows", type=int, default=5_000_000,
                        help="rows of the in-memory fit (default 5M)")  # fmt: skip
    parser.add_argument("--data-dir", type=Path,
                        default=Path(tempfile.gettempdir()) / "skembed-scale")  # fmt: skip
    parser.add_argument("--out-dir", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    start_benchmark("skembed scale benchmark (Dask)")
    from distributed import Client, LocalCluster

    files = write_table(args.data_dir / "table", args.rows)
    log(f"{len(files)} Parquet files of {FILE_ROWS:,} rows in {args.data_dir / 'table'}")
    pandas_files = files[: max(1, args.pandas_rows // FILE_ROWS)]
    records = []
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:  # fmt: skip
        # The Dask fits first, so that the client's peak is not the pandas fit's.
        saved = args.data_dir / "encoder.skembed"
        records.append(fit_with_early_stopping(files, cluster.scheduler_address, saved))
        records += fit_on_dask(pandas_files, EPOCHS)
        records += fit_on_dask(files, EPOCHS)
        records += fit_in_memory(pandas_files, EPOCHS)
    import skembed

    encoder = skembed.load(saved)
    out = args.data_dir / "encoded"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:  # fmt: skip
        records.append(transform_on_dask(encoder, files, out / "dask", client))
    records.append(transform_in_one_process(encoder, files, out / "pandas"))

    results = pd.DataFrame.from_records(records)
    few, every = len(pandas_files) * FILE_ROWS, len(files) * FILE_ROWS
    rates = {
        "pandas": per_epoch(records, "pandas", few),
        "dask": per_epoch(records, "dask", few),
        "dask, all rows": per_epoch(records, "dask", every),
    }
    log("\n" + results.to_string(index=False))
    for kind, rate in rates.items():
        log(f"per-epoch throughput, {kind}: {rate:,.0f} rows x epochs / s")
    log(f"dask / pandas per epoch, same rows: {rates['dask'] / rates['pandas']:.2f}")
    transforms = results[results["step"] == "transform"].set_index("kind")
    speeds = transforms["rows"] / transforms["seconds"]
    log(f"transform to Parquet, rows / s: {speeds.to_dict()}")
    results.attrs = {}
    args.out_dir.mkdir(parents=True, exist_ok=True)
    name = "scale" if args.rows == 20_000_000 else f"scale_{args.rows}"
    results.to_csv(args.out_dir / f"{name}.csv", index=False)
    (args.out_dir / f"{name}.json").write_text(json.dumps({
        "machine": machine_info(), "run": name, "wall_s": round(time.perf_counter() - started, 1),
        "per_epoch_rows_per_s": rates, "transform_rows_per_s": speeds.to_dict(),
    }, indent=1) + "\n")  # fmt: skip
    log(f"\nWrote {args.out_dir / f'{name}.csv'}")
    log_end(started)
    return results


if __name__ == "__main__":
    sys.exit(main() is None)
