"""The fit below the estimator: from columns to finished embedding tables.

Numpy world: functions of arrays and small dataclasses, never of the
encoder. The in-memory fit runs every step here; the Dask fit learns its
vocabularies and codes its rows on the cluster, then shares the steps that
map codes to table rows and finish the tables. What a fit learned comes back
as a :class:`Fitted`, which the encoder stores.

The steps, in order: vocabularies (:func:`fit_vocabularies`), codes
(:func:`code_columns`), counts and infrequent masks, starting tables
(:mod:`skembed._initial`), then :func:`fit_coded`: the split into training
and validation rows, the relabelling of a few training values as unknown,
the masks of trained categories, the map of codes to table rows, the
network's specification and its training, and the finished tables.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from ._initial import given_tables, nothing_to_learn, scaled_to_random_start, with_vector
from ._spec import UNKNOWN_SHARE, network_spec
from ._targets import check_cooccurring, rows_for_a_vector, target_moments
from ._tokens import distinct_vectors, row_counts, same_bag_cells, token_categories
from ._vocabulary import UNKNOWN, Vocabulary, unique_sorted


@dataclass
class Fitted:
    """What a fit learned, as the encoder stores it."""

    vocabularies: list  # per column, its Vocabulary
    tables: list  # per column, its finished table (categories' rows, then unknown)
    dims: list
    starts: list  # per column, its Start (given, one-hot, warm) or None
    infrequent: list  # per column, a mask of its infrequent categories
    counts: list  # per column, its categories' counts in the fit's rows
    target: object  # the prepared target (type, classes), or None
    history: dict
    gains: np.ndarray  # per column, its gain (NaN: not measured)
    network_seed: int | None  # where the tables started: cross fitting starts there too
    hidden_units: tuple | None  # the network's hidden layers; None: nothing was trained


#: The hidden layers ``hidden_units="auto"`` tries beside a linear network, and
#: the share of the linear network's best validation loss they must save to be
#: kept. Chosen on validation splits: the hidden layer saved 2.5% or more of it
#: where the columns' effects depend on each other (the suite's hotel rates and
#: superstore; 3.9% and 10% on all of flights' binary and regression tasks) and
#: 0.7% or less on the suite's twelve other tasks.
AUTO_HIDDEN_UNITS = (64,)
AUTO_HIDDEN_GAIN = 0.01


#: What ``min_frequency="auto"`` applies where the target cannot judge a
#: column: token columns and fits without y.
AUTO_MIN_FREQUENCY = 5


def min_frequencies(min_frequency, codes, tokens, vocabularies, target, weights=None):
    """``min_frequency`` as :func:`~skembed._vocabulary.infrequent_masks` takes it:
    "auto" becomes one threshold per column, from the target
    (:func:`~skembed._targets.rows_for_a_vector`) for a plain column of a fit
    on y, :data:`AUTO_MIN_FREQUENCY` otherwise; any other value stays."""
    if not (isinstance(min_frequency, str) and min_frequency == "auto"):
        return min_frequency
    if not target.supervised:
        return AUTO_MIN_FREQUENCY
    return [
        AUTO_MIN_FREQUENCY if column_tokens is not None
        else rows_for_a_vector(
            *target_moments(codes[:, i], target.values, target, len(vocabulary), weights)
        )
        for i, (column_tokens, vocabulary) in enumerate(zip(tokens, vocabularies))
    ]  # fmt: skip


def checked_weights(sample_weight, column):
    """``sample_weight`` checked against ``column``'s rows, as float64 (a new
    array where converted); None stays None."""
    if sample_weight is None:
        return None
    from sklearn.utils.validation import _check_sample_weight

    # Refuses negative, NaN or all-zero weights, and another number of rows.
    return _check_sample_weight(sample_weight, column, dtype=np.float64,
                                ensure_non_negative=True)  # fmt: skip


def fit_vocabularies(columns, names, bags, categories="auto"):
    """Each column's vocabulary: its categories, or a token column's tokens
    (``bags``: per column None or its :class:`~skembed._tokens.Bags`), or
    the given ``categories``."""
    if isinstance(categories, str) and categories == "auto":
        return [
            Vocabulary(unique_sorted(c, n) if b is None else token_categories(b, n))
            for c, n, b in zip(columns, names, bags)
        ]
    return given_vocabularies(categories, names, [b is not None for b in bags])


def given_vocabularies(categories, names, token_columns):
    """The vocabularies of explicit ``categories``, one array-like per column;
    a token column (``token_columns``) gets a row for the empty cell."""
    vocabularies = []
    for given, name, is_token_column in zip(categories, names, token_columns):
        values = np.array(given)
        if values.dtype.kind in "US":
            # Keep a NaN among strings a NaN, not the string "nan".
            values = np.array(list(given), dtype=object)
        if is_token_column and not pd.isna(values).any():
            values = np.append(values.astype(object), np.nan)  # the empty cell's row
        try:
            vocabularies.append(Vocabulary(values))
        except ValueError as error:
            raise ValueError(f"categories for column {name!r}: {error}") from None
    return vocabularies


def code_columns(columns, names, bags, vocabularies, handle_unknown, explicit):
    """The fit's codes: an ``(n_samples, n_columns)`` int32 array of category
    codes (a token column: cell codes), and per column None or its token
    column's :class:`~skembed._tokens.TokenCodes`.

    Refuses a value outside the vocabulary under ``handle_unknown="error"``,
    and, with ``explicit`` categories, a column none of whose values is among
    them.
    """
    # The one integer array a fit keeps: turned in place into table rows by
    # fit_coded. The network reads its batches from it by index, so the split
    # makes no copies.
    codes = np.empty((len(columns[0]), len(columns)), dtype=np.int32)
    tokens = [None] * len(columns)
    for i, (vocabulary, column, bag) in enumerate(zip(vocabularies, columns, bags)):
        if bag is None:
            codes[:, i] = vocabulary.encode(column)
            values, value_codes = column, codes[:, i]
        else:
            tokens[i] = bag.encode(vocabulary)
            codes[:, i] = tokens[i].cell_of_row
            values, value_codes = bag.tokens, None
            if handle_unknown == "error" or explicit:  # the checks below
                value_codes = vocabulary.encode(bag.tokens, may_be_missing=False)
        if handle_unknown == "error":
            raise_if_unknown(values, value_codes, names[i], "fit")
        if explicit:
            check_some_given(values, value_codes, vocabulary, names[i])
    return codes, tokens


def check_some_given(values, codes, vocabulary, name):
    """Refuse a column none of whose ``values`` is among its given categories."""
    if (codes == UNKNOWN).all():
        raise ValueError(
            f"None of the values of column {name!r} is among its given categories: "
            f"values like {list(pd.unique(np.asarray(values, dtype=object))[:3])}, "
            f"categories like {vocabulary.categories[:3].tolist()}. Give the "
            "categories with the column's type."
        )


def raise_if_unknown(column, codes, name, stage):
    """Refuse the values of ``column`` whose ``codes`` are unknown, naming a few."""
    unknown = codes == UNKNOWN
    if unknown.any():
        values = pd.unique(np.asarray(column, dtype=object)[unknown])[:5]
        raise ValueError(
            f"Found unknown categories {list(values)} in column {name!r} during "
            f"{stage}; set handle_unknown='infrequent_if_exist' or 'ignore' to "
            "encode them anyway."
        )


def fit_coded(params, settings, codes, tokens, vocabularies, counts, infrequent, starts,
              dims, target, network_seed=None, weights=None):
    """Train the tables of coded columns (see :func:`code_columns`); return a :class:`Fitted`.

    ``params`` are the encoder's ``get_params()``, ``settings`` its
    :class:`~skembed._settings.FitSettings`; ``target`` is the prepared
    target (:func:`~skembed._targets.no_target` for a fit without y).
    ``network_seed`` fixes where the tables start (cross fitting's folds
    start where the full fit did); None draws it. ``codes`` becomes table
    rows in place. ``weights``: the rows' sample weights, or None.
    """
    if nothing_to_learn(target.supervised, starts, infrequent):
        return given_fit(params, vocabularies, counts, infrequent, starts, dims, target)
    rng = check_random_state(params["random_state"])
    train, val = split(len(codes), params["validation_fraction"], params["n_iter_no_change"],
                       rng)  # fmt: skip
    if not target.supervised:
        check_cooccurring(
            [distinct_vectors(codes[train, i], rare, column_tokens)
             for i, (rare, column_tokens) in enumerate(zip(infrequent, tokens))],
            [s.name for s in settings.columns], 0 if val is None else len(val),
            params["batch_size"],
        )  # fmt: skip
    if weights is not None and not weights[train].any():
        raise ValueError(
            "every training row has sample weight 0 (the validation rows took the others); "
            "give more rows a positive weight"
        )
    learned_unknown = [i for i, s in enumerate(starts) if s is None or not s.frozen[-1]]
    relabel_as_unknown(codes, train, learned_unknown, rng)
    # Trained: left in the training rows after the relabelling, which may
    # take every value of a category seen once or twice (with weights: rows
    # of positive weight, as if the others were absent).
    train_weights = None if weights is None else weights[train]
    trained = [
        (row_counts(codes[train, i], column_tokens, len(vocabulary), train_weights) > 0) & ~rare
        for i, (vocabulary, column_tokens, rare) in enumerate(
            zip(vocabularies, tokens, infrequent)
        )
    ]
    # Categories with a given vector keep their rows even if training never sees them.
    pooled = codes_to_table_rows(codes, tokens, vocabularies, with_vector(trained, starts))
    if not target.supervised:
        for i, cells in enumerate(pooled):
            if cells is not None:
                # Cells of the same tokens are one value: not each other's negatives.
                codes[:, i] = same_bag_cells(*cells)[codes[:, i]]

    from ._training import train_embeddings

    drawn = int(rng.randint(2**31 - 1))
    network_seed = drawn if network_seed is None else network_seed

    def trained_with(hidden_units):
        spec = network_spec(
            params, [len(v) + 1 for v in vocabularies], dims, hidden_units, target, starts,
            pooled,
        )  # fmt: skip
        return train_embeddings(
            spec, codes, target.values, train, val, seed=network_seed, starts=starts,
            pooled=pooled, weights=weights,
        )  # fmt: skip

    hidden_units, (tables, history, gains) = kept_network(
        network_candidates(settings.hidden_units, target.supervised, val is not None),
        trained_with, params["verbose"],
    )  # fmt: skip
    if not target.supervised:
        scaled_to_random_start(tables, [np.append(t, True) for t in trained], starts)
    return Fitted(
        vocabularies, finished(tables, trained, starts, params["dtype"]), dims, starts,
        infrequent, counts, target, history, gains, network_seed, hidden_units,
    )


def network_candidates(hidden_units, supervised, has_validation):
    """The hidden layers a fit tries, simplest first (see :func:`kept_network`).

    ``"auto"`` tries a linear network, then :data:`AUTO_HIDDEN_UNITS`; a fit
    without y, or without validation rows to judge by, takes the hidden layer.
    """
    if not isinstance(hidden_units, str):
        return [hidden_units]
    if not (supervised and has_validation):
        return [AUTO_HIDDEN_UNITS]
    return [(), AUTO_HIDDEN_UNITS]


def kept_network(candidates, trained_with, verbose=0):
    """``(hidden_units, trained_with(hidden_units))`` of the candidate kept.

    ``trained_with`` trains a network and returns its tables, history and
    gains. A later candidate replaces the one kept only if its best
    validation loss is lower by more than :data:`AUTO_HIDDEN_GAIN` of it:
    the simpler network wins ties, since a linear model downstream reads
    each category's effect from its vector only when the network is linear.
    """
    kept = candidates[0], trained_with(candidates[0])
    for hidden_units in candidates[1:]:
        result = trained_with(hidden_units)
        before, after = min(kept[1][1]["val_loss"]), min(result[1]["val_loss"])
        better = after < (1 - AUTO_HIDDEN_GAIN) * before
        if verbose:
            print(
                f"hidden_units={hidden_units}: best validation loss {after:.4g} against "
                f"{before:.4g} with hidden_units={kept[0]}; "
                + ("kept" if better else f"not kept (it must be {AUTO_HIDDEN_GAIN:.0%} lower)")
            )
        if better:
            kept = hidden_units, result
    return kept


def given_fit(params, vocabularies, counts, infrequent, starts, dims, target):
    """The :class:`Fitted` of a fit with nothing to train: every table given and frozen."""
    nothing_trained = [np.zeros(len(v), dtype=bool) for v in vocabularies]
    return Fitted(
        vocabularies, finished(given_tables(starts), nothing_trained, starts, params["dtype"]),
        dims, starts, infrequent, counts, target, {}, np.full(len(vocabularies), np.nan), None,
        None,
    )


def split(n_samples, validation_fraction, n_iter_no_change, rng):
    """Indices of the training rows, and of the validation rows or None."""
    order = rng.permutation(n_samples)
    if validation_fraction == 0 or n_iter_no_change is None:
        return order, None  # as scikit-learn's estimators: only early stopping holds rows out
    n_val = max(1, round(validation_fraction * n_samples))
    if n_val >= n_samples:
        raise ValueError(
            f"validation_fraction={validation_fraction} leaves no training rows "
            f"out of {n_samples} sample(s); pass more rows or set it to 0."
        )
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def relabel_as_unknown(codes, train, columns, rng):
    """Mark a small random share of the training values of ``columns`` as unknown."""
    n_unknown = min(len(train), max(1, round(UNKNOWN_SHARE * len(train))))
    for i in columns:
        codes[rng.choice(train, size=n_unknown, replace=False), i] = UNKNOWN


def row_maps(trained, vocabularies):
    """Per column, the table row of each code, and last of the unknown code (-1):
    categories not trained share the unknown row."""
    return [
        np.append(np.where(seen, np.arange(len(v)), v.unknown_row), v.unknown_row).astype(
            np.int32
        )
        for seen, v in zip(trained, vocabularies)
    ]


def codes_to_table_rows(codes, tokens, vocabularies, trained):
    """Map codes to table rows in place: untrained categories share the last.

    A token column's codes stay its cells', the unknown code becoming one
    more cell, of the unknown row alone; returns per column None, or for a
    token column its cells' table rows (``TokenCodes.table_rows``).
    """
    pooled = []
    for i, (row_of_code, column_tokens, vocabulary) in enumerate(
        zip(row_maps(trained, vocabularies), tokens, vocabularies)
    ):
        if column_tokens is None:
            codes[:, i] = row_of_code[codes[:, i]]
            pooled.append(None)
        else:
            codes[codes[:, i] == UNKNOWN, i] = column_tokens.n_cells
            pooled.append(column_tokens.table_rows(row_of_code, vocabulary.unknown_row))
    return pooled


def finished(tables, trained, starts, dtype):
    """The fitted tables: shared rows filled in, frozen rows exact, in ``dtype``."""
    for table, own in zip(tables, with_vector(trained, starts)):
        # A category without a vector of its own, trained or given, is unknown.
        table[:-1][~own] = table[-1]
    tables = [t.astype(dtype, copy=False) for t in tables]
    for table, start in zip(tables, starts):
        if start is not None:
            # Exactly as given, not rounded through the network's float32.
            table[start.frozen] = start.table[start.frozen]
    return tables
