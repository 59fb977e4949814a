"""One column's categories and the mapping of values to row indices.

Numpy world: imports numpy and pandas only (and pyarrow, to look up strings
that Arrow already holds).

A column of ``n`` categories owns an embedding table of ``n + 1`` rows. Row ``i``
belongs to ``categories[i]``; the last row, ``n``, is shared by unknown values
(and, after fit, copied into the rows of infrequent categories). Missing values
(None, NaN, pd.NA, NaT) are one category, stored as ``np.nan`` (``NaT`` among
datetimes and timedeltas, which keep their dtype).
"""

from numbers import Integral, Real

import numpy as np
import pandas as pd

#: The code :meth:`Vocabulary.encode` gives a value that is not a known category.
UNKNOWN = -1


def _is_missing(values):
    return np.asarray(pd.isna(values), dtype=bool)


def _hashable(values):
    """``values``, with float16 (which pandas cannot hash) as float32."""
    if getattr(values, "dtype", None) == np.float16:
        return values.astype(np.float32)
    return values


def _arrow_strings(values):
    """``values`` as a pyarrow (chunked) array if they are strings stored by
    Arrow (pandas 3's default ``str``, ``string[pyarrow]``, ``ArrowDtype``
    strings), else None. pyarrow is imported only for such values."""
    dtype = getattr(values, "dtype", None)
    if not (
        isinstance(dtype, pd.StringDtype) and dtype.storage != "python"
        or isinstance(dtype, pd.ArrowDtype) and dtype.kind == "U"
    ):
        return None
    import pyarrow as pa

    # Through the Arrow protocol: the strings are not copied.
    return pa.array(getattr(values, "array", values))


def write_vectors(out, codes, table, vocabulary, handle_unknown):
    """Write the vectors of a plain column's ``codes`` into ``out`` (width, n_samples).

    Unknown codes take the unknown row, or zeros under ``handle_unknown="ignore"``;
    ``codes`` may be changed.
    """
    unknown = codes == UNKNOWN
    has_unknown = unknown.any()
    if has_unknown:
        codes[unknown] = vocabulary.unknown_row
    # Every code is a valid row by now; mode="clip" skips take's bounds
    # check and its buffered copy.
    np.take(table.T, codes, axis=1, out=out, mode="clip")
    if has_unknown and handle_unknown == "ignore":
        out[:, unknown] = 0


def infrequent_masks(counts, n_samples, min_frequency, max_categories):
    """Per column, which categories are infrequent, from their ``counts``: by
    ``min_frequency`` (a count, or a share of ``n_samples``; or a list, one
    count per column), then ``max_categories``, as OneHotEncoder chooses them."""
    thresholds = min_frequency if isinstance(min_frequency, list) else [min_frequency] * len(counts)
    masks = []
    for count, threshold in zip(counts, thresholds):
        if isinstance(threshold, Real) and not isinstance(threshold, Integral) and threshold < 1:
            threshold = threshold * n_samples
        rare = np.zeros(len(count), dtype=bool) if threshold is None else count < threshold
        # The vectors left: the frequent categories' and the shared one.
        kept = len(count) - rare.sum() + 1
        if max_categories is not None and kept > max_categories:
            keep = max_categories - 1
            rare[np.argsort(count, kind="mergesort")[: len(count) - keep]] = True
        masks.append(rare)
    return masks


def unique_sorted(column, name):
    """The distinct values of ``column``, sorted as OneHotEncoder sorts them.

    Non-missing values come first in ascending order; one ``np.nan`` stands last
    for all missing values, if there are any.
    """
    uniques = pd.unique(_hashable(column))
    missing = _is_missing(uniques)
    present = np.asarray(uniques[~missing] if missing.any() else uniques)
    if present.dtype.kind in "OUST":
        present = present.astype(object)
    try:
        if present.dtype == object:
            # CPython's list sort compares strings natively: about three times
            # faster than numpy's sort of objects (5 million categories).
            present = np.fromiter(sorted(present.tolist()), dtype=object, count=len(present))
        else:
            present = np.sort(present)
    except TypeError:
        types = sorted({type(v).__name__ for v in present})
        raise TypeError(
            f"Column {name!r} mixes values of types {types}; an encoder needs the "
            "values of one column to be all strings or all numbers. Convert the "
            "column first, for example with .astype(str)."
        ) from None
    if missing.any():
        if present.dtype.kind in "mM":
            # As datetimes: object would turn nanosecond datetimes into ints.
            return np.append(present, np.array(["NaT"], dtype=present.dtype))
        if present.dtype.kind != "f":
            present = present.astype(object)
        present = np.append(present, np.nan)
    return present


