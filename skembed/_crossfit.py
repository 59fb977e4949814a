"""Cross fitting: encode each training row with vectors learned without its target.

Numpy world. ``EmbeddingEncoder.fit_transform`` with ``cv`` set fits tables per
fold on the other folds' rows (their codes, from the full fit) and encodes the
fold's rows with them; the encoder fitted on all rows is the one ``transform``
uses on new data.

Two networks trained on different rows would learn their vectors in
different coordinates. A fold's network therefore starts from the same
tables and weights as the full one (the same seed, which the targets do not
touch), and its table's axes are then matched to the full one's (a
permutation and signs, :func:`aligned`). Its vectors still differ from the
full fit's by choices the network's layers make up for, most for columns of
few categories with many rows each, so each category's vector is moved
toward the full fit's by its count (:func:`toward_full`): fixed weights,
which give a row's own target a share of about ``1 / (n + 50)`` in its
encoding. Any map fitted onto the full encoder's vectors would carry the
held-out rows' targets back in: an affine map passed exactly through the
full vectors of a column of few categories, and even a rotation, scale and
shift fitted on every category followed a category's full vector a quarter
to a half of the way on a column of 12 categories.
"""

from dataclasses import replace
from numbers import Integral

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold, check_cv
from sklearn.utils import _safe_indexing, check_random_state

from ._fitting import fit_coded, min_frequencies
from ._initial import column_starts
from ._settings import fit_settings, widths
from ._targets import prepare_target, typed_target
from ._tokens import column_counts, row_counts, write_pooled_vectors
from ._vocabulary import infrequent_masks, write_vectors

#: Cross fitting weighs a fold's vector of a category as this many rows
#: against the full fit's vector (see :func:`toward_full`). Chosen on the
#: validation splits: 50 did better than 10 on the development suite with
#: both candidates tried.
FOLD_VECTOR_ROWS = 50


def cross_fitted(params, names, fitted, coded, y):
    """The out-of-fold encoding of the rows a fit with ``cv`` set was fitted on.

    ``params`` are the encoder's, ``fitted`` the full fit's
    :class:`~skembed._fitting.Fitted`, ``coded`` the ``(codes, tokens,
    weights)`` of its rows before training: each fold is fitted on these
    codes (and its rows' sample weights), never validated or tokenized again.
    """
    codes, tokens, weights = coded
    y = typed_target(y)  # as fit read it: the splitters stratify on it
    rng = check_random_state(params["random_state"])
    classifier = fitted.target.target_type != "continuous"
    if isinstance(params["cv"], Integral):
        kind = StratifiedKFold if classifier else KFold
        cv = kind(params["cv"], shuffle=True, random_state=rng.randint(2**31 - 1))
    else:
        cv = check_cv(params["cv"], y, classifier=classifier)
    splits = list(cv.split(codes, y))
    held_out_times = np.bincount(
        np.concatenate([np.asarray(held_out) for _, held_out in splits]).astype(np.intp),
        minlength=len(codes),
    )
    if (held_out_times != 1).any():
        raise ValueError(
            f"cv must hold every row out exactly once, as KFold does, to encode it; "
            f"{(held_out_times == 0).sum()} row(s) are never held out and "
            f"{(held_out_times > 1).sum()} more than once"
        )
    one_hot = [s is not None and s.one_hot for s in fitted.starts]
    _check_one_hot_folds(params, names, fitted, one_hot, codes, tokens,
                         [train for train, _ in splits], weights)  # fmt: skip
    out = np.empty((len(codes), sum(fitted.dims)), dtype=fitted.tables[0].dtype)
    # Given vectors fix a column's orientation (and frozen ones must stay exact).
    given = params["initial_embeddings"]
    given = given if isinstance(given, dict) else {}
    random_start_columns = [
        i for i, name in enumerate(names)
        if not one_hot[i] and name not in given and i not in given
    ]  # fmt: skip
    # Columns the full fit found uninformative keep its constant vector: the
    # folds follow its choice rather than make their own.
    constant = fitted.gains < (params["min_column_gain"] or 0.0)  # NaN: kept
    # The full fit's vocabulary, widths and target type (a fold may lack a
    # class), so that a fold's tables line up with the full ones.
    fold_params = {
        **params, "cv": None, "categories": [v.categories for v in fitted.vocabularies],
        "dims": list(fitted.dims), "target_type": fitted.target.target_type,
        "warm_start": False, "min_column_gain": None,
    }  # fmt: skip
    for train, held_out in splits:
        fold_params["random_state"] = rng.randint(2**31 - 1)
        tables = _fold_tables(fold_params, names, fitted, codes[train], tokens,
                              _safe_indexing(y, train),
                              None if weights is None else weights[train])  # fmt: skip
        for i in random_start_columns:
            tables[i] = aligned(tables[i], fitted.tables[i], fitted.counts[i])
        for i in np.flatnonzero(constant):
            tables[i] = fitted.tables[i]
        tables = [toward_full(fold, full, counts)
                  for fold, full, counts in zip(tables, fitted.tables, fitted.counts)]  # fmt: skip
        out[held_out] = _encoded(codes[held_out], tokens, fitted.vocabularies, tables,
                                 params["handle_unknown"])  # fmt: skip
    return out


