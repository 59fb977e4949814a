"""The benchmark page's tables and figures, made from the committed result files.

``conf.py`` calls :func:`write` when a build starts, so that every number on the
benchmark page is read from ``benchmarks/results/`` at build time, never pasted.
Each table is a Markdown file under ``docs/_generated/`` that the pages include;
the figures are PNG files beside them. ``python docs/_results.py`` writes them
without building the docs.
"""

import json
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the benchmarks package: it lives beside skembed, not in it

from benchmarks import pretrain, scaling, speed, text, vocabulary  # noqa: E402
from benchmarks._plots import plot_scaling, plot_scores, plot_times  # noqa: E402
from benchmarks.default import RESULTS_DIR, cost_table, score_table, summarize  # noqa: E402
from benchmarks import suite  # noqa: E402

OUT = Path(__file__).resolve().parent / "_generated"

#: Validation-split runs that chose the defaults: (what was tried, file under selection/).
DEFAULT_CANDIDATES = [
    ("the first defaults: `dims` by fast.ai's rule `1.6 * n ** 0.56` capped at 30, "
     "`learning_rate=1e-3`", "validation_earlier_defaults_all_encoders"),
    ("`dims=8, learning_rate=3e-3`", "validation_dims8_lr3e-3"),
    ("`dims=\"auto\"` = `min(8, n)`, `learning_rate=3e-3`", "validation_dims_auto8_lr3e-3"),
    ("the same, with every category its own vector (`min_frequency=None`)",
     "validation_batches16_min_frequency_none"),
    ("the same with `min_frequency=5`, the default until `\"auto\"`", "validation_current_defaults"),
    ("`min_frequency=10`", "validation_min_frequency10"),
]
TEXT_CANDIDATES = [
    ("**the defaults** (`epochs=100`, `min_frequency=5`, which token columns keep under "
     "`\"auto\"`, `dims=\"auto\"`)", "text_defaults"),
    ("`epochs=20`", "text_epochs20"),
    ("`min_frequency=2`", "text_min_frequency2"),
    ("`dims=16`", "text_dims16"),
]
#: The development suite's validation runs: (parameters tried, file stem under suite/).
SUITE_CANDIDATES = [
    ("**the defaults** (`dims=\"auto\"` = `min(8, n)`, `min_frequency=\"auto\"`, "
     "`hidden_units=\"auto\"`, `min_column_gain=0.02`, `cv=None`, tables starting in ±0.001)",
     "suite_validation"),
    # The fourth round: a linear network unless the hidden layer earns its place.
    ("the defaults with `hidden_units=(64,)`, as they were before the fourth round; every row "
     "below sets `hidden_units=(64,)` where it names no other",
     "suite_validation_hidden_units-64"),
    ("the defaults with `hidden_units=()`: always a linear network",
     "suite_validation_min_frequency-auto_hidden_units"),
    ("the defaults with `min_frequency=5`, as they were before the third round; every row "
     "below sets `min_frequency=5` where it names no other",
     "suite_validation_min_frequency-5"),
    ("those with the wide random start (±0.05); the rows below it up to "
     "`min_column_gain=0.05, min_frequency=2` are with it too",
     "suite_validation_random-start-0.05"),
    ("the same without the column gate (`min_column_gain=None`); the rows below it up to "
     "`cv=5` are without it too", "suite_validation_min_column_gain-None"),
    ("`min_frequency=2`", "suite_validation_min_frequency-2"),
    ("`min_frequency=1`", "suite_validation_min_frequency-1"),
    ("`dims=4`", "suite_validation_dims-4"),
    ("`dims=2`", "suite_validation_dims-2"),
    ("`dims=2, min_frequency=2`", "suite_validation_min_frequency-2_dims-2"),
    ("`dims=2, min_frequency=1`", "suite_validation_min_frequency-1_dims-2"),
    ("`dims=4, min_frequency=2`", "suite_validation_min_frequency-2_dims-4"),
    ("no hidden layer (`hidden_units=()`: a linear network)", "suite_validation_hidden_units"),
    ("`dims=1, hidden_units=()`", "suite_validation_dims-1_hidden_units"),
    ("`cv=5`", "suite_validation_cv-5"),
    ("`dims=2, min_frequency=1, cv=5`", "suite_validation_min_frequency-1_dims-2_cv-5"),
    ("`min_column_gain=0.01`", "suite_validation_min_column_gain-0.01"),
    ("`min_column_gain=0.05`", "suite_validation_min_column_gain-0.05"),
    ("`min_column_gain=0.1`", "suite_validation_min_column_gain-0.1"),
    ("`min_column_gain=0.02, dims=2, min_frequency=2`",
     "suite_validation_min_column_gain-0.02_dims-2_min_frequency-2"),
    ("`min_column_gain=0.05, dims=2, min_frequency=2`",
     "suite_validation_min_column_gain-0.05_dims-2_min_frequency-2"),
    ("`min_column_gain=0.05, dims=4`", "suite_validation_min_column_gain-0.05_dims-4"),
    ("`min_column_gain=0.05, min_frequency=2`",
     "suite_validation_min_column_gain-0.05_min_frequency-2"),
    # The second round: from the defaults (narrow start and gate).
    ("`min_frequency=1, hidden_units=()`", "suite_validation_min_frequency-1_hidden_units"),
    ("`cv=5, min_frequency=1`", "suite_validation_cv-5_min_frequency-1"),
    ("`cv=5, min_frequency=1, hidden_units=()`",
     "suite_validation_cv-5_min_frequency-1_hidden_units"),
    ("`cv=5, min_frequency=2, hidden_units=()`",
     "suite_validation_cv-5_min_frequency-2_hidden_units"),
    ("`cv=5, min_frequency=1, hidden_units=(), min_column_gain=None`",
     "suite_validation_cv-5_min_frequency-1_hidden_units-_min_column_gain-None"),
    ("`cv=5, min_frequency=1, hidden_units=(), dims=4`",
     "suite_validation_cv-5_min_frequency-1_hidden_units-_dims-4"),
]
#: The default benchmark's run with the vectors learned without y.
WITHOUT_Y = "full_OneHotEncoder-EmbeddingEncoder-EmbeddingEncoder-without-y"
#: Short column labels of the candidate tables: (data set, task) -> label.
TASK_LABELS = {
    ("flights", "binary"): "flights AUC", ("flights", "regression"): "flights RMSE",
    ("hotel_rates", "regression"): "hotel RMSE", ("reviews", "binary"): "reviews AUC",
    ("loans", "binary"): "loans AUC",
}  # fmt: skip


