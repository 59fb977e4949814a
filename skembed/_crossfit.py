"""Cross fitting: encode each training row with vectors learned without its target.

Numpy world. ``EmbeddingEncoder.fit_transform`` with ``cv`` set fits one encoder
per fold on the other folds' rows and encodes the fold's rows with it. Two
networks trained on different rows learn equally good vectors in different
coordinates (rotated, scaled, shifted), so each fold's tables are brought into
the coordinates of the encoder fitted on all rows, which is the one
``transform`` uses on new data.

That alignment must not carry the held-out rows' targets back in. It is a
similarity transform (a rotation or reflection, one scale and a shift),
fitted by weighted least squares on the categories both encoders trained:
it moves the fold's whole table at once and keeps its shape, the distances
between categories that the fold's own rows taught. A more flexible map
(an affine one has ``dims + 1`` free numbers per coordinate) can bend the
fold's table onto the full one, and with few categories passes exactly
through it.
"""

from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import KFold, StratifiedKFold, check_cv
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils.validation import _num_samples

from . import _inspection
from ._targets import typed_target
from ._vocabulary import UNKNOWN, count_codes

#: Fewest categories both encoders trained for a fold's table to be aligned.
#: With two, a rotation and a scale put both exactly onto the full encoder's
#: vectors, so the full encoder's vectors (learned from every row) are used.
MIN_SHARED_CATEGORIES = 3


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
    _check_one_hot_folds(encoder, X, [train for train, _ in splits])
    out = np.empty((_num_samples(X), sum(encoder.dims_)), dtype=encoder.embeddings_[0].dtype)
    for train, held_out in splits:
        # The full encoder's vocabulary, widths and target type (a fold may
        # lack a class), so that its tables line up with the full ones.
        fold = clone(encoder).set_params(
            cv=None,
            categories=list(encoder.categories_),
            dims=list(encoder.dims_),
            target_type=encoder.target_type_,
            warm_start=False,
            random_state=rng.randint(2**31 - 1),
        )
        fold._fit(_safe_indexing(X, train), _safe_indexing(y, train), classes=encoder.classes_)
        align(fold, encoder)
        out[held_out] = fold.transform(_safe_indexing(X, held_out))
    return out


def align(fold, reference):
    """Express ``fold``'s tables in ``reference``'s coordinates, in place.

    Per column, the similarity transform that best maps the fold's vectors of
    the categories both trained onto the reference's, each category weighted
    by its rows in the fold. Frozen columns are pinned to the same
    coordinates by their given rows and are left as they are.
    """
    for i, (vocabulary, table) in enumerate(zip(fold._vocabularies, fold.embeddings_)):
        if fold._frozen_columns[i]:
            continue
        rows = reference._vocabularies[i].encode(vocabulary.categories)
        shared = (rows != UNKNOWN) & _inspection.own_vectors(fold, i)
        shared[shared] = _inspection.own_vectors(reference, i)[rows[shared]]
        if shared.sum() < MIN_SHARED_CATEGORIES:
            fold.embeddings_[i] = reference.embeddings_[i].copy()
            continue
        source = table[:-1][shared].astype(np.float64)
        target = reference.embeddings_[i][rows[shared]].astype(np.float64)
        weights = fold.category_counts_[i][shared].astype(np.float64)
        scale, rotation, source_mean, target_mean = similarity(source, target, weights)
        mapped = scale * (table.astype(np.float64) - source_mean) @ rotation + target_mean
        fold.embeddings_[i] = mapped.astype(table.dtype)


def similarity(source, target, weights):
    """Weighted least-squares similarity transform from ``source`` onto ``target``.

    Returns ``(scale, rotation, source_mean, target_mean)`` such that
    ``scale * (source - source_mean) @ rotation + target_mean`` is nearest
    ``target`` (Umeyama's solution, reflections allowed: a learned table has
    no handedness).
    """
    weights = weights / weights.sum()
    source_mean, target_mean = weights @ source, weights @ target
    source, target = source - source_mean, target - target_mean
    u, singular, vt = np.linalg.svd((source * weights[:, None]).T @ target)
    spread = weights @ (source**2).sum(axis=1)
    scale = singular.sum() / spread if spread > 0 else 1.0
    return scale, u @ vt, source_mean, target_mean


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
    for i in one_hot:
        codes = encoder._vocabularies[i].encode(columns[i])
        for rows in [np.arange(len(codes)), *fold_rows]:
            counts = count_codes(codes[rows], len(encoder._vocabularies[i]))
            if encoder._infrequent_masks([counts], len(rows))[0].any():
                raise ValueError(
                    f"cv cannot cross-fit the one-hot column {names[i]!r} with "
                    f"min_frequency={encoder.min_frequency!r}: some of its categories are "
                    "infrequent in the rows of a fold, whose one-hot table would then "
                    "have other columns than the full encoder's; set min_frequency=None"
                )
