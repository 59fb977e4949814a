"""Fits without a target: pretrain on every row, then fine-tune on few labels.

Rows, splits and downstream models are those of :mod:`benchmarks.default`.
For each data set and seed, one encoder is fitted without y on all the
training rows (``fit(X_train)``). Then, for each number of labels (1,000,
5,000, 20,000 and all the training rows), a seeded random subset of the
training rows keeps its target, and three encodings of it are compared:

- ``supervised``: ``EmbeddingEncoder`` fitted on the labelled rows alone;
- ``pretrained``: the vectors learned without y, as they are;
- ``fine-tuned``: the pretrained encoder, ``warm_start=True``, fitted on the
  labelled rows.

Each feeds the linear, HistGradientBoosting and KNN models, fitted on the
labelled rows (KNN on at most 20,000) and scored on the test rows. Both
flights tasks share their columns, so one pretrained encoder serves both.

    python -m benchmarks.pretrain             # 1 seed (about 15 minutes on 2 cores)
    python -m benchmarks.pretrain --seeds 3
    python -m benchmarks.pretrain --quick     # tiny smoke run
"""

import argparse
import copy
import sys
import time

import numpy as np
import pandas as pd
from skembed import EmbeddingEncoder

from ._measure import log, log_end, measure, start_benchmark
from ._registry import MODELS, build_model
from .datasets import LOADERS, split
from .default import MODEL_MAX_ROWS, QUICK_ROWS, RESULTS_DIR, score, write_results

LABELS = [1_000, 5_000, 20_000, None]  # None: every training row
ENCODINGS = ["supervised", "pretrained", "fine-tuned"]


def labelled_rows(n_train, n_labels, seed):
    """Which training rows keep their target: a seeded random ``n_labels`` of them."""
    if n_labels is None or n_labels >= n_train:
        return np.arange(n_train)
    return np.sort(np.random.default_rng(seed).choice(n_train, n_labels, replace=False))


def encodings(pretrained, X_labelled, y_labelled, seed, params):
    """Each encoding's fitted encoder and fit seconds, for one set of labelled rows."""
    with measure() as supervised_fit:
        supervised = EmbeddingEncoder(random_state=seed, **params).fit(X_labelled, y_labelled)
    # A copy: the pretrained encoder serves every number of labels.
    fine_tuned = copy.deepcopy(pretrained).set_params(warm_start=True)
    with measure() as fine_tune:
        fine_tuned.fit(X_labelled, y_labelled)
    return {
        "supervised": (supervised, supervised_fit.seconds),
        "pretrained": (pretrained, 0.0),
        "fine-tuned": (fine_tuned, fine_tune.seconds),
    }


def run(loaders, seeds, labels=LABELS, max_rows=None, model_max_rows=MODEL_MAX_ROWS,
        params=None):  # fmt: skip
    """One row per (task, seed, labels, encoding, model); ``params`` go to every
    EmbeddingEncoder."""
    params = params or {}
    records = []
    for dataset, load in loaders.items():
        tasks = load(max_rows=max_rows)
        for seed in seeds:
            # Every task of a data set has the same columns and split rows.
            X_train, X_test, _, _ = split(tasks[0], seed)
            log(f"[{dataset} seed {seed}] pretraining on {len(X_train)} rows without y ...")
            with measure() as pretraining:
                pretrained = EmbeddingEncoder(random_state=seed, **params).fit(X_train)
            base_record = {
                "dataset": dataset, "seed": seed, "n_train": len(X_train),
                "pretrain_s": pretraining.seconds,
                "pretrain_epochs": len(pretrained.history_["loss"]),
            }  # fmt: skip
            for task in tasks:
                _, _, y_train, y_test = split(task, seed)
                # 20,000 labels and all of them are one point on a smaller table.
                for n_labels in dict.fromkeys(
                    len(y_train) if n is None else min(n, len(y_train)) for n in labels
                ):
                    rows = labelled_rows(len(y_train), n_labels, seed)
                    X_labelled, y_labelled = X_train.iloc[rows], y_train[rows]
                    log(f"[{dataset}/{task.name} seed {seed}] {len(rows)} labels ...")
                    fitted = encodings(pretrained, X_labelled, y_labelled, seed, params)
                    for encoding, (encoder, fit_s) in fitted.items():
                        train, test = encoder.transform(X_labelled), encoder.transform(X_test)
                        for model_name, model_spec in MODELS.items():
                            fit_rows = labelled_rows(
                                len(rows), model_max_rows if model_spec.subsample else None, seed
                            )
                            model = build_model(model_spec, task.name, seed, dense_input=True)
                            model.fit(train[fit_rows], y_labelled[fit_rows])
                            records.append({
                                **base_record, "task": task.name, "metric": task.metric,
                                "n_labels": len(rows), "encoding": encoding,
                                "model": model_name,
                                "score": score(task.metric, model, test, y_test),
                                "encoder_fit_s": fit_s,
                                "epochs": len(encoder.history_.get("loss", [])),
                            })  # fmt: skip
    return pd.DataFrame(records)


