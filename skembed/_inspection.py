"""Looking at learned vectors: nearest categories, 2-D pictures, word-vector files.

Numpy world; matplotlib is imported only by :func:`plot_embeddings`.
"""

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted


def own_rows(table):
    """Mask of a fitted table's categories that have a vector of their own.

    Infrequent and untrained categories hold a copy of the unknown row.
    """
    return (table[:-1] != table[-1]).any(axis=1)


class InspectionMixin:
    """The fitted encoder's vectors, looked at: tables, nearest categories, pictures, files.

    Mixed into :class:`~skembed.EmbeddingEncoder`, whose fitted attributes
    (``embeddings_``, ``categories_``, ``dims_``, ``category_counts_``,
    ``column_gains_``) and column names (``_feature_names``, ``_vocabularies``)
    it reads.
    """

    def get_embeddings(self, feature):
        """One column's embedding table as a DataFrame indexed by category.

        Parameters
        ----------
        feature : str or int
            The column's name, or its position.

        Returns
        -------
        embeddings : DataFrame of shape (n_categories, dims_[i])
            Row ``j`` is ``categories_[i][j]``'s vector; the unknown vector
            (``embeddings_[i][-1]``) is left out.

        Examples
        --------
        >>> import pandas as pd
        >>> from skembed import EmbeddingEncoder
        >>> X = pd.DataFrame({"city": ["Paris", "Lyon"] * 5})
        >>> one_hot = EmbeddingEncoder(
        ...     initial_embeddings="one_hot", trainable=False, min_frequency=None
        ... ).fit(X)
        >>> one_hot.get_embeddings("city")  # doctest: +NORMALIZE_WHITESPACE
               city_Lyon  city_Paris
        city
        Lyon         1.0         0.0
        Paris        0.0         1.0
        """
        i = self._feature_index(feature)
        names = self._feature_names()
        start = sum(self.dims_[:i])
        columns = self.get_feature_names_out()[start : start + self.dims_[i]]
        return pd.DataFrame(
            self.embeddings_[i][:-1],
            index=pd.Index(self.categories_[i], name=names[i]),
            columns=columns,
        )

    def most_similar(self, feature, category, n=5):
        """The ``n`` categories whose vectors are nearest ``category``'s, by cosine.

        Categories without a vector of their own (infrequent ones, and those
        not seen in training, which share the unknown vector) are left out.

        Parameters
        ----------
        feature : str or int
            The column's name, or its position.
        category : object
            A category of that column.
        n : int, default=5
            How many categories to return, at most.

        Returns
        -------
        similar : DataFrame
            Indexed by category, with a "similarity" column, most similar first.

        Examples
        --------
        >>> import pandas as pd
        >>> from skembed import EmbeddingEncoder
        >>> X = pd.DataFrame({"city": ["Paris", "Lyon", "Nice", "Lille"] * 25})
        >>> vectors = pd.DataFrame([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]],
        ...                        index=["Paris", "Lille", "Nice", "Lyon"])
        >>> encoder = EmbeddingEncoder(initial_embeddings={"city": vectors},
        ...                            trainable=False).fit(X)
        >>> encoder.most_similar("city", "Paris", n=2).index.tolist()
        ['Lille', 'Lyon']
        """
        i = self._feature_index(feature)
        self._check_not_constant(i)
        row = self._vocabularies[i].encode(np.array([category], dtype=object))[0]
        own = own_rows(self.embeddings_[i])
        if row < 0:
            raise ValueError(f"{category!r} is not a category of column {feature!r}")
        if not own[row]:
            raise ValueError(
                f"{category!r} has no vector of its own in column {feature!r}: it is "
                "infrequent or was not seen in training, and shares the unknown vector"
            )
        table = self.embeddings_[i][:-1].astype(np.float64)
        norms = np.linalg.norm(table, axis=1)
        similarity = table @ table[row] / np.maximum(norms * norms[row], np.finfo(float).tiny)
        candidates = np.flatnonzero(own)
        candidates = candidates[candidates != row]
        best = candidates[np.argsort(-similarity[candidates], kind="stable")[:n]]
        index = pd.Index(self.categories_[i][best], name=self._feature_names()[i])
        return pd.DataFrame({"similarity": similarity[best]}, index=index)

    def plot_embeddings(self, feature, method="pca", ax=None, annotate=20):
        """Plot one column's vectors in 2-D (PCA or t-SNE), labelling the most frequent.

        Needs matplotlib (``pip install skembed[plot]``).

        Parameters
        ----------
        feature : str or int
            The column's name, or its position.
        method : {"pca", "tsne"}, default="pca"
            How the vectors are brought to 2-D.
        ax : matplotlib Axes or None
            Where to draw; None makes a new figure.
        annotate : int, default=20
            How many of the most frequent categories get a label.

        Returns
        -------
        ax : matplotlib Axes
            The Axes drawn on.

        Examples
        --------
        >>> import pandas as pd
        >>> from skembed import EmbeddingEncoder
        >>> X = pd.DataFrame({"city": ["Paris", "Lyon", "Nice", "Lille"] * 25})
        >>> encoder = EmbeddingEncoder(epochs=30, random_state=0).fit(X, [0, 1] * 50)
        >>> ax = encoder.plot_embeddings("city")  # needs matplotlib
        >>> sorted(text.get_text() for text in ax.texts)
        ['Lille', 'Lyon', 'Nice', 'Paris']
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError:
            raise ImportError(
                "plot_embeddings needs matplotlib: pip install matplotlib (or skembed[plot])"
            ) from None
        if method not in ("pca", "tsne"):
            raise ValueError(f"method must be 'pca' or 'tsne', got {method!r}")
        i = self._feature_index(feature)
        self._check_not_constant(i)
        own = np.flatnonzero(own_rows(self.embeddings_[i]))
        vectors = self.embeddings_[i][own].astype(np.float64)
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
        counts = self.category_counts_[i][own]
        ax.scatter(points[:, 0], points[:, 1], s=8 + 40 * counts / counts.max(), alpha=0.6)
        categories = self.categories_[i][own]
        for j in np.argsort(-counts, kind="stable")[:annotate]:
            ax.annotate(str(categories[j]), points[j], fontsize=8)
        name = self._feature_names()[i]
        ax.set_title(f"{name}: {len(own)} categories ({method.upper()})")
        return ax

    def export_vectors(self, feature, path):
        """Write one column's vectors as text: a line per category, then its numbers.

        The common word-vector text format, without a header line. The unknown
        vector and the missing-value category are not written.

        Parameters
        ----------
        feature : str or int
            The column's name, or its position.
        path : str or path-like
            The text file to write (replaced if it exists).

        Examples
        --------
        >>> import os, tempfile
        >>> import pandas as pd
        >>> from skembed import EmbeddingEncoder
        >>> X = pd.DataFrame({"city": ["Paris", "Lyon"] * 5})
        >>> one_hot = EmbeddingEncoder(
        ...     initial_embeddings="one_hot", trainable=False, min_frequency=None
        ... ).fit(X)
        >>> path = os.path.join(tempfile.mkdtemp(), "cities.txt")
        >>> one_hot.export_vectors("city", path)
        >>> print(open(path).read(), end="")
        Lyon 1.0 0.0
        Paris 0.0 1.0
        """
        i = self._feature_index(feature)
        categories = self.categories_[i]
        table = self.embeddings_[i]
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

    def _feature_index(self, feature):
        """Position of ``feature`` (a name or a position) among the input columns."""
        check_is_fitted(self)
        names = self._feature_names()
        if isinstance(feature, Integral) and not isinstance(feature, bool):
            if not 0 <= feature < len(names):
                raise ValueError(f"feature position {feature} is out of range 0..{len(names) - 1}")
            return int(feature)
        if feature in names:
            return names.index(feature)
        raise ValueError(f"Unknown feature {feature!r}; the features are {names}")

    def _check_not_constant(self, i):
        """Refuse to look among the vectors of a column the column gate made constant."""
        gain = getattr(self, "column_gains_", np.full(i + 1, np.nan))[i]
        if gain < (self.min_column_gain or 0.0):
            raise ValueError(
                f"column {self._feature_names()[i]!r} has one vector for every category: "
                f"its vectors lowered the validation loss by {100 * gain:.1f}%, under "
                f"min_column_gain={self.min_column_gain} (set it to None to keep them)"
            )


def _at_least_two_columns(vectors):
    if vectors.shape[1] >= 2:
        return vectors
    return np.hstack([vectors, np.zeros((len(vectors), 1))])


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
