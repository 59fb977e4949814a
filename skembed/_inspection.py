"""Looking at learned vectors: nearest categories, 2-D pictures, word-vector files.

Numpy world; matplotlib is imported only by :func:`plot_embeddings`.
"""

import numpy as np
import pandas as pd


def own_vectors(encoder, i):
    """Mask of the categories of column ``i`` that have a vector of their own."""
    return own_rows(encoder.embeddings_[i])


def own_rows(table):
    """Mask of a fitted table's categories that have a vector of their own.

    Infrequent and untrained categories hold a copy of the unknown row.
    """
    return (table[:-1] != table[-1]).any(axis=1)


def _check_not_constant(encoder, i):
    """Refuse to look among the vectors of a column the column gate made constant."""
    gain = getattr(encoder, "column_gains_", np.full(i + 1, np.nan))[i]
    if gain < (encoder.min_column_gain or 0.0):
        raise ValueError(
            f"column {encoder._feature_names()[i]!r} has one vector for every category: "
            f"its vectors lowered the validation loss by {100 * gain:.1f}%, under "
            f"min_column_gain={encoder.min_column_gain} (set it to None to keep them)"
        )


def most_similar(encoder, feature, category, n):
    i = encoder._feature_index(feature)
    _check_not_constant(encoder, i)
    row = encoder._vocabularies[i].encode(np.array([category], dtype=object))[0]
    own = own_vectors(encoder, i)
    if row < 0:
        raise ValueError(f"{category!r} is not a category of column {feature!r}")
    if not own[row]:
        raise ValueError(
            f"{category!r} has no vector of its own in column {feature!r}: it is "
            "infrequent or was not seen in training, and shares the unknown vector"
        )
    table = encoder.embeddings_[i][:-1].astype(np.float64)
    norms = np.linalg.norm(table, axis=1)
    similarity = table @ table[row] / np.maximum(norms * norms[row], np.finfo(float).tiny)
    candidates = np.flatnonzero(own)
    candidates = candidates[candidates != row]
    best = candidates[np.argsort(-similarity[candidates], kind="stable")[:n]]
    index = pd.Index(encoder.categories_[i][best], name=encoder._feature_names()[i])
    return pd.DataFrame({"similarity": similarity[best]}, index=index)


def plot_embeddings(encoder, feature, method, ax, annotate):
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "plot_embeddings needs matplotlib: pip install matplotlib (or skembed[plot])"
        ) from None
    if method not in ("pca", "tsne"):
        raise ValueError(f"method must be 'pca' or 'tsne', got {method!r}")
    i = encoder._feature_index(feature)
    _check_not_constant(encoder, i)
    own = np.flatnonzero(own_vectors(encoder, i))
    vectors = encoder.embeddings_[i][own].astype(np.float64)
    if method == "pca" or len(vectors) < 5:
        from sklearn.decomposition import PCA

        points = PCA(n_components=2).fit_transform(_at_least_two_columns(vectors))
    else:
        from sklearn.manifold import TSNE

        perplexity = min(30.0, (len(vectors) - 1) / 3)
        points = TSNE(n_components=2, perplexity=perplexity, random_state=0).fit_transform(
            vectors
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    counts = encoder.category_counts_[i][own]
    ax.scatter(points[:, 0], points[:, 1], s=8 + 40 * counts / counts.max(), alpha=0.6)
    categories = encoder.categories_[i][own]
    for j in np.argsort(-counts, kind="stable")[:annotate]:
        ax.annotate(str(categories[j]), points[j], fontsize=8)
    name = encoder._feature_names()[i]
    ax.set_title(f"{name}: {len(own)} categories ({method.upper()})")
    return ax


def _at_least_two_columns(vectors):
    if vectors.shape[1] >= 2:
        return vectors
    return np.hstack([vectors, np.zeros((len(vectors), 1))])


def export_vectors(encoder, feature, path):
    i = encoder._feature_index(feature)
    categories = encoder.categories_[i]
    table = encoder.embeddings_[i]
    lines = []
    for category, vector in zip(categories, table[:-1]):
        if pd.isna(category):
            continue  # a missing value has no token
        token = str(category)
        if not token or any(c.isspace() for c in token):
            raise ValueError(
                f"category {category!r} of column {feature!r} is empty or contains "
                "whitespace, which the word-vector text format cannot hold"
            )
        lines.append(token + " " + " ".join(repr(float(x)) for x in vector))
    with open(path, "w", encoding="utf-8") as file:
        file.write("\n".join(lines) + "\n")


def read_vectors(path):
    """Read a word-vector text file: a token, then its numbers, per line.

    A first line of exactly two integers (word2vec's "count width" header) is
    skipped. Returns a DataFrame indexed by token.

    Raises
    ------
    ValueError
        Naming the file and line of a malformed line, a wrong count of
        numbers, or a repeated token.
    """
    tokens, rows, width = [], [], None
    seen = {}
    number = 0
    try:
        with open(path, encoding="utf-8") as file:
            for number, line in enumerate(file, start=1):
                width = _read_vector_line(path, number, line, width, tokens, rows, seen)
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}, line {number + 1}: not UTF-8 text ({error})") from None
    if not tokens:
        raise ValueError(f"{path}: no vectors")
    return pd.DataFrame(np.array(rows), index=pd.Index(tokens, dtype=object))


def _read_vector_line(path, number, line, width, tokens, rows, seen):
    """Add one line's token and numbers to ``tokens`` and ``rows``; return the file's width."""
    fields = line.split()
    if not fields or (number == 1 and len(fields) == 2 and all(f.isdigit() for f in fields)):
        return width  # a blank line, or word2vec's "count width" header
    try:
        values = [float(f) for f in fields[1:]]
    except ValueError:
        raise ValueError(f"{path}, line {number}: not a token followed by numbers") from None
    if not values:
        raise ValueError(f"{path}, line {number}: a token without numbers")
    if width is not None and len(values) != width:
        raise ValueError(
            f"{path}, line {number}: {len(values)} numbers where the file's lines have {width}"
        )
    if fields[0] in seen:
        raise ValueError(
            f"{path}, line {number}: token {fields[0]!r} repeats line {seen[fields[0]]}"
        )
    seen[fields[0]] = number
    tokens.append(fields[0])
    rows.append(values)
    return len(values)