def _read(name):
    return pd.read_csv(RESULTS_DIR / f"{name}.csv")


def _read_suite(name):
    return pd.read_csv(suite.RESULTS_DIR / f"{name}.csv", keep_default_na=False, na_values=[""])


def _suite_machine(name):
    meta = json.loads((suite.RESULTS_DIR / f"{name}.json").read_text())
    machine = meta["machine"]
    return (
        f"Run on {machine['cpus']} cores ({machine['processor']}, {machine['memory']}), "
        f"Python {machine['python']}, TensorFlow {machine['tensorflow']}, scikit-learn "
        f"{machine['scikit-learn']}; seed {meta['seed']}, the largest tables sampled down to "
        f"{meta['max_rows']:,} rows (`benchmarks/results/suite/{name}.json`)."
    )


def _machine(name):
    """One sentence on where and how long a run ran, from its JSON file."""
    meta = json.loads((RESULTS_DIR / f"{name}.json").read_text())
    machine = meta["machine"]
    return (
        f"Run on {machine['cpus']} cores ({machine['processor']}, {machine['memory']}), "
        f"Python {machine['python']}, TensorFlow {machine['tensorflow']}, scikit-learn "
        f"{machine['scikit-learn']}; {meta['wall_s']:.0f} s in all "
        f"(`benchmarks/results/{name}.json`)."
    )


