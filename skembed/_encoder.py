"""EmbeddingEncoder: parameters, validation, and the fit/transform orchestration.

Numpy world. The fit's steps are functions in :mod:`skembed._fitting` (training
in :mod:`skembed._training`, imported inside ``fit`` only); everything a fitted
encoder does uses numpy and pandas.
"""

from numbers import Integral, Real

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_array,
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from . import _dask
from ._crossfit import cross_fitted
from ._fitting import (
    checked_weights,
    code_columns,
    fit_coded,
    fit_vocabularies,
    min_frequencies,
    raise_if_unknown,
)
from ._initial import column_starts
from ._inspection import InspectionMixin, own_rows
from ._settings import ONE_HOT, analyzers, fit_settings, widths
from ._targets import no_target, prepare_target
from ._tokens import (
    ANALYZERS, check_some_frequent, column_counts, split_cells, write_pooled_vectors,
)
from ._vocabulary import UNKNOWN, Vocabulary, infrequent_masks, write_vectors


class EmbeddingEncoder(InspectionMixin, TransformerMixin, BaseEstimator):
    """Encode categorical columns as learned dense vectors (entity embeddings).

    During ``fit`` a small Keras network learns to predict ``y`` from one
    embedding table per column: the looked-up vectors are concatenated and fed
    through ``hidden_units`` dense layers to an output suited to the target.
    The network is then dropped and only the tables are kept; ``transform``
    replaces each value by its row of its column's table. A fitted encoder is
    plain numpy: it neither imports nor holds TensorFlow.

    Without ``y``, the network instead learns from the columns themselves:
    each column's value is predicted from the other columns' vectors in the
    same row (against the values of other rows), so values that occur with
    the same others get similar vectors. Such a fit can pretrain the tables
    on every row before a ``warm_start`` fit on the labelled ones.

    Every column is treated as categorical, whatever its dtype. Missing values
    (None, NaN, pd.NA) are one category of their own. A column with an
    ``analyzer`` is a token column instead: each cell is split into tokens
    (words, character n-grams, tags), every token has a row of the table, and
    a cell's vector is the mean of its tokens' rows.

    Parameters
    ----------
    dims : int, "auto", dict or list of int, default="auto"
        Width of each column's embedding. An int applies to every column; a
        dict maps feature names to widths (unlisted columns use "auto"); a
        list gives one width per column. "auto" gives a column
        ``min(8, n_categories)``: one number per category up to 8, then 8
        however many categories. Chosen on the benchmark's validation splits
        over rules that keep growing with the cardinality: narrow vectors
        served nearest-neighbour and tree models downstream better, and keep
        the output small.
    categories : "auto" or list of array-like, default="auto"
        "auto" takes the sorted distinct values of each column. A list gives
        each column's categories in the order of their table rows; values
        outside it are unknown.
    analyzer : {"word", "char_wb", "list", "date"}, callable, dict or None, default=None
        What a cell is. None: one category (a plain column). Otherwise the
        column is a token column, whose categories are its tokens:

        - "word": text, split into lowercased words of two or more letters
          or digits (CountVectorizer's default pattern);
        - "char_wb": a name, split into the character n-grams (3 to 5) of
          its lowercased words, each padded by a space, plus the whole value
          as the token ``"<value>"``: values never seen in fit get a vector
          from their spelling, while a frequent value keeps a vector of its
          own;
        - "list": a list, tuple or array of string tokens (tags);
        - "date": a date (an ISO 8601 string such as ``"2016-07-16"``, or a
          datetime), split into the day itself, ``"year 2016"``,
          ``"month 07"``, ``"day 16"``, ``"month-day 07-16"`` and
          ``"weekday Sat"`` (and ``"hour 14"`` for a time other than
          midnight): a day seen rarely, or never, gets a vector from the
          parts it shares with other days;
        - a callable: takes a cell, returns its tokens as a list of strings
          (for example ``CountVectorizer(...).build_analyzer()``).

        A cell's vector is the mean of its tokens' vectors (a repeated token
        counts each time); a cell without tokens (empty or missing) has a
        vector of its own, the row of the category NaN that ends every token
        column's categories. "word" and "char_wb" take strings and missing
        values only. A string, or callable, applies to every column; a dict
        maps feature names (or positions) to analyzers.
    handle_unknown : {"error", "ignore", "infrequent_if_exist"}, \
            default="infrequent_if_exist"
        What transform does with a value not seen during fit: raise, encode it
        as a zero vector, or encode it as the learned vector that unknown and
        infrequent categories share (the last row of each table). In a token
        column this applies to each token; an ignored token counts as a zero
        vector in its cell's mean.
    min_frequency : int, float, "auto" or None, default="auto"
        Categories seen fewer times than this in fit (a count, or a fraction
        of the rows when a float) are infrequent: they share the unknown
        vector, since a handful of rows cannot teach a vector of its own.
        "auto" sets the count per column from the target: a category gets a
        vector once it has as many rows as the ratio of the target's variance
        within the column's categories to the variance of their means (a
        one-way analysis of variance), the rows at which an empirical-Bayes
        blend, as TargetEncoder's, weighs its own mean one half. A column
        whose categories differ strongly keeps categories seen once; a noisy
        one keeps only categories of many rows, or none (one shared vector)
        where its categories differ no more than chance. Token columns and
        fits without y take 5. A category with a given vector
        (``initial_embeddings``, or a previous fit under ``warm_start``) keeps
        it however rare, and then training leaves it as it is: its few rows
        would teach it only their own targets. One-hot tables group infrequent
        categories as OneHotEncoder does. None gives every category its own
        row, as OneHotEncoder's default. In a token column, a token's count is
        the number of rows holding it. With ``sample_weight``, counts (and the
        rows a fraction is of) are sums of weights.
    max_categories : int or None, default=None
        Most distinct vectors per column, counting the one shared by unknown
        and infrequent categories, as in OneHotEncoder: when a column has
        more, only its ``max_categories - 1`` most frequent categories keep a
        vector of their own. Caps the vocabulary of a token column. As with
        ``min_frequency``, a category with a given vector (``initial_embeddings``,
        or a previous fit under ``warm_start``) keeps it, beyond the cap. None:
        no limit.
    target_type : {"auto", "binary", "multiclass", "continuous"}, default="auto"
        The kind of target. "auto" decides as TargetEncoder does (two values
        are binary, more integers or strings multiclass, other floats
        continuous) but for one difference: a float y with more than two
        values is continuous even when its values are whole numbers (delays
        in minutes, counts), where TargetEncoder would make each a class.
        Binary trains a sigmoid output with log loss, multiclass a softmax with
        log loss, continuous a linear output on the standardized target with
        squared error (one output per column of a 2-D y).
    hidden_units : tuple of int or "auto", default="auto"
        Widths of the ReLU layers between the embeddings and the output; ()
        is a linear network, in which each category's effect on the target
        is a linear function of its vector, which a linear model downstream
        reads in full. "auto" trains a linear network and one with a hidden
        layer of 64 units, and keeps the hidden layer only where it lowers
        the best validation loss by more than 1%: where the columns' effects
        depend on each other (a month's delays on the day). A fit without y,
        or without validation rows to judge by, takes the hidden layer. The
        choice is in ``hidden_units_``; ``cv`` fits its folds with it.
    dropout : float, default=0.0
        Dropout rate applied to the concatenated embeddings during training.
    epochs : int, default=100
        Most passes over the training rows. With early stopping (the
        default), training usually ends well before: this is a cap, not a
        schedule. Raised from 20 on validation splits where 20 ended training
        while the validation loss still fell (hotel rates, product reviews).
    batch_size : int, default=1024
        Most rows per gradient step: an epoch is cut into batches of equal
        size (give or take one row), none larger than this.
    learning_rate : float, default=3e-3
        Adam's learning rate.
    validation_fraction : float, default=0.1
        Share of the rows held out to choose when to stop, with early stopping
        only (``n_iter_no_change`` set): without it, every row trains. 0 trains
        on all rows and early stopping then watches the training loss.
    n_iter_no_change : int or None, default=3
        Stop after this many epochs without improvement and restore the best
        weights, but never before 100 gradient steps: on small data an epoch
        is a few steps, and the loss may sit on a plateau for longer than
        that before the embeddings start to learn. None trains for
        ``epochs`` epochs.
    min_column_gain : float or None, default=0.02
        After training, each column's values are read as unknown on the
        validation rows, one column at a time: a column whose vectors lower
        the validation loss by less than this share of it (0.02: 2%) is
        encoded by one constant vector, its unknown one, so that a model
        downstream does not read its noise as signal. ``column_gains_`` holds
        what was measured. Only columns whose tables start at random are
        judged (not token columns, nor columns with given vectors or under a
        warm start), and only with a target and a validation split. The
        network sees only the encoder's columns: a column that matters only
        together with others (a state's trend over the years, with the year
        passed beside the encoder) can be judged uninformative. None keeps
        every column's vectors.
    cv : int, cross-validation generator, iterable or None, default=None
        Cross fitting in ``fit_transform``, as in TargetEncoder. None encodes
        the training rows with the encoder fitted on them. Otherwise each fold
        of rows is encoded by an encoder fitted on the other folds, so that no
        training row is encoded with vectors learned from its own target. The
        folds' networks start from the full fit's starting weights, and each
        fold's table then has its axes permuted and their signs flipped to
        match the full fit's (a narrow table may converge with its axes
        swapped), so that its vectors are read in the full encoder's
        coordinates. A category seen ``n`` times in fit is then encoded by
        ``w`` of its full vector and ``1 - w`` of its fold's, ``w = n / (n +
        50)``: a frequent category's full vector owes little to any one row,
        while its fold vectors may lie elsewhere, which a model downstream
        would misread at transform. The folds must hold every row out once,
        as KFold's do. An int is the number of shuffled (stratified, for a
        categorical target) folds.
        ``fit`` and ``transform`` are unaffected: they always use the encoder
        fitted on all rows. Costs one more fit per fold. Without y there is
        no target to leak, and ``fit_transform(X)`` is ``fit(X).transform(X)``.
    initial_embeddings : "one_hot", dict or None, default=None
        Where tables start instead of at random. "one_hot" gives every column
        an identity table, one output column per category (with
        ``trainable=False``, the output is exactly that of
        ``OneHotEncoder(sparse_output=False)`` with the same ``handle_unknown``
        and ``min_frequency``; missing values are one category, as NaN). A
        dict maps a feature name (or position) to "one_hot", to a 2-D array
        with one row per category in the order of the column's categories, to
        a DataFrame indexed by category, to a ``(words, matrix)`` pair (the
        categories, and a matrix of one row each, such as GloVe's word list
        and memory-mapped ``.npy``: only the column's rows are read), or to
        the path of a word-vector text file (a token, then its numbers, per
        line). Categories a DataFrame, pair or file lacks start at random;
        entries for categories the column lacks are ignored. A given table
        fixes the column's width.
    trainable : bool or dict, default=True
        Whether training may change the given initial vectors: a bool for
        every column, or a dict from feature name (or position) to bool.
        False keeps them exactly as given; the other rows of that column (its
        categories without a given vector, and the unknown row) are still
        learned. When every column is frozen and every category has a vector,
        ``fit`` needs no y.
    warm_start : bool, default=False
        When True and the encoder is already fitted, ``fit`` continues from
        the learned tables: every known category keeps its row and starts from
        its vector, new categories are appended after the known ones (the
        unknown row stays last), and widths are kept. A fit without y
        followed by one with y under a warm start pretrains the vectors on
        every row, then fine-tunes them on the labelled ones.
    dtype : float dtype, default=np.float32
        Dtype of the embeddings and of the output.
    random_state : int, RandomState instance or None, default=None
        Seeds the validation split and the network. With an int, two fits on
        the same data give identical embeddings on the CPU.
    verbose : int, default=0
        As Keras' ``fit``: 0 is silent, 1 shows a progress bar for each epoch
        (Keras' ``Progbar``: the step, the running training loss, rows per
        second, and at its end the validation loss), 2 prints one line per
        epoch. A fit on Dask also says what the cluster is doing. It never
        changes what is learned.

    Attributes
    ----------
    categories_ : list of ndarray
        Categories of each column; row ``j`` of ``embeddings_[i]`` belongs to
        ``categories_[i][j]``.
    embeddings_ : list of ndarray of shape (n_categories + 1, dims_[i])
        The learned tables. The last row is the vector of unknown and
        infrequent categories; infrequent categories' rows are copies of it.
    dims_ : list of int
        Embedding width of each column.
    infrequent_categories_ : list of ndarray or None
        Infrequent categories of each column, None for a column with none.
    target_type_ : str or None
        "binary", "multiclass" or "continuous"; None when fit had no y.
    classes_ : ndarray or None
        The class labels when the target is categorical, otherwise None.
    category_counts_ : list of ndarray of int
        How often each category occurred in the data given to fit; after a
        fit with ``sample_weight``, the sum of its rows' weights (floats).
    column_gains_ : ndarray of float
        Per column, how much the validation loss rose (as a share of it) when
        the column's values were all read as unknown; NaN where not measured
        (see ``min_column_gain``). A column below ``min_column_gain`` is
        encoded by one constant vector.
    hidden_units_ : tuple of int or None
        The hidden layers of the network the fit kept (see ``hidden_units``);
        None when nothing was trained.
    history_ : dict of list
        Per-epoch "loss" (and "val_loss" with a validation split), as Keras'
        ``History.history``; empty when there was nothing to train. Without
        y, the loss is the co-occurrence one (see ``fit``).
    n_features_in_ : int
        Number of columns seen during fit.
    feature_names_in_ : ndarray of str
        Column names seen during fit, when X has string column names.

    See Also
    --------
    sklearn.preprocessing.OneHotEncoder : One column per category, no target.
    sklearn.preprocessing.TargetEncoder : One number per category (per class),
        the shrunk target mean.

    Examples
    --------
    >>> import pandas as pd
    >>> from skembed import EmbeddingEncoder
    >>> X = pd.DataFrame({"city": ["Paris", "Lyon", "Paris", "Nice"] * 25})
    >>> y = [1, 0, 1, 0] * 25
    >>> encoder = EmbeddingEncoder(dims=2, epochs=2, random_state=0).fit(X, y)
    >>> encoder.transform(pd.DataFrame({"city": ["Lyon", "Rome"]})).shape
    (2, 2)
    >>> encoder.get_feature_names_out().tolist()
    ['city_0', 'city_1']
    """

    _parameter_constraints = {
        "dims": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}), dict, list],
        "categories": [StrOptions({"auto"}), list],
        "handle_unknown": [StrOptions({"error", "ignore", "infrequent_if_exist"})],
        "analyzer": [None, StrOptions(set(ANALYZERS)), callable, dict],
        "min_frequency": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="neither"),
            StrOptions({"auto"}),
            None,
        ],
        "max_categories": [Interval(Integral, 1, None, closed="left"), None],
        "target_type": [StrOptions({"auto", "binary", "multiclass", "continuous"})],
        "hidden_units": [tuple, list, StrOptions({"auto"})],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), None],
        "min_column_gain": [Interval(Real, 0, 1, closed="left"), None],
        "cv": [None, "cv_object"],
        "initial_embeddings": [None, StrOptions({ONE_HOT}), dict],
        "trainable": ["boolean", dict],
        "warm_start": ["boolean"],
        "dtype": "no_validation",  # checked in fit: any numpy float dtype
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        dims="auto",
        categories="auto",
        analyzer=None,
        handle_unknown="infrequent_if_exist",
        min_frequency="auto",
        max_categories=None,
        target_type="auto",
        hidden_units="auto",
        dropout=0.0,
        epochs=100,
        batch_size=1024,
        learning_rate=3e-3,
        validation_fraction=0.1,
        n_iter_no_change=3,
        min_column_gain=0.02,
        cv=None,
        initial_embeddings=None,
        trainable=True,
        warm_start=False,
        dtype=np.float32,
        random_state=None,
        verbose=0,
    ):
        self.dims = dims
        self.categories = categories
        self.analyzer = analyzer
        self.handle_unknown = handle_unknown
        self.min_frequency = min_frequency
        self.max_categories = max_categories
        self.target_type = target_type
        self.hidden_units = hidden_units
        self.dropout = dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.min_column_gain = min_column_gain
        self.cv = cv
        self.initial_embeddings = initial_embeddings
        self.trainable = trainable
        self.warm_start = warm_start
        self.dtype = dtype
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Learn each column's categories and train their embeddings on ``y``, or without it.

        Parameters
        ----------
        X : DataFrame, Dask DataFrame or array-like of shape (n_samples, n_features)
            The categorical columns. A Dask DataFrame is fitted out of core:
            its categories are counted and coded on the cluster, and training
            fetches one round of rows at a time (see the user guide's Dask
            page).
        y : array-like of shape (n_samples,) or (n_samples, n_targets) or None
            The target the embeddings learn to predict (a Dask Series, or Dask
            DataFrame, with the partitions of a Dask X). None: the embeddings
            are learned from which values occur together in a row, each
            column's value predicted from the others' vectors; this needs two
            columns or more with two values or more, and an in-memory X. With
            every column frozen (``trainable=False``) and an initial vector
            for each of its categories, nothing is trained.
        sample_weight : array-like of shape (n_samples,), default=None
            Each row's weight, as in scikit-learn's estimators and Keras'
            ``fit``: it weighs the row's loss in training and in the
            validation loss (a weighted mean), and its count: ``min_frequency``
            and ``category_counts_`` are then sums of weights, and a category
            whose rows all weigh 0 shares the unknown vector, as an absent one
            would. An integer weight acts as that many copies of the row, up to
            the order of training. Routed to the encoder inside a Pipeline with
            ``set_fit_request(sample_weight=True)``. Not for a Dask DataFrame.

        Returns
        -------
        self : EmbeddingEncoder
            The fitted encoder.

        Examples
        --------
        >>> import pandas as pd
        >>> from skembed import EmbeddingEncoder
        >>> X = pd.DataFrame({"city": ["Paris", "Lyon", "Nice", "Paris"] * 25})
        >>> y = [1, 0, 0, 1] * 25
        >>> encoder = EmbeddingEncoder(dims=2, epochs=3, random_state=0).fit(X, y)
        >>> encoder.categories_[0].tolist(), encoder.dims_
        (['Lyon', 'Nice', 'Paris'], [2])
        """
        if _dask.is_dask_collection(X) or _dask.is_dask_collection(y):
            if sample_weight is not None:
                raise ValueError(
                    "sample_weight is not supported by a fit on a Dask DataFrame yet; "
                    "fit in memory, or without weights"
                )
            return self._fit_dask(X, y)
        return self._store(self._fit(X, y, sample_weight=sample_weight))

    def _fit_dask(self, X, y):
        """``fit`` of a Dask DataFrame: coded and counted on the cluster, streamed to training."""
        params = self.get_params(deep=False)
        X, y = _dask.fit_input(X, y, params)
        previous = None
        if self.warm_start and hasattr(self, "embeddings_"):
            # As in memory: the same columns, whose known categories keep their rows.
            _dask.check_columns(self, X)
            previous = (self._vocabularies, self.embeddings_)
        else:
            self._forget_fit()
            names = list(X.columns)
            self.n_features_in_ = len(names)
            if all(isinstance(n, str) for n in names):
                self.feature_names_in_ = np.asarray(names, dtype=object)
        return self._store(_dask.fit(params, X, y, self._feature_names(), previous))

    def _fit(self, X, y, keep_codes=False, sample_weight=None):
        """``fit``, without storing: a :class:`~skembed._fitting.Fitted`, and with
        ``keep_codes`` a copy of the columns' codes, their tokens and the checked
        sample weights, from which cross fitting fits its folds."""
        warm = self.warm_start and hasattr(self, "embeddings_")
        if not warm:
            self._forget_fit()  # so that a fit that fails leaves no half-fitted encoder
        columns = self._check_X(X, reset=not warm)
        weights = checked_weights(sample_weight, columns[0])
        names = self._feature_names()
        settings = fit_settings(self.get_params(deep=False), names)

        bags = [
            None if s.analyzer is None else split_cells(column, s.analyzer, s.name)
            for column, s in zip(columns, settings.columns)
        ]
        vocabularies = fit_vocabularies(columns, names, bags, self.categories)
        if warm:
            # Known categories keep their rows; new ones come after them.
            vocabularies = [
                old.grown_by(new) for old, new in zip(self._vocabularies, vocabularies)
            ]
        codes, tokens = code_columns(
            columns, names, bags, vocabularies, self.handle_unknown,
            explicit=self.categories != "auto",
        )  # fmt: skip
        coded = (codes.copy(), tokens, weights) if keep_codes else None
        if y is None:
            target = no_target(len(codes))
        else:
            check_consistent_length(columns[0], y)
            target = prepare_target(y, self.target_type, type(self).__name__, weights=weights)
        counts, total = column_counts(codes, tokens, vocabularies, weights)
        min_frequency = min_frequencies(
            self.min_frequency, codes, tokens, vocabularies, target, weights
        )
        infrequent = infrequent_masks(counts, total, min_frequency, self.max_categories)
        starts = column_starts(
            settings, vocabularies, infrequent, self.embeddings_ if warm else None
        )
        for bag, rare, count, vocabulary, name in zip(
            bags, infrequent, counts, vocabularies, names
        ):
            if bag is not None:
                check_some_frequent(rare, count, vocabulary, name)
        dims = widths(settings, vocabularies, starts)
        fitted = fit_coded(
            self.get_params(deep=False), settings, codes, tokens, vocabularies, counts,
            infrequent, starts, dims, target, weights=weights,
        )
        return (fitted, coded) if keep_codes else fitted

    def _store(self, fitted):
        """Set the fitted attributes from what a fit learned (a :class:`Fitted`)."""
        self._vocabularies = fitted.vocabularies
        self.categories_ = [v.categories for v in fitted.vocabularies]
        self.embeddings_ = fitted.tables
        self.dims_ = fitted.dims
        self._one_hot_columns = [s is not None and s.one_hot for s in fitted.starts]
        self.infrequent_categories_ = [
            v.categories[mask] if mask.any() else None
            for v, mask in zip(fitted.vocabularies, fitted.infrequent)
        ]
        self.target_type_ = fitted.target.target_type
        self.classes_ = fitted.target.classes
        self.history_ = fitted.history
        self.hidden_units_ = fitted.hidden_units
        self.category_counts_ = fitted.counts
        self.column_gains_ = fitted.gains
        # Kept for cross fitting, whose folds start their tables where these started.
        self._network_seed = fitted.network_seed
        return self

    def _forget_fit(self):
        for name in [n for n in vars(self) if n.endswith("_") and not n.startswith("__")]:
            delattr(self, name)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "embeddings_")

    def fit_transform(self, X, y=None, sample_weight=None):
        """Fit on X (and y), and encode X, cross-fitted when ``cv`` is set and y given.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            The categorical columns.
        y : array-like of shape (n_samples,) or (n_samples, n_targets) or None
            The target, as in ``fit``; without it nothing can leak, and the
            result is ``fit(X).transform(X)``.
        sample_weight : array-like of shape (n_samples,), default=None
            Each row's weight, as in ``fit``; each fold is fitted with its
            rows' weights.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out)
            With ``cv`` set, each row's encoding comes from an encoder that
            did not see that row.

        Examples
        --------
        >>> import pandas as pd
        >>> from skembed import EmbeddingEncoder
        >>> X = pd.DataFrame({"city": ["Paris", "Lyon", "Nice", "Paris"] * 25})
        >>> y = [1, 0, 0, 1] * 25
        >>> encoder = EmbeddingEncoder(dims=2, epochs=3, cv=2, random_state=0)
        >>> encoder.fit_transform(X, y).shape  # each half encoded by the other's fit
        (100, 2)
        """
        if self.cv is not None and self.warm_start and hasattr(self, "embeddings_") and (
            y is not None
        ):
            raise ValueError(
                "cv cannot cross-fit a warm start: the folds' networks would start from "
                "other tables than the continued fit's. Set warm_start=False or cv=None."
            )
        if self.cv is None or y is None or _dask.is_dask_collection(y):
            # Without y nothing is learned from a target, so nothing can leak.
            return self.fit(X, y, sample_weight=sample_weight).transform(X)
        self._validate_params()
        fitted, coded = self._fit(X, y, keep_codes=True, sample_weight=sample_weight)
        self._store(fitted)
        if not self.history_:  # nothing trained: every vector given
            return self.transform(X)
        return cross_fitted(self.get_params(deep=False), self._feature_names(), fitted, coded, y)

    # ------------------------------------------------------------ transform

    def transform(self, X):
        """Replace each value by its category's embedding vector.

        Parameters
        ----------
        X : DataFrame, Dask DataFrame or array-like of shape (n_samples, n_features)
            The columns seen in ``fit``, in the same order.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out)
            Each column's vectors side by side, in input order:
            ``n_features_out`` is the sum of ``dims_``. For a Dask DataFrame,
            a lazy Dask array (a Dask DataFrame under
            ``set_output(transform="pandas")``), encoded partition by partition.

        Examples
        --------
        >>> import pandas as pd
        >>> from skembed import EmbeddingEncoder
        >>> X = pd.DataFrame({"city": ["Paris", "Lyon"] * 5, "size": ["S", "M"] * 5})
        >>> one_hot = EmbeddingEncoder(
        ...     initial_embeddings="one_hot", trainable=False, min_frequency=None
        ... ).fit(X)
        >>> one_hot.transform(pd.DataFrame({"city": ["Lyon", "Rome"], "size": ["M", "M"]}))
        array([[1., 0., 1., 0.],
               [0., 0., 1., 0.]], dtype=float32)
        """
        return self._transform_array(X)

    def _transform_array(self, X):
        """``transform`` of an in-memory X, before scikit-learn's ``set_output`` wrapping."""
        check_is_fitted(self)
        columns = self._check_X(X, reset=False)
        names = self._feature_names()
        # Filled as (width, n_samples) and returned transposed, Fortran-ordered:
        # each output column is then one contiguous gather, about four times
        # faster than writing strided slices of a row-major array.
        out = np.empty((sum(self.dims_), len(columns[0])), dtype=self.embeddings_[0].dtype)
        start = 0
        for column, vocabulary, table, name, analyzer in zip(
            columns, self._vocabularies, self.embeddings_, names, analyzers(self.analyzer, names)
        ):
            stop = start + table.shape[1]
            if analyzer is not None:
                self._pool_tokens(out[start:stop], column, analyzer, vocabulary, table, name)
                start = stop
                continue
            codes = vocabulary.encode(column)
            if self.handle_unknown == "error":
                raise_if_unknown(column, codes, name, "transform")
            write_vectors(out[start:stop], codes, table, vocabulary, self.handle_unknown)
            start = stop
        return out.T

    def _pool_tokens(self, out, column, analyzer, vocabulary, table, name):
        """Write the vectors of a token column's cells (transposed) into ``out``."""
        bags = split_cells(column, analyzer, name)
        tokens = bags.encode(vocabulary)
        if self.handle_unknown == "error" and (tokens.codes == UNKNOWN).any():
            token_codes = vocabulary.encode(bags.tokens, may_be_missing=False)
            raise_if_unknown(bags.tokens, token_codes, name, "transform")
        write_pooled_vectors(
            out, tokens, tokens.cell_of_row, table, vocabulary, self.handle_unknown
        )

    def inverse_transform(self, X):
        """Map vectors back to categories: per column, the nearest category.

        A vector nearest the unknown row (or, with ``handle_unknown="ignore"``,
        an all-zero vector) maps to None, as an unknown value does in
        OneHotEncoder. Infrequent categories share the unknown row, so they map
        to None too, where OneHotEncoder gives "infrequent_sklearn".

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_out)
            Encoded rows, as ``transform`` gives them.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features_in)
            The nearest category of each column; None where unknown.

        Examples
        --------
        >>> import pandas as pd
        >>> from skembed import EmbeddingEncoder
        >>> X = pd.DataFrame({"city": ["Paris", "Lyon"] * 5})
        >>> one_hot = EmbeddingEncoder(
        ...     initial_embeddings="one_hot", trainable=False, min_frequency=None
        ... ).fit(X)
        >>> one_hot.inverse_transform([[0.0, 1.0], [0.0, 0.0]])
        array([['Paris'],
               [None]], dtype=object)
        """
        check_is_fitted(self)
        names = self._feature_names()
        pooled = [n for n, a in zip(names, analyzers(self.analyzer, names)) if a is not None]
        if pooled:
            raise ValueError(
                f"inverse_transform cannot decode the token columns {pooled}: a cell's "
                "vector is the mean of its tokens' vectors, which has no single inverse"
            )
        X = check_array(X, dtype=[np.float64, np.float32], input_name="X")
        width = sum(self.dims_)
        if X.shape[1] != width:
            raise ValueError(
                f"X has {X.shape[1]} columns, but the encoded output has {width} "
                f"(dims_={self.dims_})"
            )
        result = np.empty((len(X), self.n_features_in_), dtype=object)
        start = 0
        for i, (table, categories) in enumerate(zip(self.embeddings_, self.categories_)):
            block = X[:, start : start + table.shape[1]]
            start += table.shape[1]
            nearest = _nearest_rows(block, table)
            # The unknown row, or a category sharing it, decodes as unknown.
            unknown = ~np.append(own_rows(self.embeddings_[i]), False)[nearest]
            if self.handle_unknown == "ignore":
                unknown |= ~block.any(axis=1)
            # Through pandas: numpy would turn nanosecond datetimes into ints.
            objects = pd.Series(categories, copy=False).astype(object).to_numpy()
            column = objects[np.minimum(nearest, len(categories) - 1)]
            column[unknown] = None
            result[:, i] = column
        if not (result == None).any():  # noqa: E711 (elementwise comparison)
            try:
                result = result.astype(np.result_type(*self.categories_))
            except TypeError:  # no common dtype (datetimes beside numbers): objects
                pass
        return result

    def to_keras(self, trainable=False):
        """The fitted encoder as a Keras model, to build a network on.

        One input per column, named by its feature name, of shape ``(1,)``:
        strings (``dtype="string"``) or integers (``"int64"``). A lookup locked
        to the fitted categories (Keras' ``StringLookup`` or ``IntegerLookup``)
        feeds an ``Embedding`` holding the fitted vectors, and the columns'
        vectors are concatenated: the output equals ``transform``'s, for known,
        infrequent and unknown values alike. A token column of
        ``analyzer="word"`` or ``"char_wb"`` is cut into tokens and averaged
        by TensorFlow's string operations, as ``transform`` does (equal up to
        float rounding); a model holding one loads after ``import
        skembed.keras_layers``. A missing value is read from the
        empty string (unless that is a category). An unknown value takes the
        unknown row, or zeros under ``handle_unknown="ignore"``; under
        ``"error"`` it takes the unknown row too, since a model cannot raise per
        value. Keras' ``predict`` takes strings as tensors or a ``tf.data``
        dataset, not numpy arrays of strings. Only this method loads TensorFlow.

        Parameters
        ----------
        trainable : bool, default=False
            Whether the vectors train further inside the user's network.

        Returns
        -------
        keras.Model
            Saved and loaded with Keras' own format (``.keras``).

        Raises
        ------
        ValueError
            For a token column of analyzer "list" or a callable, or categories
            that are neither all strings nor all integers, naming the column.

        Examples
        --------
        >>> import pandas as pd
        >>> import tensorflow as tf
        >>> from skembed import EmbeddingEncoder
        >>> X = pd.DataFrame({"city": ["Paris", "Lyon", "Nice", "Lyon"] * 50})
        >>> encoder = EmbeddingEncoder(dims=2, epochs=2, random_state=0)
        >>> model = encoder.fit(X, [1, 0, 1, 0] * 50).to_keras()
        >>> vectors = model({"city": tf.constant([["Lyon"], ["Rome"]])})
        >>> bool((vectors.numpy() == encoder.transform(
        ...     pd.DataFrame({"city": ["Lyon", "Rome"]}))).all())
        True
        """
        check_is_fitted(self)
        from ._keras_export import to_keras

        names = self._feature_names()
        return to_keras(
            names, self._vocabularies, self.embeddings_, analyzers(self.analyzer, names),
            self.handle_unknown, bool(trainable),
        )  # fmt: skip

    # -------------------------------------------------------------- helpers

    def get_feature_names_out(self, input_features=None):
        """Output column names: ``"{feature}_{j}"`` for j in range(dims_[i]).

        A one-hot column (``initial_embeddings="one_hot"``) is named as by
        OneHotEncoder: ``"{feature}_{category}"``, and
        ``"{feature}_infrequent_sklearn"`` for its infrequent categories. The
        differences: the missing category is named ``"nan"``, where
        OneHotEncoder may write ``"None"`` for an array holding None; pandas
        nullable integer and boolean columns keep their values (``"i_1"``,
        ``"b_False"``), where OneHotEncoder reads them as floats (``"i_1.0"``,
        ``"b_0.0"``).

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input names; defaults to ``feature_names_in_`` or ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per output column.

        Examples
        --------
        >>> import pandas as pd
        >>> from skembed import EmbeddingEncoder
        >>> X = pd.DataFrame({"city": ["Paris", "Lyon"] * 5})
        >>> EmbeddingEncoder(dims=3, epochs=1).fit(X, [0, 1] * 5).get_feature_names_out()
        array(['city_0', 'city_1', 'city_2'], dtype=object)
        """
        check_is_fitted(self)
        input_features = _check_feature_names_in(self, input_features)
        names = []
        for i, (feature, dim) in enumerate(zip(input_features, self.dims_)):
            if self._one_hot_columns[i]:
                names += [f"{feature}_{suffix}" for suffix in self._one_hot_suffixes(i)]
            else:
                names += [f"{feature}_{j}" for j in range(dim)]
        return np.asarray(names, dtype=object)

    def _one_hot_suffixes(self, i):
        """OneHotEncoder's output names for column ``i``'s identity table."""
        categories = self.categories_[i]
        infrequent = self.infrequent_categories_[i]
        if infrequent is None:
            return [str(c) for c in categories]
        frequent = Vocabulary(infrequent).encode(categories) == UNKNOWN
        return [str(c) for c in categories[frequent]] + ["infrequent_sklearn"]

    def _feature_names(self):
        return list(_check_feature_names_in(self, None))

    def _check_X(self, X, *, reset):
        """Validate X and return its columns, without copying or converting them."""
        if sp.issparse(X):
            raise TypeError(
                f"{type(self).__name__} does not accept sparse input; pass a dense "
                "array or a DataFrame of categorical columns."
            )
        if isinstance(X, pd.DataFrame):
            if X.shape[0] == 0 or X.shape[1] == 0:
                raise ValueError(
                    f"Found a DataFrame of shape {X.shape}; at least one sample and one "
                    "column are required."
                )
        else:
            converted = check_array(X, dtype=None, ensure_all_finite=False, input_name="X")
            if converted.dtype.kind in "US":
                # As OneHotEncoder: a list mixing strings and numbers keeps its
                # numbers as numbers rather than numpy's strings.
                dtype_given = hasattr(X, "dtype")
                X = converted.astype(object) if dtype_given else check_array(
                    X, dtype=object, ensure_all_finite=False, input_name="X"
                )
            else:
                X = converted
        validate_data(self, X, reset=reset, skip_check_array=True)
        if isinstance(X, pd.DataFrame):
            return [X.iloc[:, i] for i in range(X.shape[1])]
        return [X[:, i] for i in range(X.shape[1])]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        # Without y the tables are learned from the columns themselves.
        tags.target_tags.required = False
        # The output dtype is the `dtype` parameter, whatever the input.
        tags.transformer_tags.preserves_dtype = []
        return tags