def toward_full(table, full, counts):
    """A fold's ``table`` moved toward the ``full`` fit's, by each category's count.

    A category seen ``n`` times in fit gets ``w * full + (1 - w) * table``,
    ``w = n / (n + FOLD_VECTOR_ROWS)``; the unknown row (the last) stays the
    fold's. A frequent category's full vector owes little to any one of its
    rows, while its fold vector may sit elsewhere: a network's vectors are
    defined only up to what its layers undo, and a fold settles on other ones
    (on flights, a month's vector in a fold was two thirds of the spread
    between months away from the full fit's). A model downstream, fitted on
    the folds' vectors, then misreads the full fit's at transform; on flights
    cross fitting took gradient boosting's AUC from 0.753 to 0.679, and 0.748
    with the move. A row's own target has a share of about
    ``1 / (n + FOLD_VECTOR_ROWS)`` in its encoding: its share of the full
    vector, ``1 / n``, times ``w``.
    """
    weights = np.append(np.asarray(counts, dtype=np.float64), 0.0)[: len(table), None]
    weights /= weights + FOLD_VECTOR_ROWS
    return (weights * full + (1 - weights) * table).astype(table.dtype)


def _fold_tables(params, names, fitted, codes, tokens, y, weights):
    """The tables of one fold, fitted on its rows' ``codes`` (changed in place).

    Its network starts where the full fit's did (the same seed: the start
    does not depend on the targets). The checks that the fold's rows may
    fail where all rows pass (a token column having a frequent token) are
    the full fit's, not repeated.
    """
    # The folds train the network the full fit kept, not choose again.
    if fitted.hidden_units is not None:  # None: nothing was trained
        params = {**params, "hidden_units": fitted.hidden_units}
    settings = fit_settings(params, names)
    vocabularies = fitted.vocabularies
    target = prepare_target(
        y, params["target_type"], "EmbeddingEncoder", classes=fitted.target.classes,
        weights=weights,
    )
    counts, total = column_counts(codes, tokens, vocabularies, weights)
    # With min_frequency="auto", each fold judges its columns from its own rows.
    min_frequency = min_frequencies(params["min_frequency"], codes, tokens, vocabularies,
                                    target, weights)  # fmt: skip
    infrequent = infrequent_masks(counts, total, min_frequency, params["max_categories"])
    starts = column_starts(settings, vocabularies, infrequent)
    return fit_coded(
        params, settings, codes, tokens, vocabularies, counts, infrequent, starts,
        widths(settings, vocabularies, starts), target, network_seed=fitted.network_seed,
        weights=weights,
    ).tables


def _encoded(codes, tokens, vocabularies, tables, handle_unknown):
    """Rows given by their ``codes`` (and ``tokens``), encoded with ``tables``."""
    out = np.empty((sum(t.shape[1] for t in tables), len(codes)), dtype=tables[0].dtype)
    start = 0
    for i, (column_tokens, vocabulary, table) in enumerate(zip(tokens, vocabularies, tables)):
        stop = start + table.shape[1]
        if column_tokens is None:
            write_vectors(out[start:stop], codes[:, i], table, vocabulary, handle_unknown)
        else:
            write_pooled_vectors(out[start:stop], column_tokens, codes[:, i], table,
                                 vocabulary, handle_unknown)  # fmt: skip
        start = stop
    return out.T


def aligned(table, reference, counts):
    """``table``'s axes permuted and their signs flipped to best match ``reference``'s.

    A fold's network starts from the full fit's tables but may converge with
    a narrow table's axes swapped or flipped: a model fitted on the
    out-of-fold encoding would then misread the full fit's. Only this
    discrete choice is made, each axis matched to the reference axis it
    correlates with most (count-weighted): a continuous map fitted onto the
    full vectors would carry the held-out rows' targets back into their
    encoding.
    """
    from scipy.optimize import linear_sum_assignment

    weights = np.append(np.asarray(counts, dtype=np.float64), 1.0)[: len(table)]
    centred = [t - weights @ t / weights.sum() for t in (table.astype(np.float64), reference)]
    covariance = centred[0].T @ (weights[:, None] * centred[1])
    rows, columns = linear_sum_assignment(-np.abs(covariance))
    signs = np.where(covariance[rows, columns] < 0, -1, 1).astype(table.dtype)
    out = np.empty_like(table)
    out[:, columns] = table[:, rows] * signs
    return out


def _check_one_hot_folds(params, names, fitted, one_hot, codes, tokens, fold_rows,
                         weights):
    """Refuse cross fitting where a fold's one-hot table would differ from the full one.

    Each fold applies ``min_frequency`` to its own rows: a one-hot column
    with infrequent categories there would get other output columns.
    """
    if params["min_frequency"] is None or not any(one_hot):
        return
    vocabularies, target = fitted.vocabularies, fitted.target
    for i in np.flatnonzero(one_hot):
        for rows in [np.arange(len(codes)), *fold_rows]:
            rows_weights = None if weights is None else weights[rows]
            counts = row_counts(codes[rows, i], tokens[i], len(vocabularies[i]), rows_weights)
            total = len(rows) if weights is None else rows_weights.sum()
            min_frequency = min_frequencies(
                params["min_frequency"], codes[rows, i : i + 1], [tokens[i]], [vocabularies[i]],
                replace(target, values=target.values[rows]), rows_weights,
            )
            rare = infrequent_masks([counts], total, min_frequency, params["max_categories"])
            if rare[0].any():
                raise ValueError(
                    f"cv cannot cross-fit the one-hot column {names[i]!r} with "
                    f"min_frequency={params['min_frequency']!r}: some of its categories are "
                    "infrequent in the rows of a fold, whose one-hot table would then "
                    "have other columns than the full encoder's; set min_frequency=None"
                )
