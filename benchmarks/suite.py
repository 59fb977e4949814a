"""The development suite: every encoder on every real table of :mod:`benchmarks.tables`.

For each table the rows are split 80/20 (seed 0). The high-cardinality columns
go to the encoder under comparison; low-cardinality columns are one-hot and
numeric columns imputed (median) and standardized for every encoder alike.
Each encoder's output, beside those columns, feeds the three models of the
default benchmark (linear, HistGradientBoosting, KNN with 25 neighbours).

The figure of merit is per (table, model) cell: is EmbeddingEncoder at least
the best of OneHotEncoder, TargetEncoder and (for trees) OrdinalEncoder, and
if not, by how much it falls short (AUC points, or RMSE relative to the best).

``--validation`` scores on a fifth of the training rows instead, never
touching the test rows: the split on which defaults are chosen. The other
encoders' results are cached per split (``suite_peers*.csv``), so a run that
only tries EmbeddingEncoder parameters (``--embedding-params``) refits only
it. Run ``python -m benchmarks.suite --help``.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.impute import SimpleImputer
from sklearn.metrics import roc_auc_score, root_mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ._measure import log, log_end, start_benchmark
from ._registry import ENCODERS, HGB_MAX_CATEGORIES, KNN_NEIGHBORS
from .default import params_label
from .tables import LOADERS, MAX_ROWS, load

RESULTS_DIR = Path(__file__).parent / "results" / "suite"
#: The encoder every cell is about, and the ones it is compared with.
CANDIDATE = "EmbeddingEncoder"
PEERS = ["OneHotEncoder", "TargetEncoder", "OrdinalEncoder"]
MODEL_NAMES = ["linear", "hgb", "knn"]
#: KNN is fitted on at most this many training rows (its prediction is quadratic).
KNN_MAX_ROWS = 20_000
#: HistGradientBoosting needs dense input: one-hot wider than this is not run.
DENSE_LIMIT_BYTES = 2**30


def split(table, seed=0, validation=False):
    """Row indices (fit, score): 80/20, and with ``validation`` the 80 split 80/20 again."""
    stratify = None if table.task == "regression" else table.y
    fit, score = train_test_split(
        np.arange(len(table.y)), test_size=0.2, random_state=seed, stratify=stratify
    )
    if validation:
        stratify = None if stratify is None else table.y[fit]
        fit, score = train_test_split(fit, test_size=0.2, random_state=seed, stratify=stratify)
    return np.sort(fit), np.sort(score)


def _shared_columns(table, fit, score):
    """The low-cardinality (one-hot) and numeric (imputed, scaled) columns, as every encoder gets them."""
    parts_fit, parts_score = [], []
    if table.low:
        onehot = OneHotEncoder(handle_unknown="ignore").fit(table.frame.iloc[fit][table.low])
        parts_fit.append(onehot.transform(table.frame.iloc[fit][table.low]))
        parts_score.append(onehot.transform(table.frame.iloc[score][table.low]))
    if table.numeric:
        numbers = table.frame[table.numeric].astype(float)
        scaler = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
        parts_fit.append(sp.csr_matrix(scaler.fit_transform(numbers.iloc[fit])))
        parts_score.append(sp.csr_matrix(scaler.transform(numbers.iloc[score])))
    return parts_fit, parts_score


def _encoder(name, seed, target_type, params):
    if name == CANDIDATE:
        from skembed import EmbeddingEncoder

        return EmbeddingEncoder(random_state=seed, **params)
    return ENCODERS[name].make(seed, target_type)


def _model(model, task, seed, categorical):
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

    classify = task != "regression"
    if model == "linear":
        return LogisticRegression(max_iter=1000) if classify else Ridge()
    if model == "hgb":
        kind = HistGradientBoostingClassifier if classify else HistGradientBoostingRegressor
        return kind(random_state=seed, categorical_features=categorical)
    kind = KNeighborsClassifier if classify else KNeighborsRegressor
    return kind(n_neighbors=KNN_NEIGHBORS)


def _score(table, model, X, y):
    if table.task == "regression":
        return root_mean_squared_error(y, model.predict(X))
    proba = model.predict_proba(X)
    if table.task == "binary":
        return roc_auc_score(y, proba[:, 1])
    return roc_auc_score(y, proba, multi_class="ovr", average="weighted", labels=model.classes_)


def run_encoder(table, name, seed, params, fit, score, shared):
    """One encoder on one table: a result row per model."""
    high = table.frame[table.high]
    encoder = _encoder(name, seed, table.target_type, params)
    started = time.perf_counter()
    encoded_fit = encoder.fit_transform(high.iloc[fit], table.y[fit])
    encoder_fit_s = time.perf_counter() - started
    encoded_score = encoder.transform(high.iloc[score])
    dense = not sp.issparse(encoded_fit)
    rows = []
    for model in MODEL_NAMES:
        row = {"table": table.name, "task": table.task, "model": model, "encoder": name,
               "seed": seed, "encoder_fit_s": encoder_fit_s, "status": "ok", "note": ""}  # fmt: skip
        rows.append(row)
        if name == "OrdinalEncoder" and model != "hgb":
            row.update(status="not applicable", note="ordinal codes mean something to trees only")
            continue
        X_fit, X_score = encoded_fit, encoded_score
        if dense and model != "hgb":
            # Standardized as a user would before a linear or distance model.
            scaler = StandardScaler().fit(X_fit)
            X_fit, X_score = scaler.transform(X_fit), scaler.transform(X_score)
        X_fit = sp.hstack([sp.csr_matrix(X_fit), *shared[0]], format="csr")
        X_score = sp.hstack([sp.csr_matrix(X_score), *shared[1]], format="csr")
        categorical = None
        if model == "hgb":
            if X_fit.shape[0] * X_fit.shape[1] * 8 > DENSE_LIMIT_BYTES:
                row.update(status="cannot run", note=f"{X_fit.shape[1]} columns as dense float64")
                continue
            X_fit, X_score = X_fit.toarray(), X_score.toarray()
            if name == "OrdinalEncoder":
                mask = [len(c) <= HGB_MAX_CATEGORIES for c in encoder.categories_]
                categorical = mask + [False] * (X_fit.shape[1] - len(mask))
        y_fit = table.y[fit]
        if model == "knn" and len(fit) > KNN_MAX_ROWS:
            kept = np.sort(np.random.default_rng(seed).choice(len(fit), KNN_MAX_ROWS, replace=False))
            X_fit, y_fit = X_fit[kept], y_fit[kept]
            row["note"] = f"fit on {KNN_MAX_ROWS} of {len(fit)} rows"
        estimator = _model(model, table.task, seed, categorical)
        started = time.perf_counter()
        estimator.fit(X_fit, y_fit)
        row["score"] = _score(table, estimator, X_score, table.y[score])
        row["model_s"] = time.perf_counter() - started
    return rows


def table_params(table, params, date_analyzer=False):
    """EmbeddingEncoder's parameters on ``table``: with ``date_analyzer``, its
    date columns read by ``analyzer="date"``."""
    if not (date_analyzer and table.dates):
        return params
    return {**params, "analyzer": {column: "date" for column in table.dates}}


def run(tables, encoders, params, *, seed=0, validation=False, date_analyzer=False):
    rows = []
    for table in tables:
        fit, score = split(table, seed, validation)
        shared = _shared_columns(table, fit, score)
        for name in encoders:
            started = time.perf_counter()
            try:
                new = run_encoder(table, name, seed, table_params(table, params, date_analyzer),
                                  fit, score, shared)  # fmt: skip
            except Exception as error:  # a failure is a result, reported, not a crash
                new = [{"table": table.name, "task": table.task, "model": m, "encoder": name,
                        "seed": seed, "status": "failed",
                        "note": f"{type(error).__name__}: {error}"[:300]} for m in MODEL_NAMES]  # fmt: skip
            rows += new
            scores = " ".join(f"{r['model']} {r.get('score', np.nan):.4f}" for r in new)
            log(f"  {table.name:16} {name:16} {time.perf_counter() - started:6.1f} s  {scores}")
    return pd.DataFrame.from_records(rows)


def cells(results):
    """One row per (table, model): the candidate's score, the best peer's, and the gap.

    ``shortfall`` is how far the candidate is behind the best peer: AUC points,
    or the RMSE's excess relative to the best; zero or negative means at least
    as good. ``vs_onehot`` is the same against OneHotEncoder alone.
    """
    ok = results[results["status"] == "ok"]
    records = []
    for (table, task, model), group in ok.groupby(["table", "task", "model"], sort=False):
        by = group.set_index("encoder")["score"]
        if CANDIDATE not in by:
            continue
        peers = by.drop(CANDIDATE)
        if peers.empty:
            continue
        regression = task == "regression"
        best_name = peers.idxmin() if regression else peers.idxmax()

        def gap(reference):
            if regression:
                return (by[CANDIDATE] - reference) / reference
            return reference - by[CANDIDATE]

        fit_s = group.set_index("encoder")["encoder_fit_s"]
        records.append({
            "table": table, "task": task, "model": model,
            "embedding": by[CANDIDATE], "best_peer": best_name, "best_peer_score": peers[best_name],
            "shortfall": gap(peers[best_name]),
            "vs_onehot": gap(by["OneHotEncoder"]) if "OneHotEncoder" in by else np.nan,
            "embedding_fit_s": fit_s[CANDIDATE], "best_peer_fit_s": fit_s[best_name],
        })  # fmt: skip
    table = pd.DataFrame.from_records(records)
    if table.empty:
        return table
    # In the tables' order, and the models' within each, whichever cells failed.
    order = {name: i for i, name in enumerate(dict.fromkeys(results["table"]))}
    key = table["table"].map(order) * len(MODEL_NAMES) + table["model"].map(MODEL_NAMES.index)
    return table.iloc[np.argsort(key.to_numpy(), kind="stable")].reset_index(drop=True)


def summary(cell_table):
    """The suite's figures: the share of cells won, the worst shortfall, the linear model's worst."""
    won = cell_table["shortfall"] <= 0
    linear = cell_table[cell_table["model"] == "linear"]
    worst = cell_table.loc[cell_table["shortfall"].idxmax()]
    return {
        "cells": len(cell_table),
        "cells_at_or_above_best": int(won.sum()),
        "share_at_or_above_best": float(won.mean()),
        "worst_shortfall": float(worst["shortfall"]),
        "worst_cell": f"{worst['table']} / {worst['model']}",
        "cells_within_2pct": int((cell_table["shortfall"] <= 0.02).sum()),
        "linear_worst_vs_onehot": float(linear["vs_onehot"].max()),
        "median_embedding_fit_s": float(cell_table["embedding_fit_s"].median()),
    }


def scores_table(results):
    """Markdown: every (table, model) cell, each encoder's score, the shortfall, the fit times."""
    cell_table = cells(results).set_index(["table", "model"])
    ok = results[results["status"] == "ok"]
    scores = ok.set_index(["table", "model", "encoder"])["score"]
    encoders = [CANDIDATE, *PEERS]
    header = ["table (metric)", "model", *encoders, "EmbeddingEncoder behind the best by",
              "fit s (EmbeddingEncoder / best other)"]  # fmt: skip
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for (table, model), cell in cell_table.iterrows():
        regression = cell["task"] == "regression"
        digits = 3 if regression else 4
        values = [
            f"{scores[table, model, e]:.{digits}f}" if (table, model, e) in scores else "n/a"
            for e in encoders
        ]
        best = cell["best_peer"]
        values[encoders.index(best)] = f"**{values[encoders.index(best)]}**"
        gap = cell["shortfall"]
        gap = f"{100 * gap:+.1f}%" if regression else f"{gap:+.4f}"
        fit_s = f"{cell['embedding_fit_s']:.2f} / {cell['best_peer_fit_s']:.2f}"
        metric = "RMSE" if regression else "AUC"
        lines.append(f"| {table} ({metric}) | {model} | " + " | ".join(values) + f" | {gap} | {fit_s} |")
    return "\n".join(lines)


