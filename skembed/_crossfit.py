"""Cross fitting: encode each training row with vectors learned without its target.

Numpy world. ``EmbeddingEncoder.fit_transform`` with ``cv`` set fits one encoder
per fold on the other folds' rows and encodes the fold's rows with it; the
encoder fitted on all rows is the one ``transform`` uses on new data.

Two networks trained on different rows would learn their vectors in
different coordinates. A fold's network therefore starts from the same
tables and weights as the full one (the same seed, which the targets do not
touch), and ends with its axes where the full one's are: on flights the best
rotation between a fold's table and the full table is within 2% of the
identity. So the fold's vectors are used as they are. Any map fitted onto
the full encoder's vectors would carry the held-out rows' targets back in:
an affine map passed exactly through the full vectors of a column of few
categories, and even a rotation, scale and shift fitted on every category
followed a category's full vector a quarter to a half of the way on a column
of 12 categories.
"""

from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import KFold, StratifiedKFold, check_cv
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils.validation import _num_samples

from ._settings import analyzers as column_analyzers
from ._targets import typed_target
from ._tokens import encode_column, row_counts
from ._vocabulary import infrequent_masks


def cross_fitted(encoder, X, y):
    """The out-of-fold encoding of ``X`` by the fitted ``encoder`` (whose ``cv`` is set)."""
    y = typed_target(y)  # as fit read it: the splitters stratify on it
    rng = check_random_state(encoder.random_state)
    classifier = encoder.target_type_ != "continuous"
    if isinstance(encoder.cv, Integral):
        kind = StratifiedKFold if classifier else KFold
        cv = kind(encoder.cv, shuffle=True, random_state=rng.randint(2**31 - 1))
    else:
        cv = check_cv(encoder.cv, y, classifier=classifier)
    splits = list(cv.split(X, y))
    held_out_times = np.bincount(
        np.concatenate([np.asarray(held_out) for _, held_out in splits]).astype(np.intp),
        minlength=_num_samples(X),
    )
    if (held_out_times != 1).any():
        raise ValueError(
            f"cv must hold every row out exactly once, as KFold does, to encode it; "
            f"{(held_out_times == 0).sum()} row(s) are never held out and "
            f"{(held_out_times > 1).sum()} more than once"
        )
    _check_one_hot_folds(encoder, X, [train for train, _ in splits])
    out = np.empty((_num_samples(X), sum(encoder.dims_)), dtype=encoder.embeddings_[0].dtype)
    # Given vectors fix a column's orientation (and frozen ones must stay exact).
    given = encoder.initial_embeddings if isinstance(encoder.initial_embeddings, dict) else {}
    random_start_columns = [
        i for i, name in enumerate(encoder._feature_names())
        if not encoder._one_hot_columns[i] and name not in given and i not in given
    ]  # fmt: skip
    # Columns the full fit found uninformative keep its constant vector: the
    # folds follow its choice rather than make their own.
    constant = encoder.column_gains_ < (encoder.min_column_gain or 0.0)  # NaN: kept
    for train, held_out in splits:
        # The full encoder's vocabulary, widths and target type (a fold may
        # lack a class), so that its tables line up with the full ones.
        fold = clone(encoder).set_params(
            cv=None,
            categories=list(encoder.categories_),
            dims=list(encoder.dims_),
            target_type=encoder.target_type_,
            warm_start=False,
            min_column_gain=None,
            random_state=rng.randint(2**31 - 1),
        )
        fold._fit(
            _safe_indexing(X, train), _safe_indexing(y, train), classes=encoder.classes_,
            fold=True,  # its rows may lack a category list's values, or frequent tokens
            network_seed=encoder._network_seed,  # the same starting tables: target-free
        )  # fmt: skip
        for i in random_start_columns:
            fold.embeddings_[i] = aligned(
                fold.embeddings_[i], encoder.embeddings_[i], encoder.category_counts_[i]
            )
        for i in np.flatnonzero(constant):
            fold.embeddings_[i] = encoder.embeddings_[i]
        out[held_out] = fold.transform(_safe_indexing(X, held_out))
    return out


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


def _check_one_hot_folds(encoder, X, fold_rows):
    """Refuse cross fitting where a fold's one-hot table would differ from the encoder's.

    Each fold applies ``min_frequency`` to its own rows: a one-hot column
    with infrequent categories there would get other output columns.
    """
    one_hot = [i for i, flag in enumerate(encoder._one_hot_columns) if flag]
    if encoder.min_frequency is None or not one_hot:
        return
    columns = encoder._check_X(X, reset=False)
    names = encoder._feature_names()
    analyzers = column_analyzers(encoder.analyzer, names)
    for i in one_hot:
        vocabulary = encoder._vocabularies[i]
        codes, tokens = encode_column(columns[i], analyzers[i], vocabulary, names[i])
        for rows in [np.arange(len(codes)), *fold_rows]:
            counts = row_counts(codes[rows], tokens, len(vocabulary))
            rare = infrequent_masks(
                [counts], len(rows), encoder.min_frequency, encoder.max_categories
            )
            if rare[0].any():
                raise ValueError(
                    f"cv cannot cross-fit the one-hot column {names[i]!r} with "
                    f"min_frequency={encoder.min_frequency!r}: some of its categories are "
                    "infrequent in the rows of a fold, whose one-hot table would then "
                    "have other columns than the full encoder's; set min_frequency=None"
                )
