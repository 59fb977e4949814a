"""Token columns: a cell is a bag of tokens, encoded as the mean of their vectors.

Numpy world. A plain column maps a value to one table row. A token column
(``analyzer`` set) splits each cell into tokens (words, character n-grams, the
tags of a list, or what a callable returns) and gives every token a row: the
column's categories are its tokens, and a cell's vector is the mean of its
tokens' rows. Cells are tokenized once per distinct value; pooling is then one
gather and one segment sum.

Every token vocabulary ends with ``np.nan``: the row of a cell without
tokens (empty, or missing), as the missing category ends a plain column's.
"""

import datetime
import itertools
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._vocabulary import UNKNOWN, count_codes, unique_sorted

#: The analyzers a column may name; a callable may be given instead.
ANALYZERS = ("word", "char_wb", "list", "date")

#: scikit-learn's default token pattern: words of two or more word characters.
_WORD = re.compile(r"(?u)\b\w\w+\b")

#: Lengths of the character n-grams of ``"char_wb"`` (fastText's).
NGRAM_RANGE = (3, 5)


def check_analyzer(analyzer, name):
    """Raise unless ``analyzer`` is None, one of :data:`ANALYZERS` or a callable."""
    if analyzer is None or callable(analyzer) or (
        isinstance(analyzer, str) and analyzer in ANALYZERS
    ):
        return
    raise ValueError(
        f"analyzer for column {name!r} must be None, one of {list(ANALYZERS)} or a "
        f"callable, got {analyzer!r}"
    )


#: Weekday names of the ``"date"`` analyzer's tokens, Monday first as pandas counts.
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def words(text):
    """Lowercased words of two or more characters, as CountVectorizer's "word"."""
    return _WORD.findall(text.lower())


def char_wb_ngrams(text):
    """Character n-grams inside words, and the whole value as ``"<value>"``.

    As CountVectorizer's "char_wb": lowercased words padded by a space on each
    side, cut into n-grams of 3 to 5 characters (a word shorter than an n-gram
    once). The whole value is a token too, so that a frequent category keeps
    a vector of its own (when it passes ``min_frequency``) besides its spelling.
    """
    ngrams = ["<" + text + ">"]
    low, high = NGRAM_RANGE
    for word in text.lower().split():
        padded = " " + word + " "
        for n in range(low, high + 1):
            if len(padded) <= n:
                ngrams.append(padded)
                break
            ngrams.extend(padded[k : k + n] for k in range(len(padded) - n + 1))
    return ngrams


def date_tokens(cells, name):
    """The tokens of each date: the day, and the parts a date shares with others.

    ``"2016-07-16"`` gives itself, ``"year 2016"``, ``"month 07"``, ``"day 16"``,
    ``"month-day 07-16"`` (the same day of every year: holidays, seasons) and
    ``"weekday Sat"``; a time other than midnight adds ``"hour 14"``. So a day
    seen rarely, or never, still gets a vector from its year, month and
    weekday, which it shares with every other day. Cells are ISO 8601 strings
    or date and datetime objects; an empty string is a missing date.
    """
    values = pd.Series(cells, dtype=object)
    kinds = values.map(lambda v: isinstance(v, (str, datetime.date, np.datetime64)))
    if not kinds.all():
        bad = values[~kinds].tolist()
        raise TypeError(
            f"analyzer='date' reads dates, but column {name!r} holds values of type "
            f"{sorted({type(v).__name__ for v in bad})}, such as {bad[:3]}; give "
            "dates as ISO 8601 strings ('2016-07-16') or datetime values"
        )
    blank = values.map(lambda v: isinstance(v, str) and not v.strip()).to_numpy(dtype=bool)
    try:
        dates = pd.DatetimeIndex(
            pd.to_datetime(values.where(~blank), format="ISO8601", errors="coerce")
        )
    except (TypeError, ValueError) as error:  # for example, several time zones
        raise ValueError(f"analyzer='date' cannot read column {name!r}: {error}") from None
    unread = dates.isna() & ~blank
    if unread.any():
        raise ValueError(
            f"analyzer='date' reads ISO 8601 dates ('2016-07-16', '2016-07-16 14:30'), "
            f"but column {name!r} holds values such as {values[unread].tolist()[:3]}; "
            "convert it with pandas.to_datetime(column, format=...) first"
        )
    tokenized = [[] for _ in range(len(values))]
    dates = dates[~blank]
    parts = zip(
        dates.strftime("%Y-%m-%d"), dates.year, dates.strftime("%m-%d"), dates.day_of_week,
        dates.hour, dates != dates.normalize(),
    )  # fmt: skip
    for i, (day, year, monthday, weekday, hour, timed) in zip(np.flatnonzero(~blank), parts):
        tokens = tokenized[i]
        tokens += [day, f"year {year}", f"month {monthday[:2]}", f"day {monthday[3:]}",
                   f"month-day {monthday}", f"weekday {WEEKDAYS[weekday]}"]  # fmt: skip
        if timed:
            tokens.append(f"hour {hour:02d}")
    return tokenized