def dates_table(plain, dates):
    """Markdown: the date tables' cells, the date column plain (``plain``, results
    of a run with defaults) beside ``analyzer="date"`` (``dates``, of a run with
    ``--date-analyzer``), each with its shortfall behind the best other encoder."""
    with_dates = cells(dates).set_index(["table", "model"])
    without = cells(plain[plain["table"].isin(dates["table"])]).set_index(["table", "model"])
    header = ["table (RMSE)", "model", "best other encoder", "date as a category",
              'analyzer="date"']  # fmt: skip
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for (table, model), cell in with_dates.iterrows():
        before = without.loc[(table, model)]
        lines.append(
            f"| {table} | {model} | {cell['best_peer']} {cell['best_peer_score']:.3f} | "
            f"{before['embedding']:.3f} ({100 * before['shortfall']:+.1f}%) | "
            f"{cell['embedding']:.3f} ({100 * cell['shortfall']:+.1f}%) |"
        )
    return "\n".join(lines)


def summary_text(figures):
    """The suite's figures in one sentence (the README and the benchmark page say it)."""
    return (
        f"EmbeddingEncoder is at least the best of the other encoders in "
        f"{figures['cells_at_or_above_best']} of {figures['cells']} (table, model) cells, "
        f"within 2% of it in {figures['cells_within_2pct']}; its worst cell is "
        f"{figures['worst_cell']}, {100 * figures['worst_shortfall']:.1f}% behind"
    )


