"""The token-column benchmark's bookkeeping, on tiny frames shaped like its data.

skrub is in the bench extra, not the test extra: its encoders are left out here.
"""

import numpy as np
import pandas as pd

from benchmarks import text
from benchmarks._registry import MODELS, not_applicable
from benchmarks.datasets import LOANS_COLUMNS, Task
from skembed import EmbeddingEncoder

WORDS = ["good", "bad", "great", "awful", "fine", "meh", "nice", "poor"]


def fake_reviews(n=200, seed=0):
    rng = np.random.default_rng(seed)
    reviews = [" ".join(rng.choice(WORDS, 6)) for _ in range(n)]
    y = np.array([sum(w in r.split() for w in ("good", "great", "nice")) > 2 for r in reviews])
    X = pd.DataFrame({"review": reviews, "product": [f"p{i}" for i in range(n)]})
    return Task("reviews", "binary", X, y.astype(int))


def without_skrub(specs):
    return {k: v for k, v in specs.items() if k not in text.SKRUB_ENCODERS}


def test_each_data_set_compares_its_own_encoders():
    reviews = text.encoders("reviews", ["review", "product"])
    loans = text.encoders("loans", LOANS_COLUMNS)
    assert list(reviews) == [
        "EmbeddingEncoder (word)", "TfidfVectorizer", *text.SKRUB_ENCODERS, "OneHotEncoder",
    ]  # fmt: skip
    assert list(loans) == [
        "EmbeddingEncoder", "EmbeddingEncoder (char_wb)", "TargetEncoder",
        *text.SKRUB_ENCODERS, "OneHotEncoder",
    ]  # fmt: skip
    encoder = loans["EmbeddingEncoder (char_wb)"].make(3, "binary")
    assert isinstance(encoder, EmbeddingEncoder)
    assert encoder.analyzer == {"emp_title": "char_wb"} and encoder.random_state == 3
    assert loans["EmbeddingEncoder"].make(3, "binary").analyzer is None


def test_tfidf_runs_with_the_linear_model_only():
    spec = text.encoders("reviews", ["review", "product"])["TfidfVectorizer"]
    assert not_applicable(spec, MODELS["linear"]) is None
    assert "linear models" in not_applicable(spec, MODELS["hgb"])
    assert "linear models" in not_applicable(spec, MODELS["knn"])


def test_a_run_scores_every_encoder_on_a_tiny_text_task():
    task = fake_reviews()
    specs = without_skrub(text.encoders("reviews", task.X.columns))
    results = text.run([task], [0], encoders=specs, models=MODELS)
    ok = results[results["status"] == "ok"]
    assert set(ok["encoder"]) == set(specs)
    assert (results.query("encoder == 'TfidfVectorizer'").set_index("model")["status"]
            == pd.Series({"linear": "ok", "hgb": "not applicable", "knn": "not applicable"})).all()
    # Tf-idf with the product one-hot: one column per word, and one shared by all products.
    tfidf = ok.query("encoder == 'TfidfVectorizer'").iloc[0]
    assert tfidf["width"] == len(WORDS) + 1
    # The words tell the target: the embedding of the text column learns it.
    embedded = ok.query("encoder == 'EmbeddingEncoder (word)' and model == 'linear'")
    assert embedded["score"].iloc[0] > 0.8


def test_speed_table_lines_have_ratios():
    table = pd.DataFrame([{
        "step": "transform", "data": "reviews", "column": "review", "analyzer": "word",
        "rows": 4000, "distinct_values": 3990, "seconds": 0.1, "baseline": "CountVectorizer.transform",
        "baseline_seconds": 0.2, "ratio": 0.5,
    }])  # fmt: skip
    line = text.speed_table(table).splitlines()[-1]
    assert line == (
        "| transform | reviews review (word) | 4,000 (3,990) | 0.100 | CountVectorizer.transform "
        "| 0.200 | 0.50 |"
    )