# What skembed.save and skembed.load need beyond the public fitted attributes:
# the encoder's private state is written and read here, in its own module.


def one_hot_columns(encoder):
    """Per column, whether its table started one-hot (its feature names are then
    its categories): what a saved file keeps besides the public attributes."""
    return [bool(b) for b in encoder._one_hot_columns]


def restore(encoder, one_hot):
    """Finish an encoder whose public fitted attributes were read from a file:
    its parameters validated (scikit-learn's InvalidParameterError where not),
    its one-hot columns set and its lookups rebuilt from ``categories_``."""
    encoder._validate_params()
    encoder._one_hot_columns = list(one_hot)
    encoder._vocabularies = [Vocabulary(c) for c in encoder.categories_]
    return encoder


def _nearest_rows(vectors, table, chunk_elements=2**22):
    """Index of the row of ``table`` nearest (Euclidean) to each of ``vectors``."""
    table = table.astype(np.float64)
    half_norms = 0.5 * np.einsum("ij,ij->i", table, table)
    nearest = np.empty(len(vectors), dtype=np.intp)
    step = max(1, chunk_elements // len(table))
    for start in range(0, len(vectors), step):
        chunk = vectors[start : start + step]
        # |v - t|^2 / 2 = |v|^2 / 2 - v.t + |t|^2 / 2; the first term is constant per row.
        nearest[start : start + step] = np.argmin(half_norms - chunk @ table.T, axis=1)
    return nearest


# Dask DataFrames in, lazy Dask collections out: see _dask.py.
EmbeddingEncoder.transform = _dask.dispatch(EmbeddingEncoder.transform, _dask.transform)
EmbeddingEncoder.fit_transform = _dask.dispatch(
    EmbeddingEncoder.fit_transform, _dask.fit_transform
)
