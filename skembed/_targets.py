"""Target type detection and the network output that suits each type.

Numpy world: the output layer and loss are named by strings that the training
module hands to Keras.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.utils import check_array
from sklearn.utils.multiclass import type_of_target

_AUTO_TYPES = {
    "binary": "binary",
    "multiclass": "multiclass",
    "continuous": "continuous",
    "continuous-multioutput": "continuous",
}


#: The loss of a fit without y: each column's value is predicted from the
#: other columns' vectors (the training module implements it).
COOCCURRENCE = "cooccurrence"


class LossMode:
    """What a ``loss`` (a Keras loss name, or :data:`COOCCURRENCE`) says about
    the target, for the classes that hold one."""

    @property
    def supervised(self):
        """Whether the network learns from y (rather than from co-occurrences)."""
        return self.loss != COOCCURRENCE

    @property
    def class_indices(self):
        """Whether y holds class indices (one per sample) rather than a column per
        output, as Keras' sparse losses take it."""
        return self.loss.startswith("sparse")


@dataclass(frozen=True)
class Target(LossMode):
    """A target made ready for training, and the output layer it needs."""

    values: np.ndarray  # 0/1 floats, class indices, or standardized floats
    target_type: str | None
    classes: np.ndarray | None
    n_outputs: int
    activation: str
    loss: str


def no_target(n_samples):
    """What stands for y in a fit without one: no values, the co-occurrence loss."""
    return Target(np.zeros((n_samples, 0), np.float32), None, None, 0, "linear", COOCCURRENCE)


def check_cooccurring(n_values, names, n_validation, batch_size):
    """Raise unless a fit without y has something to learn from.

    Each column's vectors are learned from the other columns' values in the
    same rows, so at least two columns must have two or more values that
    reach a vector of their own in the training rows (``n_values``, per
    column). A row is scored against the other rows of its batch, so
    batches, and the validation rows if any, must hold two rows or more.
    """
    varying = [name for n, name in zip(n_values, names) if n >= 2]
    if len(varying) < 2:
        raise ValueError(
            "y is None, so each column's vectors are learned from the values of the other "
            f"columns in the same rows, but X has {len(names)} column(s) and "
            f"{len(varying)} with two or more values in its training rows ({varying}; values "
            "seen fewer than min_frequency times share one vector): there is nothing to learn "
            "from. Pass y, or more columns, or give every category a frozen vector "
            "(initial_embeddings with trainable=False)."
        )
    if batch_size < 2:
        raise ValueError(
            "y is None, so each row is scored against the other rows of its batch: "
            f"batch_size must be 2 or more, got {batch_size}."
        )
    if n_validation == 1:
        raise ValueError(
            "y is None, so each held-out row is scored against the other held-out rows, "
            "but validation_fraction holds out a single row: pass more rows, a larger "
            "validation_fraction, or validation_fraction=0."
        )


def typed_target(y):
    """``y`` as a checked array; numbers held in an object array typed as numbers.

    So that infinity in an object Series is refused, "auto" sees ints or
    floats, and scikit-learn's splitters can stratify on it.
    """
    y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
    if y.dtype == object and not isinstance(y.flat[0], str):
        numbers = np.asarray(y.tolist())
        if numbers.dtype.kind in "biuf":
            return check_array(numbers, ensure_2d=False, input_name="y")
    return y


