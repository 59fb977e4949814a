"""Where each embedding table starts: one-hot, given vectors, or a previous fit.

Numpy world. A column's :class:`Start` is a table of ``n_categories + 1`` rows
(the last for unknown values), a mask of the rows whose values are given (the
others keep the network's random initialization) and a mask of the given rows
that training must leave alone (``trainable=False``).
"""

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._inspection import own_rows, read_vectors
from ._settings import ONE_HOT
from ._spec import RANDOM_START
from ._vocabulary import UNKNOWN


@dataclass
class Start:
    """How one column's table starts."""

    table: np.ndarray  # (n_categories + 1, width) float64; only `given` rows matter
    given: np.ndarray  # bool per row: starts from `table` rather than at random
    frozen: np.ndarray  # bool per row: given, and kept as given by training
    one_hot: bool = False  # an identity table: output columns are categories

    @property
    def width(self):
        return self.table.shape[1]


def one_hot_start(infrequent):
    """An identity table: one column per frequent category, one for the infrequent.

    As OneHotEncoder's: infrequent categories (if any) share a last column,
    which unknown values get too; without infrequent categories an unknown
    value is all zeros.
    """
    frequent = np.flatnonzero(~infrequent)
    width = len(frequent) + int(infrequent.any())
    table = np.zeros((len(infrequent) + 1, width))
    table[frequent, np.arange(len(frequent))] = 1.0
    if infrequent.any():
        table[np.append(infrequent, True), -1] = 1.0
    given = np.ones(len(table), dtype=bool)
    return Start(table, given, frozen=np.zeros_like(given), one_hot=True)


def given_start(vectors, vocabulary, name):
    """The rows of ``vectors`` (array, DataFrame, ``(words, matrix)`` or
    word-vector file) for a column.

    An array has one row per category, in the order of the column's
    categories. A DataFrame (or a file, read as one) is indexed by category,
    and a ``(words, matrix)`` pair names its matrix's rows: the rows for
    categories the column has are used, the others ignored, and only they
    are read (a memory-mapped matrix of 400,000 words stays on disk but for
    the column's).
    """
    if isinstance(vectors, (str, os.PathLike)):
        if not os.path.isfile(vectors):
            raise ValueError(
                f"initial_embeddings for column {name!r} is {str(vectors)!r}, which is "
                f"neither {ONE_HOT!r} nor a file of vectors"
            )
        vectors = _as_category_type(read_vectors(vectors), vocabulary.categories)
    if isinstance(vectors, tuple):
        if len(vectors) != 2:
            raise ValueError(
                f"initial_embeddings for column {name!r} is a tuple of {len(vectors)} "
                "items; give (words, matrix): the categories, and one row of numbers each"
            )
        words, matrix = pd.Index(np.asarray(vectors[0], dtype=object)), vectors[1]
        if len(words) != len(matrix):
            raise ValueError(
                f"initial_embeddings for column {name!r} names {len(words)} words for "
                f"{len(matrix)} rows of vectors"
            )
    elif isinstance(vectors, pd.DataFrame):
        words, matrix = vectors.index, vectors
    if isinstance(vectors, (tuple, pd.DataFrame)):
        if not words.is_unique:
            repeated = words[words.duplicated()].unique()[:5].tolist()
            raise ValueError(
                f"initial_embeddings for column {name!r} repeat categories {repeated}"
            )
        rows = vocabulary.encode(words.to_numpy())
        found = np.flatnonzero(rows != UNKNOWN)
        if not len(found):
            raise ValueError(
                f"none of the {len(words)} initial vectors for column {name!r} belongs to "
                f"one of its categories: its categories look like "
                f"{vocabulary.categories[:3].tolist()}, the vectors' index like "
                f"{words[:3].tolist()}"
            )
        # Only the rows of the column's categories are read, and checked.
        taken = matrix.iloc[found] if isinstance(matrix, pd.DataFrame) else matrix[found]
        rows, values = rows[found], _finite_matrix(np.asarray(taken), name)
    else:
        values = _finite_matrix(vectors, name)
        if len(values) != len(vocabulary):
            raise ValueError(
                f"initial_embeddings for column {name!r} has {len(values)} rows but the "
                f"column has {len(vocabulary)} categories; give one row per category, "
                "in the order of its categories, or a DataFrame indexed by category"
            )
        rows = np.arange(len(values))
    table = np.zeros((len(vocabulary) + 1, values.shape[1]))
    table[rows] = values
    given = np.zeros(len(table), dtype=bool)
    given[rows] = True
    return Start(table, given, frozen=np.zeros_like(given))


def _as_category_type(vectors, categories):
    """A file's vectors, their tokens read as the column's type (numbers, bools, dates).

    A file holds every token as text, as ``export_vectors`` writes it, so that
    the vectors of an integer column are found by its categories. Tokens that
    do not read as that type are dropped: they cannot be its categories.
    """
    kind = pd.api.types.infer_dtype(categories, skipna=True)
    tokens = vectors.index.to_series()
    if kind == "boolean":
        typed = tokens.map({"True": True, "False": False})
    elif kind in ("integer", "floating", "mixed-integer-float"):
        typed = pd.to_numeric(tokens, errors="coerce")
    elif kind in ("datetime64", "datetime"):
        typed = pd.to_datetime(tokens, errors="coerce")
    else:
        return vectors
    readable = typed.notna().to_numpy()
    vectors = vectors[readable]
    typed = typed[readable].to_numpy()
    if categories.dtype.kind in "biufM":
        typed = typed.astype(categories.dtype)  # "0.1" is float32(0.1) for a float32 column
    vectors.index = pd.Index(typed)
    return vectors


