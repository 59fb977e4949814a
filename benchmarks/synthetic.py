"""Synthetic categorical data whose right encoding is known.

Each category of each column has a hidden low-dimensional vector; the target
is a noisy function of the vectors of a row's categories. Category frequencies
follow a Zipf law, as IDs, codes and names do in real tables: a few categories
are common, most are rare.
"""

import numpy as np
import pandas as pd


def make_synthetic(n_rows, n_categories, *, n_columns=4, latent_dim=4, zipf=1.0,
                   noise=0.5, task="regression", as_strings=True, seed=0):  # fmt: skip
    """A frame of categorical columns and a target that depends on them.

    Parameters
    ----------
    n_rows : int
    n_categories : int or list of int
        Distinct categories per column (one int for every column, or one each).
    n_columns : int
        Number of columns when ``n_categories`` is an int.
    latent_dim : int
        Width of the hidden vector of each category.
    zipf : float
        Exponent of the category frequencies: the k-th most common category
        has probability proportional to ``1 / k ** zipf``; 0 is uniform.
    noise : float
        Standard deviation of the noise added to the signal (whose own
        standard deviation is about 1).
    task : {"regression", "binary"}
        A continuous target, or whether it lies above its median.
    as_strings : bool
        Categories as strings (``"c0_17"``, object dtype) rather than ints.
    seed : int

    Returns
    -------
    X : DataFrame of shape (n_rows, n_columns)
    y : ndarray of shape (n_rows,)
    """
    rng = np.random.default_rng(seed)
    sizes = [n_categories] * n_columns if np.ndim(n_categories) == 0 else list(n_categories)
    columns, vectors = {}, []
    for j, size in enumerate(sizes):
        weights = 1.0 / np.arange(1, size + 1) ** zipf
        codes = rng.choice(size, size=n_rows, p=weights / weights.sum())
        # Which category is common is unrelated to its position in sort order.
        codes = rng.permutation(size)[codes]
        hidden = rng.normal(size=(size, latent_dim))
        vectors.append(hidden[codes])
        name = f"c{j}"
        if as_strings:
            labels = np.array([f"{name}_{k}" for k in range(size)], dtype=object)
            columns[name] = labels[codes]
        else:
            columns[name] = codes
    # An additive part every encoder can use, and a pairwise interaction that
    # needs more than one number per category.
    additive = sum(v[:, 0] for v in vectors) / np.sqrt(len(vectors))
    pairs = [a[:, 1] * b[:, 1] for a, b in zip(vectors, vectors[1:])]
    interaction = sum(pairs) / np.sqrt(max(1, len(pairs)))
    signal = (additive + interaction) / np.sqrt(2)
    y = signal + noise * rng.normal(size=n_rows)
    if task == "binary":
        y = (y > np.median(y)).astype(int)
    elif task != "regression":
        raise ValueError(f"task must be 'regression' or 'binary', got {task!r}")
    return pd.DataFrame(columns), y
