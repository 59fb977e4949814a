"""Each column's parameters, resolved and checked against the column names
before any of the data is read.

Numpy world. A parameter may be given for every column or, as a dict, by
column name or position (``dims``, ``analyzer``, ``initial_embeddings``,
``trainable``); a misspelt name or a bad value is an error that names the
parameter and the column, raised before a possibly long pass over the rows.
"""

from dataclasses import dataclass
from numbers import Integral

import numpy as np

from ._tokens import check_analyzer

ONE_HOT = "one_hot"

#: Widest embedding that ``dims="auto"`` gives a column.
MAX_AUTO_DIM = 8


def auto_dim(n_categories):
    """Embedding width for a column of ``n_categories`` under ``dims="auto"``.

    :data:`MAX_AUTO_DIM` numbers, or one per category for a column with fewer.
    Chosen on the benchmark's validation splits: narrow tables serve
    distance-based and tree models downstream better than rules that grow
    with the cardinality (fast.ai's ``1.6 * n ** 0.56``, capped at 30, was the
    earlier default), and halve the output.
    """
    return int(min(MAX_AUTO_DIM, max(1, n_categories)))


@dataclass(frozen=True)
class ColumnSettings:
    """One column's parameters, resolved."""

    name: object
    analyzer: object = None  # None: a plain column; else how a cell splits into tokens
    dims: object = "auto"  # "auto" or a positive int
    initial: object = None  # None, ONE_HOT, or the given vectors (array, DataFrame, file)
    trainable: bool = True


@dataclass(frozen=True)
class FitSettings:
    """Every parameter of a fit that can be checked without the data."""

    columns: tuple  # one ColumnSettings per column
    hidden_units: object  # a tuple of positive ints, or "auto"


def fit_settings(params, names):
    """The :class:`FitSettings` of an encoder's ``params`` (``get_params()``)
    for columns ``names``; raises ValueError on what no data could make valid."""
    check_dtype(params["dtype"])
    hidden_units = checked_hidden_units(params["hidden_units"])
    categories = params["categories"]
    if not (isinstance(categories, str) and categories == "auto") and len(categories) != len(
        names
    ):
        raise ValueError(
            f"categories has {len(categories)} entries but X has "
            f"{len(names)} columns; give one array-like per column."
        )
    initial = params["initial_embeddings"]
    if initial is None or (isinstance(initial, str) and initial == ONE_HOT):
        given = [initial] * len(names)
    else:
        given = per_column(initial, names, "initial_embeddings", None)
    trainable = per_column(params["trainable"], names, "trainable", True)
    columns = []
    for name, analyzer, width, vectors, train in zip(
        names, analyzers(params["analyzer"], names), _dims(params["dims"], names), given,
        trainable,
    ):  # fmt: skip
        if not isinstance(train, (bool, np.bool_)):
            raise ValueError(
                f"trainable must be a bool or a dict of bools, got {train!r} for column {name!r}"
            )
        # trainable=False applies to the columns with given vectors, unless a
        # dict names a column without them, or no column has any.
        if vectors is None and not train and (
            isinstance(params["trainable"], dict) or all(g is None for g in given)
        ):
            raise ValueError(
                f"trainable=False for column {name!r}, but initial_embeddings gives it "
                "no vectors to keep: only given vectors can be frozen"
            )
        columns.append(ColumnSettings(name, analyzer, width, vectors, bool(train)))
    return FitSettings(tuple(columns), hidden_units)


def analyzers(analyzer, names):
    """Each column's analyzer (None: a plain column), checked."""
    resolved = per_column(analyzer, names, "analyzer", None)
    for entry, name in zip(resolved, names):
        check_analyzer(entry, name)
    return resolved


def _dims(dims, names):
    if isinstance(dims, list):
        if len(dims) != len(names):
            raise ValueError(f"dims has {len(dims)} entries but X has {len(names)} columns")
        asked = list(dims)
    else:
        asked = per_column(dims, names, "dims", "auto")
    for wanted in asked:
        if wanted != "auto" and not (
            isinstance(wanted, Integral) and not isinstance(wanted, bool) and wanted >= 1
        ):
            raise ValueError(f"every entry of dims must be a positive int, got {dims!r}")
    return [wanted if wanted == "auto" else int(wanted) for wanted in asked]


def widths(settings, vocabularies, starts):
    """Each column's width: its starting table's, else the asked one or the auto rule."""
    resolved = []
    for column, vocabulary, start in zip(settings.columns, vocabularies, starts):
        wanted = column.dims
        if start is None:
            resolved.append(auto_dim(len(vocabulary)) if wanted == "auto" else wanted)
        elif wanted in ("auto", start.width):
            resolved.append(start.width)
        else:
            raise ValueError(
                f"dims asks {wanted} for column {column.name!r}, but its starting table "
                "(from initial_embeddings, or the previous fit with warm_start=True) "
                f"has width {start.width}; leave dims at 'auto' for that column"
            )
    return resolved


def check_dtype(dtype):
    try:
        is_float = np.dtype(dtype).kind == "f"
    except TypeError:
        is_float = False
    if not is_float:
        raise ValueError(f"dtype must be a numpy float dtype, got {dtype!r}")


def checked_hidden_units(hidden_units):
    if isinstance(hidden_units, str) and hidden_units == "auto":
        return hidden_units
    units = tuple(hidden_units)
    if not all(isinstance(u, Integral) and u >= 1 for u in units):
        raise ValueError(
            f"hidden_units must be a tuple of positive ints or \"auto\", got {hidden_units!r}"
        )
    return tuple(int(u) for u in units)


def per_column(value, names, parameter, default):
    """Resolve a parameter given for all columns or as a dict by name or position."""
    if not isinstance(value, dict):
        return [value] * len(names)
    resolved = [default] * len(names)
    for key, entry in value.items():
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            if not 0 <= key < len(names):
                raise ValueError(
                    f"{parameter} names column position {key}, but X has {len(names)} columns"
                )
            resolved[int(key)] = entry
        elif key in names:
            resolved[names.index(key)] = entry
        else:
            raise ValueError(
                f"{parameter} names a column that X does not have: {key!r}; the columns "
                f"are {list(names)}"
            )
    return resolved