def count_codes(codes, n_categories, weights=None):
    """Occurrences of each category code, ignoring unknown values; with
    ``weights`` (one per code), their sums."""
    known = codes >= 0
    return np.bincount(codes[known], weights=None if weights is None else weights[known],
                       minlength=n_categories)  # fmt: skip


class Vocabulary:
    """Categories of one column, with a hash table from value to row index.

    Parameters
    ----------
    categories : 1-D array
        Distinct values; at most one may be missing (None or NaN).
    """

    def __init__(self, categories):
        categories = _hashable(np.asarray(categories))
        missing = _is_missing(categories)
        if missing.sum() > 1:
            raise ValueError("categories may contain only one missing value")
        self.categories = categories
        self.missing_code = int(np.flatnonzero(missing)[0]) if missing.any() else UNKNOWN
        self._index = pd.Index(categories, dtype=categories.dtype, copy=False)
        if not self._index.is_unique:
            duplicated = self._index[self._index.duplicated()].unique()[:5].tolist()
            raise ValueError(f"categories contain duplicates: {duplicated}")
        self._arrow_value_sets = {}  # by Arrow type: see _arrow_lookup

    def __getstate__(self):
        # The Arrow value sets are a cache: a pickled vocabulary stays numpy.
        return {**self.__dict__, "_arrow_value_sets": {}}

    def __len__(self):
        return len(self.categories)

    @property
    def unknown_row(self):
        """Index of the table row shared by unknown and infrequent values."""
        return len(self.categories)

    def grown_by(self, other):
        """A vocabulary with these categories first, then ``other``'s new ones."""
        new = other.categories[self.encode(other.categories) == UNKNOWN]
        if not len(new):
            return self
        return Vocabulary(np.concatenate([self.categories, new]))

    def encode(self, column, may_be_missing=True):
        """Row index of each value of ``column``; :data:`UNKNOWN` where unknown.

        A pandas ``category`` column is encoded by remapping its codes: the hash
        lookup then runs over its categories only, not over every row. Values
        known to be present (tokens) skip the search for missing ones.
        """
        if isinstance(getattr(column, "dtype", None), pd.CategoricalDtype):
            column = pd.Series(column, copy=False)
            by_code = self._lookup(column.cat.categories)
            # Code -1 (missing) picks the appended last entry.
            by_code = np.append(by_code, self.missing_code)
            return by_code[column.cat.codes.to_numpy()]
        return self._lookup(column, may_be_missing)

    def _lookup(self, values, may_be_missing=True):
        arrow = _arrow_strings(values)
        if arrow is not None and len(arrow) >= len(self.categories):
            codes = self._arrow_lookup(arrow)
        else:
            values = _hashable(values)
            codes = self._index.get_indexer(values)
        if may_be_missing and self.missing_code != UNKNOWN:
            # The hash table matches NaN to NaN but not None or pd.NA to NaN.
            codes[_is_missing(values)] = self.missing_code
        return codes

    def _arrow_lookup(self, strings):
        """Codes of a pyarrow string array, looked up by Arrow itself.

        pandas' hash table would first turn every Arrow string into a Python
        one (twice the time of an ``object`` column). Arrow hashes the value
        set anew at each call, which costs about as much as looking up as many
        rows: the caller uses this only for at least as many rows as categories.
        Missing values come back unknown, as from ``get_indexer``.
        """
        import pyarrow as pa
        import pyarrow.compute as pc

        value_set = self._arrow_value_sets.get(strings.type)
        if value_set is None:
            # Position for position: a category that is not a string (the
            # missing one among them) is a null, which no string matches.
            value_set = pa.array(
                [v if isinstance(v, str) else None for v in self.categories.tolist()],
                type=strings.type,
            )
            self._arrow_value_sets[strings.type] = value_set
        found = pc.index_in(strings, value_set=value_set, skip_nulls=True)
        return found.fill_null(UNKNOWN).to_numpy(zero_copy_only=False).astype(np.intp)