def prepare_target(y, target_type, estimator_name, classes=None, weights=None):
    """Check ``y``, resolve ``target_type="auto"`` and encode y for the network.

    ``classes``, when given, are the class labels to encode a categorical y
    with (those of the full data, for a cross-fitting fold that may lack
    some); by default they are y's distinct values.

    The types are decided as scikit-learn's TargetEncoder decides them (two
    values are binary, more integers or strings are multiclass, non-integer
    floats are continuous), except that a float y with more than two values
    is continuous even when its values are whole numbers. A 2-D continuous y
    trains one output per column.

    Missing values are refused whatever y's dtype: check_array sees a float
    NaN, but not None or pd.NA in an object or string y. A continuous y is
    standardized, by its mean and spread under the sample ``weights`` if given.
    """
    if y is None:
        raise ValueError(
            f"This {estimator_name} estimator requires y to be passed, but the target "
            "y is None: the embeddings are learned by predicting the target."
        )
    if np.any(pd.isna(y)):
        raise ValueError("Input y contains NaN or another missing value (None, pd.NA).")
    y = typed_target(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if target_type == "auto":
        detected = type_of_target(y, input_name="y")
        if detected in ("multiclass", "multiclass-multioutput") and y.dtype.kind == "f":
            # scikit-learn calls integer-valued floats (delays in whole minutes,
            # counts) classes; a float target with more than two values is
            # far more often a quantity to regress on.
            detected = "continuous"
        if detected not in _AUTO_TYPES:
            raise ValueError(
                f"Unknown label type {detected!r} for y; set target_type to "
                "'binary', 'multiclass' or 'continuous'."
            )
        target_type = _AUTO_TYPES[detected]
    if y.ndim == 2 and target_type != "continuous":
        raise ValueError(
            f"y has shape {y.shape}: only a continuous target may have several columns."
        )

    if target_type == "continuous":
        try:
            values = np.asarray(y, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError("target_type='continuous' needs a numeric y") from None
        if not np.isfinite(values).all():
            raise ValueError("y contains NaN or infinity")
        values = values.reshape(len(values), -1)
        if weights is None:
            center, scale = values.mean(axis=0), values.std(axis=0)
        else:
            center = np.average(values, axis=0, weights=weights)
            scale = np.sqrt(np.average((values - center) ** 2, axis=0, weights=weights))
        scale[scale == 0] = 1.0
        values = (values - center) / scale
        return Target(values.astype(np.float32), "continuous", None, values.shape[1],
                      "linear", "mean_squared_error")

    if classes is None:
        classes, indices = np.unique(y, return_inverse=True)
    else:
        indices = np.searchsorted(classes, y)
        if not np.array_equal(classes[np.minimum(indices, len(classes) - 1)], y):
            raise ValueError("y holds labels that are not among the given classes")
    if len(classes) < 2:
        only = classes[0].item() if isinstance(classes[0], np.generic) else classes[0]
        raise ValueError(
            f"y has only one class ({only!r}); a classification target needs at least two."
        )
    if target_type == "binary":
        if len(classes) > 2:
            raise ValueError(
                f"target_type='binary' but y has {len(classes)} classes; use "
                "'multiclass' or 'auto'."
            )
        return Target(indices.astype(np.float32).reshape(-1, 1), "binary", classes, 1,
                      "sigmoid", "binary_crossentropy")
    return Target(indices.astype(np.int32), "multiclass", classes, len(classes),
                  "softmax", "sparse_categorical_crossentropy")


def target_moments(codes, values, target, n_categories, weights=None):
    """One column's summary of the target, for :func:`rows_for_a_vector`.

    ``values`` is the target as the network reads it (``target.values``, or a
    part of its rows); a class counts as a 0/1 output per class. Returns each
    category's rows (``codes``; negative: no category) and sums of the
    outputs, and the sum of the squared outputs over the rows of a category.
    ``weights`` (one per row) count as rows. The summaries of parts of the
    rows add up to the summary of them all.
    """
    values = np.asarray(values)
    if target.class_indices:
        values = np.eye(len(target.classes))[values.reshape(-1).astype(np.intp)]
    values = values.reshape(len(values), -1).astype(np.float64)
    weights = np.ones(len(values)) if weights is None else np.asarray(weights, np.float64)
    keep = (codes >= 0) & (weights > 0)
    codes, values, weights = codes[keep], values[keep], weights[keep]
    rows = np.bincount(codes, weights, minlength=n_categories)
    sums = np.stack([np.bincount(codes, weights * v, minlength=n_categories) for v in values.T], 1)
    return rows, sums, float(weights @ (values**2).sum(1))


def rows_for_a_vector(rows, sums, squares):
    """How many rows a category of a column needs for a vector of its own,
    judged from how much the target differs between the column's categories
    (``rows``, ``sums`` and ``squares``: the column's :func:`target_moments`).

    A one-way analysis of variance of the target's outputs over the
    categories estimates the variance of the target within a category,
    ``s2``, and the variance of the categories' true means, ``tau2``. A
    category of ``n`` rows then deserves a weight ``n / (n + s2 / tau2)`` on
    its own mean in an empirical-Bayes blend (the shrinkage TargetEncoder's
    auto smoothing applies); this gives it a vector once that weight reaches
    one half: ``n >= s2 / tau2``, rounded up, at least 1. Where the means
    differ no more than chance (``tau2 <= 0``), no category has enough rows:
    ``inf``.
    """
    present = rows > 0
    n_present, total = int(present.sum()), rows.sum()
    if n_present < 2 or total <= n_present:
        return 1
    rows, sums = rows[present, None], sums[present]
    means = sums / rows
    within = (squares - (rows * means**2).sum()) / (total - n_present)
    between = (rows * (means - sums.sum(0) / total) ** 2).sum()
    # Method of moments: E[between] = (n_present - 1) s2 + (total - sum n^2 / total) tau2.
    tau2 = (between - (n_present - 1) * within) / (total - (rows**2).sum() / total)
    if tau2 <= 0:
        return np.inf
    return max(1, int(np.ceil(within / tau2)))