@dataclass
class Bags:
    """The distinct cells of a token column and their tokens.

    Row ``r`` of the column holds cell ``cell_of_row[r]``, whose tokens are
    ``tokens[indptr[c] : indptr[c + 1]]``; a cell without tokens (empty or
    missing) has an empty slice.
    """

    cell_of_row: np.ndarray  # intp, one per row
    tokens: np.ndarray  # object array of str, every cell's tokens one after another
    indptr: np.ndarray  # int64, n_cells + 1

    @property
    def n_cells(self):
        return len(self.indptr) - 1

    def encode(self, vocabulary):
        """The cells' tokens as codes of ``vocabulary``: :class:`TokenCodes`.

        A cell without tokens gets one: the vocabulary's last entry (NaN), so
        that every cell has a mean.
        """
        lengths = np.diff(self.indptr)
        codes = vocabulary.encode(self.tokens, may_be_missing=False)
        empty = lengths == 0
        if empty.any():
            lengths = np.maximum(lengths, 1)
            codes = np.insert(codes, self.indptr[:-1][empty], vocabulary.missing_code)
        indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        return TokenCodes(self.cell_of_row, codes, indptr)


@dataclass
class TokenCodes:
    """A token column's cells as category codes: cell ``c`` holds
    ``codes[indptr[c] : indptr[c + 1]]``, never an empty slice."""

    cell_of_row: np.ndarray  # intp, one per row
    codes: np.ndarray  # intp; -1 (UNKNOWN) for a token outside the vocabulary
    indptr: np.ndarray  # int64, n_cells + 1

    @property
    def n_cells(self):
        return len(self.indptr) - 1

    def counts(self, cells, n_categories, weights=None):
        """How many of the rows holding ``cells`` (one entry per row; negative:
        none) hold each category, a token repeated in a cell counting once:
        each token's document frequency; with ``weights``, their rows' summed
        weights."""
        rows_per_cell = count_codes(cells, self.n_cells, weights)
        cell_of_code = np.repeat(np.arange(self.n_cells), np.diff(self.indptr))
        pairs = np.unique(np.stack([cell_of_code, self.codes]), axis=1)
        pairs = pairs[:, pairs[1] >= 0]
        counts = np.bincount(pairs[1], weights=rows_per_cell[pairs[0]], minlength=n_categories)
        return counts if weights is not None else counts.astype(np.int64)

    def table_rows(self, row_of_code, unknown_row):
        """What training reads: the cells' table rows (``row_of_code`` maps a
        code to its row, the last entry standing for unknown), and one more
        cell, holding just ``unknown_row``, for rows relabelled as unknown."""
        rows = np.append(row_of_code[self.codes], unknown_row).astype(np.int32)
        indptr = np.append(self.indptr, self.indptr[-1] + 1)
        return indptr, rows


def split_cells(column, analyzer, name):
    """Tokenize the distinct cells of ``column`` with ``analyzer``: :class:`Bags`."""
    cells, cell_of_row = _distinct_cells(column, analyzer, name)
    if analyzer == "list":
        tokenized = cells
    elif analyzer == "date":
        tokenized = date_tokens(cells, name)
    else:
        tokenize = {"word": words, "char_wb": char_wb_ngrams}.get(analyzer, analyzer)
        if not callable(analyzer):
            _check_strings(cells, analyzer, name)
        tokenized = [tokenize(cell) for cell in cells]
        if callable(analyzer):
            _check_lists(tokenized, cells, name)
    lengths = np.fromiter(map(len, tokenized), dtype=np.int64, count=len(tokenized))
    # A last, empty cell for missing values.
    indptr = np.zeros(len(tokenized) + 2, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:-1])
    indptr[-1] = indptr[-2]
    tokens = np.empty(indptr[-1], dtype=object)
    tokens[:] = list(itertools.chain.from_iterable(tokenized))
    if analyzer == "list" or callable(analyzer):
        _check_strings_tokens(tokens, indptr, cells, analyzer, name)
    cell_of_row[cell_of_row < 0] = len(tokenized)
    return Bags(cell_of_row, tokens, indptr)