def candidates_table(runs):
    """Markdown: one row per validation run of EmbeddingEncoder parameters.

    ``runs`` holds ``(label, cell_tables)``, one cell table per seed the
    candidate was run with; each column gives every seed's figure in turn.
    """
    header = ["EmbeddingEncoder, validation splits (seed 0 / 1)", "cells at or above the best",
              "within 2%", "mean shortfall", "worst cell", "linear, worst vs one-hot"]  # fmt: skip
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for label, cell_tables in runs:
        seeds = [(summary(t), t["shortfall"].mean()) for t in cell_tables]
        columns = [
            " / ".join(str(f["cells_at_or_above_best"]) for f, _ in seeds)
            + f" of {seeds[0][0]['cells']}",
            " / ".join(str(f["cells_within_2pct"]) for f, _ in seeds),
            " / ".join(f"{100 * mean:.1f}%" for _, mean in seeds),
            "; ".join(f"{f['worst_cell']} ({100 * f['worst_shortfall']:.1f}%)" for f, _ in seeds),
            " / ".join(f"{100 * f['linear_worst_vs_onehot']:+.1f}%" for f, _ in seeds),
        ]
        lines.append(f"| {label} | " + " | ".join(columns) + " |")
    return "\n".join(lines)


def plot_cells(cell_table, path):
    """One bar per (table, model): the candidate's shortfall behind the best other encoder."""
    from ._plots import _pyplot, _save

    plt = _pyplot()
    fig, axes = plt.subplots(1, len(MODEL_NAMES), figsize=(13, 0.32 * cell_table["table"].nunique() + 1.5), sharey=True)
    tables = list(dict.fromkeys(cell_table["table"]))
    for ax, model in zip(axes, MODEL_NAMES):
        part = cell_table[cell_table["model"] == model].set_index("table").reindex(tables)
        gain = -100 * part["shortfall"].to_numpy(dtype=float)
        ax.barh(np.arange(len(tables)), np.nan_to_num(gain),
                color=["tab:green" if g >= 0 else "tab:red" for g in np.nan_to_num(gain)])  # fmt: skip
        ax.axvline(0, color="black", lw=0.8)
        ax.axvline(-2, color="grey", lw=0.8, ls="--")
        ax.set_yticks(np.arange(len(tables)), tables)
        ax.invert_yaxis()
        ax.set_title(model)
        ax.set_xlabel("ahead of the best other encoder (%)")
    _save(plt, fig, path)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.suite", description=__doc__.split("\n")[0])
    parser.add_argument("--tables", nargs="+", choices=list(LOADERS), default=list(LOADERS))
    parser.add_argument(
        "--embedding-params", type=json.loads, default={},
        help='EmbeddingEncoder parameters as JSON, e.g. \'{"min_frequency": 2}\'',
    )  # fmt: skip
    parser.add_argument("--date-analyzer", action="store_true",
                        help="EmbeddingEncoder reads the tables' date columns with analyzer='date'")
    parser.add_argument("--validation", action="store_true",
                        help="score on a fifth of the training rows: for choosing defaults")
    parser.add_argument("--refit-peers", action="store_true",
                        help="refit the other encoders instead of reading their cached results")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--no-plots", action="store_true")
    return parser.parse_args(argv)


