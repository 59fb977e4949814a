"""Dask collections, met at the edge: lazy encodings, computed partition by partition.

Nothing here imports Dask until a Dask collection arrives, so pandas users never
load it (``is_dask_collection`` looks at the type's module only). The fitted
encoder travels to the workers as what it is, numpy tables and pandas indexes;
each partition is encoded by the same numpy code as a pandas frame, so the
computed result equals the pandas ``transform`` of the same rows, bit for bit.
"""

import numpy as np
import pandas as pd


def is_dask_collection(X):
    """Whether X is a Dask collection (a DataFrame, Series or array), without importing Dask."""
    return type(X).__module__.partition(".")[0] == "dask" and hasattr(X, "__dask_graph__")


def _dataframe(X, method):
    """X as a Dask DataFrame of known columns, or a TypeError that says what to pass."""
    import dask.dataframe as dd

    if not isinstance(X, dd.DataFrame):
        raise TypeError(
            f"EmbeddingEncoder.{method} takes a Dask DataFrame, got a {type(X).__name__}; "
            "convert a Dask Series with .to_frame() and a Dask array with "
            "dask.dataframe.from_dask_array."
        )
    return X


def check_columns(encoder, X):
    """The frame's columns must be those seen in fit, in order (checked on its metadata)."""
    names = list(X.columns)
    if len(names) != encoder.n_features_in_:
        raise ValueError(
            f"X has {len(names)} columns, but EmbeddingEncoder was fitted on "
            f"{encoder.n_features_in_}."
        )
    fitted = getattr(encoder, "feature_names_in_", None)
    if fitted is not None and names != list(fitted):
        raise ValueError(
            "The Dask DataFrame's columns are not those seen in fit, in order: got "
            f"{names}, fitted on {list(fitted)}."
        )


def check_partition(partition, meta, number):
    """A partition must have the columns and dtypes its collection's metadata promises."""
    if list(partition.columns) != list(meta.columns):
        raise ValueError(
            f"Partition {number} of the Dask DataFrame has columns {list(partition.columns)}, "
            f"where its metadata has {list(meta.columns)}: the partitions disagree. Read "
            "them with the same columns, or select the columns before encoding."
        )
    differ = [
        f"{name!r}: {partition[name].dtype} (metadata: {dtype})"
        for name, dtype in meta.dtypes.items()
        if not _agree(partition[name].dtype, dtype)
    ]
    if differ:
        raise ValueError(
            f"Partition {number} of the Dask DataFrame has other dtypes than its metadata: "
            + ", ".join(differ)
            + ". Make the partitions agree (for example with .astype) before encoding."
        )


def _agree(dtype, promised):
    """Equal dtypes, or both categorical: a partition's categories may be its own,
    and values are looked up whatever the categories listed."""
    both_categorical = isinstance(dtype, pd.CategoricalDtype) and isinstance(
        promised, pd.CategoricalDtype
    )
    return both_categorical or dtype == promised


def _encode_partition(partition, encoder, meta, names_out, partition_info=None):
    number = None if partition_info is None else partition_info["number"]
    check_partition(partition, meta, number)
    encoded = encoder._transform_array(partition)
    return pd.DataFrame(encoded, index=partition.index, columns=names_out, copy=False)


def transform(encoder, X):
    """The lazy encoding of a Dask DataFrame: a Dask array, or under
    ``set_output(transform="pandas")`` a Dask DataFrame with the feature names.

    Nothing is computed here: each partition is encoded when the result is.
    """
    X = _dataframe(X, "transform")
    check_columns(encoder, X)
    output = _output_config(encoder)
    names_out = [str(n) for n in encoder.get_feature_names_out()]
    empty = pd.DataFrame({n: np.empty(0, dtype=encoder.dtype) for n in names_out})
    meta = X._meta  # the collection's promised columns and dtypes
    frame = X.map_partitions(
        _encode_partition, encoder, meta, names_out, meta=empty, align_dataframes=False
    )
    return frame if output == "pandas" else frame.to_dask_array()


def _output_config(encoder):
    from sklearn.utils._set_output import _get_output_config

    output = _get_output_config("transform", encoder)["dense"]
    if output not in ("default", "pandas"):
        raise ValueError(
            f'set_output(transform="{output}") has no Dask counterpart: a Dask DataFrame '
            'is encoded as a Dask array ("default") or a Dask DataFrame ("pandas").'
        )
    return output


def dispatch(method, dask_method):
    """``method``, but Dask input goes to ``dask_method`` instead.

    scikit-learn wraps ``transform`` and ``fit_transform`` so that ``set_output``
    can turn what they return into a pandas DataFrame, which would compute a
    Dask collection; this goes around that wrapper, keeping the result lazy.
    """
    import functools

    @functools.wraps(method)
    def dispatched(self, X, *args, **kwargs):
        if is_dask_collection(X):
            return dask_method(self, X, *args, **kwargs)
        return method(self, X, *args, **kwargs)

    return dispatched


def refuse_fit():
    raise TypeError(
        "EmbeddingEncoder cannot fit on a Dask collection yet: fit on a pandas sample "
        "of the rows (for example X.sample(frac=0.05).compute(), with its targets), then "
        "transform the Dask DataFrame, which is encoded lazily, partition by partition."
    )
