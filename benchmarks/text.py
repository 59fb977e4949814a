"""The token-column benchmark: text, and dirty names that a test split has never seen.

- reviews (modeldata's training_data): is a product review "great"? The
  review is a "word" token column; the product ID a plain column.
- loans (openintro's loans_full_schema): is the borrower's income above the
  median? The job title, typed freely (40% of the test rows hold a title
  the training rows lack), as a plain column against a "char_wb" token
  column; state, homeownership and verification as plain columns.

Against them: tf-idf with a linear model (the classic strong baseline for
text), skrub's encoders of dirty categories and text (StringEncoder,
MinHashEncoder, GapEncoder), TargetEncoder, and OneHotEncoder of the whole
values. Each competitor encodes the text column its way and every other
column as OneHotEncoder does with the same ``min_frequency`` (5) as
EmbeddingEncoder, so that only the text column's encoding differs. Rows,
splits, models and the output are those of :mod:`benchmarks.default`.

    python -m benchmarks.text            # 1 seed (a few minutes on 2 cores)
    python -m benchmarks.text --seeds 3
    python -m benchmarks.text --speed    # token columns' transform and fit times

``--speed`` times, as medians of interleaved repeats: the transform of a
token column against ``CountVectorizer(analyzer=...).transform`` of the same
column (which tokenizes too), on the reviews ("word") and on the flights'
tail numbers ("char_wb"); and the fit of the tail numbers as a "char_wb"
column against the same fit as a plain column, both for the same epochs.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import OneHotEncoder

from skembed import EmbeddingEncoder

from ._measure import log, log_end, start_benchmark
from ._registry import MODELS, EncoderSpec, _target_encoder
from .datasets import TEXT_LOADERS
from .default import (
    RESULTS_DIR, cost_table, params_label, run, score_table, summarize, write_results,
)

#: Each data set's text column and how EmbeddingEncoder splits it.
TEXT_COLUMNS = {"reviews": ("review", "word"), "loans": ("emp_title", "char_wb")}

SKRUB_ENCODERS = ["StringEncoder", "MinHashEncoder", "GapEncoder"]


def _one_hot_rare():
    """The other columns for every competitor: one-hot, rare categories pooled as ours."""
    return OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=5)


def _text_and_others(text_encoder, text_column, other_columns):
    # A skrub encoder or a vectorizer takes one column (1-D); OneHotEncoder a frame.
    return ColumnTransformer(
        [("text", text_encoder, text_column), ("others", _one_hot_rare(), other_columns)]
    )


def _skrub(name, seed):
    import skrub

    kind = getattr(skrub, name)
    return kind(random_state=seed) if name != "MinHashEncoder" else kind()


def encoders(dataset, columns, embedding_params=None):
    """The encoders compared on ``dataset``, whose columns are ``columns``.

    ``embedding_params`` are given to every EmbeddingEncoder (defaults otherwise).
    """
    text, analyzer = TEXT_COLUMNS[dataset]
    others = [c for c in columns if c != text]
    params = embedding_params or {}
    specs = {}
    if dataset == "loans":
        specs["EmbeddingEncoder"] = EncoderSpec(
            lambda seed, target_type: EmbeddingEncoder(random_state=seed, **params)
        )
    specs[f"EmbeddingEncoder ({analyzer})"] = EncoderSpec(
        lambda seed, target_type: EmbeddingEncoder(
            analyzer={text: analyzer}, random_state=seed, **params
        )
    )
    if dataset == "reviews":
        specs["TfidfVectorizer"] = EncoderSpec(
            lambda seed, target_type: _text_and_others(TfidfVectorizer(), text, others),
            linear_only=True,
        )
    else:
        specs["TargetEncoder"] = EncoderSpec(_target_encoder)
    for name in SKRUB_ENCODERS:
        specs[name] = EncoderSpec(
            lambda seed, target_type, name=name: _text_and_others(
                _skrub(name, seed), text, others
            )
        )
    specs["OneHotEncoder"] = EncoderSpec(
        lambda seed, target_type: OneHotEncoder(handle_unknown="ignore")
    )
    return specs


#: Repeats of each timed call in ``--speed`` (medians are reported).
SPEED_REPEATS = 5
#: Epochs of both tailnum fits in ``--speed``: equal, so that early stopping
#: does not make one fit shorter.
SPEED_EPOCHS = 3


def speed(repeats=SPEED_REPEATS, max_rows=None):
    """Median seconds of token-column transforms and fits, with their baselines."""
    from sklearn.feature_extraction.text import CountVectorizer

    from .datasets import load_flights
    from .speed import _median, interleaved

    (reviews,) = TEXT_LOADERS["reviews"](max_rows=max_rows)
    flights = load_flights(max_rows=max_rows)[0]
    tailnum, late = flights.X[["tailnum"]], flights.y
    cases = [
        ("reviews", "review", "word", reviews.X[["review"]], reviews.y),
        ("flights", "tailnum", "char_wb", tailnum, late),
    ]
    records = []
    for data, column, analyzer, X, y in cases:
        encoder = EmbeddingEncoder(
            analyzer=analyzer, epochs=1, n_iter_no_change=None, random_state=0
        ).fit(X, y)
        ngrams = {"ngram_range": (3, 5)} if analyzer == "char_wb" else {}
        vectorizer = CountVectorizer(analyzer=analyzer, **ngrams).fit(X[column])
        runs = interleaved(
            {"EmbeddingEncoder": lambda: encoder.transform(X),
             "CountVectorizer": lambda: vectorizer.transform(X[column])},
            repeats,
        )  # fmt: skip
        seconds = {name: _median([m.seconds for m, _ in r]) for name, r in runs.items()}
        records.append({
            "step": "transform", "data": data, "column": column, "analyzer": analyzer,
            "rows": len(X), "distinct_values": X[column].nunique(),
            "seconds": seconds["EmbeddingEncoder"], "baseline": "CountVectorizer.transform",
            "baseline_seconds": seconds["CountVectorizer"],
        })  # fmt: skip
    fits = {
        name: (lambda a=a: EmbeddingEncoder(
            analyzer=a, epochs=SPEED_EPOCHS, n_iter_no_change=None, random_state=0
        ).fit(tailnum, late))
        for name, a in [("char_wb", "char_wb"), ("plain", None)]
    }  # fmt: skip
    runs = interleaved(fits, repeats)
    seconds = {name: _median([m.seconds for m, _ in r]) for name, r in runs.items()}
    records.append({
        "step": f"fit ({SPEED_EPOCHS} epochs)", "data": "flights", "column": "tailnum",
        "analyzer": "char_wb", "rows": len(tailnum),
        "distinct_values": tailnum["tailnum"].nunique(),
        "seconds": seconds["char_wb"], "baseline": "the same fit of the plain column",
        "baseline_seconds": seconds["plain"],
    })  # fmt: skip
    table = pd.DataFrame.from_records(records)
    table["ratio"] = table["seconds"] / table["baseline_seconds"]
    return table


def speed_table(table):
    """Markdown: one line per measurement, with its ratio to the baseline."""
    lines = [
        "| step | column (analyzer) | rows (distinct) | EmbeddingEncoder s | baseline "
        "| baseline s | ratio |",
        "|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for r in table.itertuples(index=False):
        lines.append(
            f"| {r.step} | {r.data} {r.column} ({r.analyzer}) | {r.rows:,} ({r.distinct_values:,}) "
            f"| {r.seconds:.3f} | {r.baseline} | {r.baseline_seconds:.3f} | {r.ratio:.2f} |"
        )
    return "\n".join(lines)


def main(argv=None):
    started = time.perf_counter()
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.text",
        description="EmbeddingEncoder's token columns against tf-idf, skrub's encoders, "
        "TargetEncoder and OneHotEncoder on reviews and job titles.",
    )
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--datasets", nargs="+", choices=list(TEXT_LOADERS),
                        default=list(TEXT_LOADERS))  # fmt: skip
    parser.add_argument("--max-rows", type=int, help="keep at most this many rows per data set")
    parser.add_argument("--validation", action="store_true",
                        help="score on a held-out fifth of the training rows")  # fmt: skip
    parser.add_argument("--embedding-params", type=json.loads, default={},
                        help="EmbeddingEncoder parameters as JSON")  # fmt: skip
    parser.add_argument("--encoders", nargs="+",
                        help="run only these encoders (names as in the tables)")  # fmt: skip
    parser.add_argument("--speed", action="store_true",
                        help="time token columns' transform and fit instead")  # fmt: skip
    parser.add_argument("--out-dir", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    if args.speed:
        start_benchmark("skembed token-column speed")
        table = speed(max_rows=args.max_rows)
        log(speed_table(table))
        name = "text_speed" + (f"_{args.max_rows}rows" if args.max_rows else "")
        args.out_dir.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.out_dir / f"{name}.csv", index=False)
        log(f"\nWrote {args.out_dir / f'{name}.csv'}")
        log_end(started)
        return table
    name = "text" + ("_validation" if args.validation else "")
    if args.max_rows:
        name += f"_{args.max_rows}rows"
    if args.seeds != 1:
        name += f"_{args.seeds}seeds"
    if args.encoders:
        name += "_" + "-".join(e.split()[0] + ("_" + e.split()[1][1:-1] if " " in e else "")
                               for e in args.encoders)  # fmt: skip
    if args.embedding_params:
        name += "_" + params_label(args.embedding_params)

    machine, import_s = start_benchmark("skembed token-column benchmark")
    results = []
    for dataset in args.datasets:
        (task,) = TEXT_LOADERS[dataset](max_rows=args.max_rows)
        log(f"Data {dataset}/{task.name}: {task.note}; columns {list(task.X.columns)}")
        specs = encoders(dataset, task.X.columns, args.embedding_params)
        if args.encoders:
            specs = {k: v for k, v in specs.items() if k in args.encoders}
        results.append(
            run([task], range(args.seeds), encoders=specs, models=MODELS,
                validation=args.validation)
        )  # fmt: skip
    results = pd.concat(results, ignore_index=True)
    summary = summarize(results)
    held_out = "Validation" if args.validation else "Test"
    for dataset, scores in summary.groupby("dataset", sort=False):
        log(f"\n## {held_out} scores (ROC AUC): {dataset}\n")
        log(score_table(scores))
    log("\n## Costs\n")
    log(cost_table(summary))
    metadata = {
        "machine": machine, "run": name, "seeds": args.seeds, "max_rows": args.max_rows,
        "wall_s": round(time.perf_counter() - started, 1), "start_up_s": round(import_s, 1),
    }  # fmt: skip
    paths = write_results(results, args.out_dir, name, metadata, plots=False)
    log("\nWrote " + ", ".join(str(p) for p in paths))
    log_end(started)
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