def curve_table(results):
    """Markdown: per task and model, the median score of each encoding by labels."""
    summary = results.groupby(
        ["dataset", "task", "metric", "model", "n_labels", "encoding"], sort=False
    )["score"].median().unstack("encoding")[ENCODINGS]
    lines = [
        "| data set / task | model | labels | " + " | ".join(ENCODINGS) + " |",
        "|" + "---|" * (3 + len(ENCODINGS)),
    ]
    for (dataset, task, metric, model, n_labels), row in summary.iterrows():
        name = f"{dataset} / {task} ({'AUC' if metric == 'roc_auc' else 'RMSE'})"
        cells = " | ".join(f"{row[e]:.4f}" for e in ENCODINGS)
        lines.append(f"| {name} | {model} | {n_labels:,} | {cells} |")
    return "\n".join(lines)


def fine_tune_wins(results):
    """Per (task, model, labels): whether fine-tuning scores at least as well as
    the supervised fit alone (medians over seeds; higher AUC, lower RMSE)."""
    summary = results.groupby(
        ["dataset", "task", "metric", "model", "n_labels", "encoding"], sort=False
    )["score"].median().unstack("encoding").reset_index()
    sign = np.where(summary["metric"] == "roc_auc", 1, -1)
    summary["wins"] = sign * (summary["fine-tuned"] - summary["supervised"]) >= 0
    return summary


def main(argv=None):
    started = time.perf_counter()
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.pretrain",
        description="Pretraining without y, then fine-tuning on 1,000 to all labels.",
    )
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--datasets", nargs="+", choices=["flights", "hotel_rates"],
                        default=["flights", "hotel_rates"])  # fmt: skip
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_ROWS} rows per data set, 500 labels, all")  # fmt: skip
    parser.add_argument("--out-dir", default=RESULTS_DIR)
    args = parser.parse_args(argv)
    machine, import_s = start_benchmark("skembed pretraining benchmark")
    max_rows, labels = (QUICK_ROWS, [500, None]) if args.quick else (None, LABELS)
    results = run({d: LOADERS[d] for d in args.datasets}, range(args.seeds), labels, max_rows)
    log("\n## Test scores by labelled rows (median over seeds)\n")
    log(curve_table(results))
    name = "pretrain" + ("_quick" if args.quick else "")
    if args.seeds != 1:
        name += f"_{args.seeds}seeds"
    metadata = {
        "machine": machine, "run": name, "seeds": args.seeds, "max_rows": max_rows,
        "wall_s": round(time.perf_counter() - started, 1), "start_up_s": round(import_s, 1),
    }  # fmt: skip
    paths = write_results(results, args.out_dir, name, metadata, plots=False)
    log("\nWrote " + ", ".join(str(p) for p in paths))
    log_end(started)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