def _finite_matrix(values, name):
    values = np.asarray(values)
    if values.dtype.kind not in "biuf":
        raise ValueError(
            f"initial_embeddings for column {name!r} must be real numbers, got dtype "
            f"{values.dtype}"
        )
    values = values.astype(np.float64)
    if values.ndim != 2 or values.shape[1] == 0:
        raise ValueError(
            f"initial_embeddings for column {name!r} must be 2-D with at least one "
            f"column, got shape {values.shape}"
        )
    # The network trains in float32: a value beyond its range would become inf.
    with np.errstate(over="ignore"):
        in_float32 = values.astype(np.float32)
    if not np.isfinite(in_float32).all():
        raise ValueError(
            f"initial_embeddings for column {name!r} contain NaN, infinity, or values "
            "too large for float32"
        )
    return values


def previous_start(table, own, n_categories):
    """Warm start: the rows a previous fit learned, for a vocabulary grown after them.

    ``table`` is the previous fit's table and ``own`` marks its categories
    that had a vector of their own; they keep it as their starting point, and
    the previous unknown row starts the new one.
    """
    start = np.zeros((n_categories + 1, table.shape[1]))
    given = np.zeros(len(start), dtype=bool)
    old = len(table) - 1
    start[:old][own] = table[:-1][own]
    given[:old] = own
    start[-1], given[-1] = table[-1], True
    return Start(start, given, frozen=np.zeros_like(given))


def column_starts(settings, vocabularies, infrequent, previous=None):
    """Each column's :class:`Start` (None: all rows random), from its settings.

    ``infrequent`` is narrowed in place: a category with a given vector is not
    infrequent (but a one-hot table's given rows follow ``min_frequency``).
    ``previous`` (a warm start) holds the previous fit's tables, where the
    columns continue.
    """
    starts = []
    for i, (column, vocabulary, rare) in enumerate(
        zip(settings.columns, vocabularies, infrequent)
    ):
        name, vectors = column.name, column.initial
        if vectors is None:
            start = None
        elif isinstance(vectors, str) and vectors == ONE_HOT:
            start = one_hot_start(rare)
        else:
            start = given_start(vectors, vocabulary, name)
        if start is not None and not column.trainable:
            start.frozen = start.given.copy()
        if previous is not None:
            start = _continued(previous[i], start, vocabulary, name)
        if start is not None and start.one_hot:
            # As in OneHotEncoder: infrequent categories share the last column.
            rare_rows = np.append(rare, False)
            start.given &= ~rare_rows
            start.frozen &= ~rare_rows
        elif start is not None:
            # min_frequency is about what the data can teach: a category
            # with a vector given, or kept from the previous fit, keeps it,
            # unchanged, since its few rows would teach it only their own
            # targets (which a model fitted on those rows would then read).
            start.frozen[:-1] |= rare & start.given[:-1]
            rare &= ~start.given[:-1]
        starts.append(start)
    return starts


def _continued(table, start, vocabulary, name):
    """Warm start: a column starts from the previous fit's ``table`` where it had rows."""
    previous = previous_start(table, own_rows(table), len(vocabulary))
    if start is None:
        return previous
    if start.width != previous.width:
        raise ValueError(
            f"warm_start keeps the width of column {name!r}'s previous table "
            f"({previous.width}), but its initial_embeddings have width {start.width}"
        )
    # Frozen rows stay as given; the other rows continue from where they were.
    use = previous.given & ~start.frozen
    start.table[use] = previous.table[use]
    start.given |= use
    return start


def nothing_to_learn(supervised, starts, infrequent):
    """Whether every table is given and frozen, so that fit trains nothing.

    Fitted on y (``supervised``), every row a value can reach must be frozen (unknown row
    included). Without y, every column must be frozen with a vector for
    each of its categories; otherwise the missing vectors are learned from
    the other columns (a fit without a target).
    """
    complete = [
        s is not None and (s.frozen[:-1] | rare).all() for s, rare in zip(starts, infrequent)
    ]
    if not supervised:
        return all(complete)
    return all(done and s.frozen[-1] for done, s in zip(complete, starts))


def with_vector(trained, starts):
    """Per column, the categories with a vector of their own: trained or given."""
    return [
        seen if start is None else seen | start.given[:-1] for seen, start in zip(trained, starts)
    ]


def given_tables(starts):
    """The starting tables as the fitted ones, when there is nothing to train.

    An unknown row that was not given becomes zeros, as OneHotEncoder encodes
    an unknown value: without a target there is nothing to learn it from.
    """
    tables = [start.table.copy() for start in starts]
    for table, start in zip(tables, starts):
        if not start.given[-1]:
            table[-1] = 0.0
    return tables


def scaled_to_random_start(tables, learned, starts):
    """Scale each table learned without y to the spread of a random start, in place.

    The co-occurrence loss leaves vectors several times wider than a fit on
    y does. A warm start from such vectors (fine-tuning on labels) moves them
    little next to their spread, so they stay arranged by co-occurrence,
    which serves a neighbours model poorly. Scaled to the root mean square of
    the random start, they are moved by y as readily as random rows are. A
    scalar per column keeps its vectors' directions and proportions, and a
    column with given vectors (``starts``) is left as it is. ``learned``
    marks each table's rows the fit trained (its unknown row, last, too).
    """
    target = RANDOM_START / np.sqrt(3)
    for table, rows, start in zip(tables, learned, starts):
        if start is None and rows.any():
            spread = np.sqrt(np.mean(np.square(table[rows], dtype=np.float64)))
            if spread > 0:
                table *= np.float32(target / spread)