def _distinct_cells(column, analyzer, name):
    """The distinct non-missing cells, and each row's index among them (-1: missing).

    Hashable cells (strings, numbers) are factorized as they are; a callable
    meeting unhashable ones, and "list", go through a key per row: a tuple for
    a list-like, and the row itself for another unhashable cell (a set, a
    dict), which is then tokenized on its own.
    """
    values = column if isinstance(column, pd.Series) else np.asarray(column, dtype=object)
    if analyzer != "list":
        try:
            cell_of_row, uniques = pd.factorize(values, use_na_sentinel=True)
            return list(np.asarray(uniques, dtype=object)), cell_of_row.astype(np.intp)
        except TypeError:  # unhashable cells: only a callable can take them
            if not callable(analyzer):
                raise
    objects = np.asarray(column, dtype=object)
    keys = pd.Series(
        [_cell_key(cell, analyzer == "list", row) for row, cell in enumerate(objects)],
        dtype=object,
    )  # a Series: numpy would turn tuples of equal length into a 2-D array
    if analyzer == "list":
        rows = np.flatnonzero([key is _NOT_A_LIST for key in keys])
        if len(rows):
            raise TypeError(
                f"analyzer='list' needs every cell of column {name!r} to be a list, "
                f"tuple or array of tokens (or missing); rows {rows[:5].tolist()} hold "
                f"{[type(v).__name__ for v in objects[rows[:5]]]}"
            )
    cell_of_row, _ = pd.factorize(keys, use_na_sentinel=True)
    # The first row of each distinct cell stands for it, in the order of the codes.
    codes, first = np.unique(cell_of_row, return_index=True)
    source = keys.to_numpy() if analyzer == "list" else objects
    return list(source[first[codes >= 0]]), cell_of_row.astype(np.intp)


_NOT_A_LIST = object()


def _cell_key(cell, list_only, row):
    """A hashable stand-in for a cell: a tuple for a list-like, NaN for missing.

    With ``list_only``, any other cell is :data:`_NOT_A_LIST`; otherwise (for a
    callable) a hashable cell stands for itself and an unhashable one for its
    row alone.
    """
    if isinstance(cell, (list, tuple, np.ndarray, pd.Series)):
        return tuple(cell)
    if cell is None or (isinstance(cell, float) and cell != cell) or cell is pd.NA:
        return np.nan
    if list_only:
        return _NOT_A_LIST
    return cell if _hashable(cell) else (_NOT_A_LIST, row)


def _hashable(value):
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _check_strings(cells, analyzer, name):
    bad = [cell for cell in cells if not isinstance(cell, str)]
    if bad:
        raise TypeError(
            f"analyzer={analyzer!r} splits text, but column {name!r} holds values of "
            f"type {sorted({type(v).__name__ for v in bad})}, such as {bad[:3]}; convert "
            "the column to strings first, for example with .astype(str)"
        )


def _check_lists(tokenized, cells, name):
    """Raise unless a callable gave every cell a list or tuple (one check per cell)."""
    for cell, tokens in zip(cells, tokenized):
        if not isinstance(tokens, (list, tuple)):
            _refuse_tokens(cell, tokens, "the analyzer", name)


def _check_strings_tokens(tokens, indptr, cells, analyzer, name):
    """Raise unless every token is a string: one C-level pass, a search only on failure."""
    if pd.api.types.infer_dtype(tokens, skipna=False) in ("string", "empty"):
        return
    bad = next(i for i, t in enumerate(tokens) if not isinstance(t, str))
    c = int(np.searchsorted(indptr, bad, side="right")) - 1
    cell_tokens = list(tokens[indptr[c] : indptr[c + 1]])
    what = "the cells" if analyzer == "list" else "the analyzer"
    _refuse_tokens(cells[c], cell_tokens, what, name)


def _refuse_tokens(cell, tokens, what, name):
    raise TypeError(
        f"{what} of column {name!r} must give tokens as a list of strings; "
        f"for {cell!r} got {tokens!r}"
    )


def token_categories(bags, name):
    """The sorted distinct tokens, then ``np.nan`` for a cell without tokens."""
    return np.append(unique_sorted(bags.tokens, name).astype(object), np.nan)


