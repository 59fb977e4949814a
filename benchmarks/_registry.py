"""The encoders and downstream models the benchmarks compare, and when a pair cannot run.

Every entry is a factory, so each (data set, task, seed) gets fresh, seeded
estimators. skembed and scikit-learn are imported here; TensorFlow only when
an EmbeddingEncoder is fitted.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler, TargetEncoder

from skembed import EmbeddingEncoder

#: HistGradientBoosting treats a column as categorical only up to max_bins
#: (255 by default) categories; wider ordinal-coded columns stay numeric codes.
HGB_MAX_CATEGORIES = 255

#: Neighbours for KNN: with the default 5 a predicted probability takes only six
#: values, which caps ROC AUC for reasons unrelated to the encoding.
KNN_NEIGHBORS = 25


@dataclass(frozen=True)
class EncoderSpec:
    make: Callable  # (seed, target_type) -> unfitted encoder
    tree_only: bool = False  # arbitrary integer codes: meaningful to trees only
    linear_only: bool = False  # a sparse column per word: the linear model's input


@dataclass(frozen=True)
class ModelSpec:
    make: Callable  # (task name, seed, categorical mask or None) -> unfitted model
    is_tree: bool = False  # accepts ordinal codes, needs no scaling
    is_linear: bool = False
    needs_dense: bool = False  # rejects scipy sparse input
    subsample: bool = False  # fitted on at most `model_max_rows` training rows


def _target_encoder(seed, target_type):
    # Seeded shuffled folds as the cv splitter: scikit-learn 1.9 deprecates
    # TargetEncoder's random_state/shuffle in favour of passing one.
    kind = StratifiedKFold if target_type == "binary" else KFold
    return TargetEncoder(target_type=target_type, cv=kind(5, shuffle=True, random_state=seed))


# TargetEncoder is told the target type: its "auto" reads the whole-minute float
# delays of flights/regression as a multiclass target (hundreds of classes).
# EmbeddingEncoder runs with its defaults: its "auto" treats such floats as continuous.
ENCODERS = {
    "OneHotEncoder": EncoderSpec(lambda seed, target_type: OneHotEncoder(handle_unknown="ignore")),
    "EmbeddingEncoder": EncoderSpec(
        lambda seed, target_type: EmbeddingEncoder(random_state=seed)
    ),
    "TargetEncoder": EncoderSpec(_target_encoder),
    "OrdinalEncoder": EncoderSpec(
        lambda seed, target_type: OrdinalEncoder(
            handle_unknown="use_encoded_value", unknown_value=-1
        ),
        tree_only=True,
    ),
}


class _FittedOtherwise(TransformerMixin, BaseEstimator):
    """An EmbeddingEncoder fitted in a way of its own (``fit``), encoding as it does."""

    def transform(self, X):
        return self.encoder_.transform(X)

    @property
    def history_(self):
        return self.encoder_.history_


class FittedOnDask(_FittedOtherwise):
    """EmbeddingEncoder fitted on a Dask DataFrame of the same training rows.

    The streamed fit (categories counted on the cluster, one partition at a
    time in training) against the in-memory one, on the same data and seeds.
    Encodes pandas frames as the fitted encoder does. Needs the dask extra.
    """

    def __init__(self, random_state=None, npartitions=8):
        self.random_state = random_state
        self.npartitions = npartitions

    def fit(self, X, y):
        import dask.dataframe as dd

        frame = dd.from_pandas(X.assign(__target__=np.asarray(y)), npartitions=self.npartitions)
        self.encoder_ = EmbeddingEncoder(random_state=self.random_state).fit(
            frame[list(X.columns)], frame["__target__"]
        )
        return self


class FittedWithoutTarget(_FittedOtherwise):
    """EmbeddingEncoder fitted on the training rows' columns alone, never seeing y.

    Its vectors come from which values occur together in a row; the
    downstream models still fit on y.
    """

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, y=None):
        self.encoder_ = EmbeddingEncoder(random_state=self.random_state).fit(X)
        return self


#: Contenders run only when named with --encoders.
OPTIONAL_ENCODERS = {
    "EmbeddingEncoder on Dask": EncoderSpec(
        lambda seed, target_type: FittedOnDask(random_state=seed)
    ),
    "EmbeddingEncoder without y": EncoderSpec(
        lambda seed, target_type: FittedWithoutTarget(random_state=seed)
    ),
}


def _linear(task, seed, categorical):
    if task == "binary":
        return LogisticRegression(max_iter=1000)
    return Ridge()


def _hgb(task, seed, categorical):
    # categorical=None: every column is numeric to the model (the default
    # "from_dtype" finds no categorical dtype in a numpy array).
    kind = HistGradientBoostingClassifier if task == "binary" else HistGradientBoostingRegressor
    return kind(random_state=seed, categorical_features=categorical)


def _knn(task, seed, categorical):
    kind = KNeighborsClassifier if task == "binary" else KNeighborsRegressor
    return kind(n_neighbors=KNN_NEIGHBORS)


MODELS = {
    "linear": ModelSpec(_linear, is_linear=True),
    "hgb": ModelSpec(_hgb, is_tree=True, needs_dense=True),
    "knn": ModelSpec(_knn, subsample=True),
}


def build_model(spec, task, seed, *, dense_input, categorical=None):
    """The model as a user would fit it on this encoder's output.

    Dense encoder outputs (embeddings, target encodings) are standardized
    before linear and KNN models, as a user would; one-hot columns are already
    on a common 0/1 scale and stay sparse; trees need no scaling.
    """
    model = spec.make(task, seed, categorical)
    if dense_input and not spec.is_tree:
        model = make_pipeline(StandardScaler(), model)
    return model


def hgb_categorical_mask(encoder):
    """Which ordinal-coded columns HistGradientBoosting can treat as categorical."""
    return [len(categories) <= HGB_MAX_CATEGORIES for categories in encoder.categories_]


def not_applicable(encoder_spec, model_spec):
    """Why this pair is not run whatever the data, or None."""
    if encoder_spec.tree_only and not model_spec.is_tree:
        return "ordinal codes are arbitrary numbers to a linear or distance model"
    if encoder_spec.linear_only and not model_spec.is_linear:
        return "tf-idf gives a sparse column per word, for linear models"
    return None


def dense_bytes(n_rows, width):
    """Bytes of a dense float64 matrix, the dtype HistGradientBoosting converts to."""
    return n_rows * width * 8