def crossfit_table():
    """Test score (and the model's score on its own training rows), without and with cv=5."""
    keys = ["dataset", "task", "model"]
    plain = _read("default").query("encoder == 'EmbeddingEncoder'").set_index(keys)
    crossed = _read("default_EmbeddingEncoder_cv-5").set_index(keys)
    lines = ["| data set / task | model | `cv=None` (the default) | `cv=5` |", "|---|---|---|---|"]
    for key, a in plain.iterrows():
        b = crossed.loc[key]
        digits = 4 if a.metric == "roc_auc" else 2
        cells = [f"{r.score:.{digits}f} ({r.train_score:.{digits}f})" for r in (a, b)]
        lines.append(f"| {key[0]} / {key[1]} | {key[2]} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def _suite_seeds(stem):
    """A suite validation run's cell tables: seed 0's, and seed 1's where it was run."""
    seed1 = stem.replace("suite_validation", "suite_validation_seed1", 1)
    paths = [suite.RESULTS_DIR / f"{name}_cells.csv" for name in (stem, seed1)]
    return [pd.read_csv(path) for path in paths if path.exists()]


def candidates_table(candidates, encoder="EmbeddingEncoder"):
    """One row per candidate: its mean validation score per task and model."""
    rows, columns = [], {}
    for label, name in candidates:
        results = pd.read_csv(RESULTS_DIR / "selection" / f"{name}.csv")
        results = results[results["encoder"].str.startswith(encoder)]
        if encoder == "EmbeddingEncoder (":  # token benchmark: the text column's encoder
            results = results[results["encoder"] != "EmbeddingEncoder"]
        means = results.groupby(["dataset", "task", "model"], sort=False)["score"].mean()
        row = {}
        for (dataset, task, model), value in means.items():
            column = f"{TASK_LABELS[dataset, task]} {model}"
            columns[column] = None
            row[column] = f"{value:.4f}" if "AUC" in column else f"{value:.2f}"
        rows.append((label, row))
    header = ["EmbeddingEncoder, validation splits", *columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for label, row in rows:
        lines.append(f"| {label} | " + " | ".join(row.get(c, "—") for c in columns) + " |")
    return "\n".join(lines)


def search_table():
    results = _read("search").query("benchmark == 'grid search'")
    lines = ["| encoder | grid | n_jobs=1 s | n_jobs=2 s | best cross-validated AUC |",
             "|---|---|---|---|---|"]
    for (encoder, grid), group in results.groupby(["encoder", "grid"], sort=False):
        seconds = group.set_index("n_jobs")["seconds"]
        best = group.query("n_jobs == 1")["best_auc"].iloc[0]
        lines.append(f"| {encoder} | `{grid}` | {seconds.get(1.0, float('nan')):.1f} "
                     f"| {seconds.get(2.0, float('nan')):.1f} | {best:.4f} |")
    return "\n".join(lines)


def scale_table():
    """The Dask benchmark: fits and transforms, with throughput and peak memory."""
    results = _read("scale")
    meta = json.loads((RESULTS_DIR / "scale.json").read_text())
    lines = ["| step | how | rows | epochs | seconds | rows x epochs / s, per epoch "
             "| peak MB (client, or each worker) |", "|---|---|---|---|---|---|---|"]
    for r in results.itertuples(index=False):
        if r.step == "fit":
            rate = ""
            if r.kind in ("dask", "pandas") and r.epochs == 3:
                fits = results.query("step == 'fit' and kind == @r.kind and rows == @r.rows")
                one = fits.query("epochs == 1")["seconds"].iloc[0]
                rate = f"{r.rows * 2 / (r.seconds - one):,.0f}"
            epochs = (f"{r.trained_epochs:.0f} (early stopping)"
                      if "early" in r.kind else f"{r.epochs:.0f}")  # fmt: skip
            peak = f"{r.client_peak_mb:,.0f} (" + ("the process" if r.kind == "pandas" else "client") + ")"
        else:
            rate, epochs = f"{r.rows / r.seconds:,.0f} rows / s", ""
            each = getattr(r, "worker_peaks_mb", None)
            peak = (f"{each if isinstance(each, str) else f'{r.worker_peak_mb:,.0f}'} (workers)"
                    if r.kind == "dask" else f"{r.client_peak_mb:,.0f} (the process)")  # fmt: skip
        lines.append(f"| {r.step} | {r.kind} | {r.rows:,} | {epochs} | {r.seconds:.1f} "
                     f"| {rate} | {peak} |")  # fmt: skip
    machine = meta["machine"]
    lines.append(
        "\nThe fit with early stopping runs first, in a client process of its own: its peak "
        "is the fit's. The timed fits that follow share one process, and their peaks include "
        "what earlier fits there left allocated."
        f"\n\nRun on {machine['cpus']} cores ({machine['memory']}), a 2-worker `LocalCluster` "
        f"of one thread each; {meta['wall_s']:.0f} s in all (`benchmarks/results/scale.json`)."
    )
    return "\n".join(lines)


def tables():
    """Every generated table: file stem -> Markdown text."""
    default, full = summarize(_read("default")), summarize(_read("full"))
    text_scores = summarize(_read("text_3seeds"))
    made = {
        "default_scores": score_table(default),
        "default_costs": cost_table(default),
        "default_machine": _machine("default"),
        "full_scores": score_table(full),
        "full_machine": _machine("full"),
        "crossfit": crossfit_table(),
        "text_machine": _machine("text_3seeds"),
        "text_speed": text.speed_table(_read("text_speed")),
        "vocabulary": vocabulary.markdown_table(_read("vocabulary")),
        "scaling": scaling.markdown_table(_read("scaling")),
        "speed": speed.markdown_table(_read("speed")),
        "speed_dtypes": speed.dtype_table(_read("speed")),
        "search": search_table(),
        "scale": scale_table(),
        "dask_quality": score_table(
            summarize(_read("full_EmbeddingEncoder-EmbeddingEncoder-on-Dask"))
        ),
        "without_y_scores": score_table(summarize(_read(WITHOUT_Y))),
        "without_y_machine": _machine(WITHOUT_Y),
        "pretrain_curve": pretrain.curve_table(_read("pretrain")),
        "pretrain_machine": _machine("pretrain"),
        "default_candidates": candidates_table(DEFAULT_CANDIDATES),
        "text_candidates": candidates_table(TEXT_CANDIDATES, encoder="EmbeddingEncoder ("),
        "suite_scores": suite.scores_table(_read_suite("suite_test")),
        "suite_machine": _suite_machine("suite_test"),
        "suite_dates": suite.dates_table(_read_suite("suite_test"), _read_suite("suite_test_dates")),
        "suite_candidates": suite.candidates_table(
            [(label, _suite_seeds(stem)) for label, stem in SUITE_CANDIDATES]
        ),
    }
    for dataset, scores in text_scores.groupby("dataset", sort=False):
        made[f"text_{dataset}"] = score_table(scores)
    return made


def write(out=OUT):
    """Write the tables (Markdown) and figures (PNG) into ``out``; return the paths."""
    out.mkdir(exist_ok=True)
    paths = []
    for stem, table in tables().items():
        path = out / f"{stem}.md"
        path.write_text(table + "\n")
        paths.append(path)
    figures = {
        "default_scores.png": (plot_scores, "default"),
        "default_times.png": (plot_times, "default"),
        "text_scores.png": (plot_scores, "text_3seeds"),
        "scaling.png": (plot_scaling, "scaling"),
    }
    for name, (plot, source) in figures.items():
        plot(_read(source), out / name)
        paths.append(out / name)
    suite.plot_cells(pd.read_csv(suite.RESULTS_DIR / "suite_test_cells.csv"), out / "suite.png")
    paths.append(out / "suite.png")
    return paths


if __name__ == "__main__":
    for path in write():
        print(path)