def pool(table, codes, indptr, ignore=None):
    """Each cell's vector: the mean of its codes' rows of ``table``.

    ``codes`` are table rows; where ``ignore`` is True a token counts as a
    zero vector (an unknown token under ``handle_unknown="ignore"``).
    """
    vectors = table[codes]
    if ignore is not None:
        vectors[ignore] = 0
    sums = np.add.reduceat(vectors, indptr[:-1], axis=0)
    return sums / np.diff(indptr).astype(table.dtype)[:, None]


def write_pooled_vectors(out, tokens, cell_of_row, table, vocabulary, handle_unknown):
    """Write the vectors of a token column's rows into ``out`` (width, n_samples):
    row ``r`` holds cell ``cell_of_row[r]`` of ``tokens`` (:class:`TokenCodes`),
    whose vector is the mean of its tokens' (an unknown token counting as the
    unknown row, or not at all under ``handle_unknown="ignore"``)."""
    codes, ignored = tokens.codes, None
    unknown = codes == UNKNOWN
    if unknown.any():
        codes = np.where(unknown, vocabulary.unknown_row, codes)
        ignored = unknown if handle_unknown == "ignore" else None
    cells = np.ascontiguousarray(pool(table, codes, tokens.indptr, ignored).T)
    np.take(cells, cell_of_row, axis=1, out=out, mode="clip")


def encode_column(column, analyzer, vocabulary, name):
    """A column's codes per row (a token column's: its cells'), and its
    :class:`TokenCodes` (None for a plain column)."""
    if analyzer is None:
        return vocabulary.encode(column), None
    tokens = split_cells(column, analyzer, name).encode(vocabulary)
    return tokens.cell_of_row, tokens


def row_counts(codes, tokens, n_categories, weights=None):
    """How many rows hold each category, from :func:`encode_column`'s result;
    with ``weights`` (one per row), the sum of their weights.

    ``codes`` may be a subset of the rows'; negative codes count for nothing.
    """
    if tokens is None:
        return count_codes(codes, n_categories, weights)
    return tokens.counts(codes, n_categories, weights)


def column_counts(codes, tokens, vocabularies, weights=None):
    """Each column's :func:`row_counts` over the rows of ``codes`` (one column
    each), and how many rows they are: with ``weights``, sums of weights."""
    counts = [
        row_counts(codes[:, i], column_tokens, len(vocabulary), weights)
        for i, (column_tokens, vocabulary) in enumerate(zip(tokens, vocabularies))
    ]
    return counts, len(codes) if weights is None else weights.sum()


def distinct_vectors(codes, infrequent, tokens):
    """How many distinct vectors a column's rows (``codes``, from
    :func:`encode_column`) reach: its frequent categories, plus one for the
    unknown and infrequent ones; a token column's distinct cells."""
    if tokens is not None:
        return len(np.unique(codes))
    own = (codes >= 0) & ~infrequent[np.maximum(codes, 0)]
    return len(np.unique(codes[own])) + int(not own.all())


def same_bag_cells(indptr, table_rows):
    """Per cell, the first cell whose table rows are the same (as a multiset).

    Cells of the same tokens ("red shirt", "shirt red"), or of tokens that all
    share the unknown row, have the same vector: one value, not two.
    """
    first, same = {}, np.empty(len(indptr) - 1, dtype=np.int32)
    for cell, (start, stop) in enumerate(zip(indptr[:-1], indptr[1:])):
        same[cell] = first.setdefault(np.sort(table_rows[start:stop]).tobytes(), cell)
    return same


def check_some_frequent(infrequent, counts, vocabulary, name):
    """Raise when every token of a column is infrequent: nothing would be learned."""
    tokens = np.ones(len(infrequent), dtype=bool)
    tokens[vocabulary.missing_code] = False  # the empty cell's entry is no token
    if tokens.any() and not infrequent[tokens].all():
        return
    if not tokens.any():
        raise ValueError(f"token column {name!r} has no tokens: every cell is empty or missing")
    top = np.flatnonzero(tokens)[int(np.argmax(counts[tokens]))]
    raise ValueError(
        f"every token of column {name!r} is infrequent, so its vocabulary would be "
        f"empty: the most frequent, {vocabulary.categories[top]!r}, is in "
        f"{counts[top]} row(s). Lower min_frequency (or raise max_categories)."
    )