def main(argv=None):
    started = time.perf_counter()
    args = parse_args(argv)
    split_name = "validation" if args.validation else "test"
    name = f"suite_{split_name}"
    if args.seed:
        name += f"_seed{args.seed}"
    if args.embedding_params:
        name += "_" + params_label(args.embedding_params)
    if args.date_analyzer:
        name += "_dates"
    machine, _ = start_benchmark("skembed development suite")
    log(f"Run '{name}': seed {args.seed}, {split_name} scores, tables capped at {MAX_ROWS} rows")

    tables = load(args.tables)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    peers_path = args.out_dir / f"suite_peers_{split_name}_seed{args.seed}.csv"
    cached = pd.read_csv(peers_path) if peers_path.exists() and not args.refit_peers else None
    known = set() if cached is None else set(cached["table"])
    missing = [t for t in tables if t.name not in known]
    peers = run(missing, PEERS, {}, seed=args.seed, validation=args.validation)
    if cached is not None:
        peers = pd.concat([cached[~cached["table"].isin(peers.get("table", []))], peers])
    peers.to_csv(peers_path, index=False)
    candidate = run(tables, [CANDIDATE], args.embedding_params, seed=args.seed,
                    validation=args.validation, date_analyzer=args.date_analyzer)  # fmt: skip
    names = [t.name for t in tables]
    results = pd.concat([peers[peers["table"].isin(names)], candidate], ignore_index=True)

    cell_table = cells(results)
    figures = summary(cell_table)
    results.to_csv(args.out_dir / f"{name}.csv", index=False)
    cell_table.to_csv(args.out_dir / f"{name}_cells.csv", index=False)
    payload = {"machine": machine, "seed": args.seed, "split": split_name,
               "embedding_params": args.embedding_params, "date_analyzer": args.date_analyzer,
               "max_rows": MAX_ROWS,
               "tables": {t.name: t.note for t in tables}, "summary": figures,
               "wall_s": round(time.perf_counter() - started, 1)}  # fmt: skip
    (args.out_dir / f"{name}.json").write_text(json.dumps(payload, indent=1) + "\n")
    if not args.no_plots:
        plot_cells(cell_table, args.out_dir / f"{name}.png")
    with pd.option_context("display.width", 200, "display.max_rows", 200):
        print(cell_table.to_string(index=False, float_format="{:.4f}".format))
    log(json.dumps(figures, indent=1))
    log_end(started)
    return results, cell_table, figures


if __name__ == "__main__":
    main()
