"""Save a fitted encoder to a portable file and load it back, without pickle.

The file is a zip archive of ``metadata.json`` (format version, parameters,
fitted attributes) and one ``.npy`` per array, so it can be read with the zip,
JSON and numpy tools of any language, and loading runs no code from the file:
no pickle, no TensorFlow.
"""

import contextlib
import inspect
import io
import json
import os
import secrets
import zipfile
from numbers import Integral, Real

import numpy as np
import pandas as pd

from ._encoder import EmbeddingEncoder, one_hot_columns, restore

FORMAT = "skembed-encoder"
#: 2 stores every parameter (arrays, DataFrames, splitters included) and the
#: classes' dtype; files of version 1, which kept JSON-able parameters only,
#: are still read.
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)

_JSON_SCALARS = (str, bool, Integral, Real, type(None))


def save(encoder, path):
    """Write a fitted EmbeddingEncoder to ``path`` (a zip of JSON and .npy files).

    The parameters are stored, so that the loaded encoder can be cloned and
    refitted as the saved one: numbers, strings and bools, lists, tuples and
    dicts of them, arrays and DataFrames of numbers or strings (a pandas
    Index or Series comes back as an array), numpy dtypes, and
    scikit-learn's splitters whose own parameters are such values. A
    ``random_state`` given as a RandomState instance is stored as None (both
    make refits differ). Anything else (a home-made or repeated splitter, a
    callable, datetimes) raises TypeError, naming the parameter. Categories
    must be strings, numbers, bools or datetime64 values. The file is written whole
    or not at all: a failed save leaves any file already at ``path`` as it
    was.

    Parameters
    ----------
    encoder : fitted EmbeddingEncoder
        The encoder to write.
    path : str, path-like or binary file object
        Where to write it. A path is replaced atomically; a file object is
        written at its position.

    See Also
    --------
    load : Read the file back.

    Examples
    --------
    >>> import io
    >>> import pandas as pd
    >>> import skembed
    >>> X = pd.DataFrame({"city": ["Paris", "Lyon"] * 10})
    >>> encoder = skembed.EmbeddingEncoder(
    ...     initial_embeddings="one_hot", trainable=False, min_frequency=None
    ... ).fit(X)
    >>> buffer = io.BytesIO()
    >>> skembed.save(encoder, buffer)
    >>> _ = buffer.seek(0)
    >>> skembed.load(buffer).transform(X[:2]).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    if not isinstance(encoder, EmbeddingEncoder):
        raise TypeError(f"save expects an EmbeddingEncoder, got {type(encoder).__name__}")
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(encoder)
    arrays = {}
    params = {}
    for name, value in encoder.get_params().items():
        try:
            params[name] = _param_to_json(value, arrays)
        except TypeError as error:
            raise TypeError(f"cannot save parameter {name}: {error}") from None
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "params": params,
        "n_features_in": encoder.n_features_in_,
        "feature_names_in": _names(encoder),
        "dims": [int(d) for d in encoder.dims_],
        "one_hot": one_hot_columns(encoder),
        "target_type": encoder.target_type_,
        "classes": None if encoder.classes_ is None else _array_to_json(encoder.classes_, arrays),
        "history": encoder.history_,
        "hidden_units": None if encoder.hidden_units_ is None else list(encoder.hidden_units_),
        "column_gains": [None if np.isnan(g) else float(g) for g in encoder.column_gains_],
        "categories": [],
        "infrequent_categories": [],
    }
    for i, (categories, table) in enumerate(zip(encoder.categories_, encoder.embeddings_)):
        arrays[f"embeddings_{i}.npy"] = table
        arrays[f"counts_{i}.npy"] = encoder.category_counts_[i]
        metadata["categories"].append(_array_to_json(categories, arrays, f"categories_{i}.npy"))
        rare = encoder.infrequent_categories_[i]
        metadata["infrequent_categories"].append(
            None if rare is None else _array_to_json(rare, arrays, f"infrequent_{i}.npy")
        )
    # The whole archive is built in memory before the file is touched.
    content = io.BytesIO()
    with zipfile.ZipFile(content, "w") as archive:
        archive.writestr("metadata.json", json.dumps(metadata, indent=1))
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.save(buffer, array, allow_pickle=False)
            archive.writestr(name, buffer.getvalue())
    _write_atomically(path, content.getvalue())


def _write_atomically(path, data):
    """Write ``data`` to ``path`` whole or not at all.

    A file object is written directly. A path gets a new file beside it (beside
    the file a symbolic link points to), created as ``open`` creates files,
    then moved into place.
    """
    if hasattr(path, "write"):
        path.write(data)
        return
    path = os.path.realpath(os.fsdecode(path))
    temporary = f"{path}.{os.getpid()}-{secrets.token_hex(4)}.partial"
    try:
        with open(temporary, "xb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def load(path):
    """Read an encoder written by :func:`save`.

    The file is read, never extracted: nothing is written, and no name inside
    it reaches the file system. Every array's size is checked against its
    member's before it is read.

    Parameters
    ----------
    path : str, path-like or binary file object
        A file written by :func:`save`.

    Returns
    -------
    encoder : EmbeddingEncoder
        The fitted encoder, with the saved parameters; it transforms exactly as
        the saved one did, without TensorFlow.

    Raises
    ------
    ValueError
        If the file is not a skembed encoder file, is damaged (truncated,
        altered, with members missing, extra or of the wrong shape or type), or
        was written in a format version this skembed does not know.
    OSError
        If the file cannot be opened.

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> import skembed
    >>> X = pd.DataFrame({"city": ["Paris", "Lyon"] * 10})
    >>> encoder = skembed.EmbeddingEncoder(
    ...     initial_embeddings="one_hot", trainable=False, min_frequency=None
    ... ).fit(X)
    >>> path = os.path.join(tempfile.mkdtemp(), "encoder.skembed")
    >>> skembed.save(encoder, path)
    >>> skembed.load(path).transform(X[:2]).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    opened = isinstance(path, (str, bytes, os.PathLike))
    if not opened and not path.seekable():  # a zip is read from its end: take it whole
        path = io.BytesIO(path.read())
    with open(path, "rb") if opened else contextlib.nullcontext(path) as file:
        try:
            return _read(file, path)
        except _FormatError:
            raise
        except _Damaged as error:
            raise ValueError(f"{path} is damaged: {error}") from None
        except Exception as error:  # anything a damaged file can raise while parsed
            raise ValueError(
                f"{path} is not a readable skembed encoder file or is damaged: "
                f"{type(error).__name__}: {error}"
            ) from error


def _read(file, path):
    with zipfile.ZipFile(file) as archive:
        members = {info.filename: info for info in archive.infolist()}
        read = set()

        def member(name):
            if name not in members:
                raise _Damaged(f"member {name!r} is missing")
            info = members[name]
            if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
                raise _Damaged(f"member {name!r} is compressed; skembed stores members as is")
            read.add(name)
            return archive.read(name)

        def array(name):
            return _npy(member(name), name)

        metadata = json.loads(member("metadata.json"))
        _check_format(metadata, path)
        version_1 = metadata["format_version"] == 1
        if version_1:
            params = _params_from_version_1(metadata["params"])
        else:
            params = {k: _param_from_json(v, array) for k, v in metadata["params"].items()}
        classes = metadata["classes"]
        if classes is not None and version_1:
            classes = _values_from_json(classes)
        elif classes is not None:
            classes = _array_from_json(classes, array)
        encoder = EmbeddingEncoder(**params)
        categories = [_array_from_json(c, array) for c in metadata["categories"]]
        encoder.embeddings_ = [array(f"embeddings_{i}.npy") for i in range(len(categories))]
        encoder.category_counts_ = [array(f"counts_{i}.npy") for i in range(len(categories))]
        encoder.infrequent_categories_ = [
            None if c is None else _array_from_json(c, array)
            for c in metadata["infrequent_categories"]
        ]
        extra = sorted(set(members) - read)
        if extra:
            raise _Damaged(f"unexpected member(s) {extra[:5]}")
    encoder.categories_ = categories
    encoder.dims_ = list(metadata["dims"])
    encoder.n_features_in_ = metadata["n_features_in"]
    if metadata["feature_names_in"] is not None:
        encoder.feature_names_in_ = np.asarray(metadata["feature_names_in"], dtype=object)
    encoder.target_type_ = metadata["target_type"]
    encoder.classes_ = classes
    encoder.history_ = metadata["history"]
    if "hidden_units" in metadata:
        hidden = metadata["hidden_units"]
    else:  # files from before hidden_units="auto": the parameter's layers, if trained
        hidden = params.get("hidden_units") if metadata["history"] else None
    encoder.hidden_units_ = hidden
    gains = metadata.get("column_gains") or [None] * len(categories)  # files from before gains were measured
    encoder.column_gains_ = np.array([np.nan if g is None else g for g in gains], dtype=float)
    return _check_consistent(encoder, metadata.get("one_hot") or [False] * len(categories))


class _Damaged(ValueError):
    """What is wrong with a file; :func:`load` adds the file's name."""


def _npy(data, name):
    """The array in ``data`` (a .npy file's bytes), after checking its header against its size.

    A header is read first: one that claims more data than the member holds,
    an object dtype, or a member of another size is refused before any array
    is allocated.
    """
    stream = io.BytesIO(data)
    version = np.lib.format.read_magic(stream)
    read_header = {
        (1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0,
    }.get(version)  # fmt: skip
    if read_header is None:
        raise _Damaged(f"member {name!r} has .npy version {version}")
    shape, _, dtype = read_header(stream)
    if dtype.hasobject:
        raise _Damaged(f"member {name!r} holds Python objects, which skembed never saves")
    if dtype.itemsize == 0:  # its size could not bound the array's
        raise _Damaged(f"member {name!r} has a dtype of zero bytes ({dtype})")
    expected = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if expected != len(data) - stream.tell():
        raise _Damaged(
            f"member {name!r} claims shape {shape} of {dtype} ({expected} bytes) but holds "
            f"{len(data) - stream.tell()} bytes"
        )
    return np.load(io.BytesIO(data), allow_pickle=False)


class _FormatError(ValueError):
    pass


def _check_format(metadata, path):
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise _FormatError(f"{path} is not a skembed encoder file")
    version = metadata.get("format_version")
    if version not in READABLE_VERSIONS:
        raise _FormatError(
            f"{path} has format version {version!r}; this skembed reads versions "
            f"{', '.join(map(str, READABLE_VERSIONS))}. Save it again with the skembed "
            "that will load it."
        )


def _check_consistent(encoder, one_hot):
    """The loaded encoder, finished; :class:`_Damaged` unless its parameters are
    valid and its fitted attributes (and ``one_hot``) agree with each other."""
    from sklearn.utils._param_validation import InvalidParameterError

    if not isinstance(one_hot, list) or not all(isinstance(b, bool) for b in one_hot):
        raise _Damaged("one_hot is not a list of bools")
    try:
        restore(encoder, one_hot)
    except InvalidParameterError as error:
        raise _Damaged(f"its parameters are invalid: {error}") from None
    n = len(encoder.categories_)
    n_features = encoder.n_features_in_
    if not isinstance(n_features, Integral) or isinstance(n_features, bool) or n_features != n:
        raise _Damaged(f"n_features_in is {n_features!r} for {n} columns")
    hidden = encoder.hidden_units_
    if hidden is not None:
        if not isinstance(hidden, (list, tuple)) or not all(
            isinstance(u, Integral) and not isinstance(u, bool) and u >= 1 for u in hidden
        ):
            raise _Damaged(f"hidden_units {hidden!r} is not a list of positive ints")
        encoder.hidden_units_ = tuple(hidden)
    history = encoder.history_
    if not isinstance(history, dict) or not all(isinstance(v, list) for v in history.values()):
        raise _Damaged("history is not a dict of lists")
    if not all(isinstance(d, Integral) and d >= 1 for d in encoder.dims_):
        raise _Damaged(f"dims {encoder.dims_} are not positive ints")
    names = getattr(encoder, "feature_names_in_", None)
    if names is not None and (len(names) != n or not all(isinstance(s, str) for s in names)):
        raise _Damaged(f"feature_names_in should be {n} strings")
    lengths = {
        "dims": len(encoder.dims_), "one_hot": len(one_hot),
        "counts": len(encoder.category_counts_),
        "column_gains": len(encoder.column_gains_),
        "infrequent_categories": len(encoder.infrequent_categories_),
    }  # fmt: skip
    for what, length in lengths.items():
        if length != n:
            raise _Damaged(f"{what} has {length} entries for {n} columns")
    if encoder.target_type_ not in (None, "binary", "multiclass", "continuous"):
        raise _Damaged(f"unknown target type {encoder.target_type_!r}")
    for i, (categories, table, dim, counts) in enumerate(
        zip(encoder.categories_, encoder.embeddings_, encoder.dims_, encoder.category_counts_)
    ):
        if table.shape != (len(categories) + 1, dim):
            raise _Damaged(
                f"column {i} has {len(categories)} categories and width {dim}, but its "
                f"table has shape {table.shape}"
            )
        if table.dtype.kind != "f" or not np.isfinite(table).all():
            raise _Damaged(f"column {i}'s table is not finite floats ({table.dtype})")
        # Counts are sums of sample weights (floats) after a weighted fit.
        if counts.shape != (len(categories),) or counts.dtype.kind not in "iuf" or not (
            np.isfinite(counts).all() and (counts >= 0).all()
        ):
            raise _Damaged(f"column {i}'s counts do not match its {len(categories)} categories")
    names = len(encoder.get_feature_names_out())
    if names != sum(encoder.dims_):
        raise _Damaged(f"its one-hot columns name {names} outputs for {sum(encoder.dims_)}")
    return encoder


def _names(encoder):
    names = getattr(encoder, "feature_names_in_", None)
    return None if names is None else [str(n) for n in names]


def _param_to_json(value, arrays):
    """A parameter as JSON: scalars as they are, anything else as a tagged object.

    Arrays go to ``arrays`` (written as .npy files) unless they hold strings.
    """
    if isinstance(value, np.generic) and not isinstance(value, (np.datetime64, np.timedelta64)):
        value = value.item()
    if isinstance(value, _JSON_SCALARS):
        return value
    if isinstance(value, list):
        return {"list": [_param_to_json(v, arrays) for v in value]}
    if isinstance(value, tuple):
        return {"tuple": [_param_to_json(v, arrays) for v in value]}
    if isinstance(value, dict):
        return {"dict": [[_param_to_json(k, arrays), _param_to_json(v, arrays)]
                         for k, v in value.items()]}
    if isinstance(value, type) and issubclass(value, np.generic) or isinstance(value, np.dtype):
        return {"dtype": np.dtype(value).name}
    if isinstance(value, (np.ndarray, pd.Index, pd.Series)):
        return {"array": _array_to_json(np.asarray(value), arrays)}
    if isinstance(value, pd.DataFrame):
        return {"frame": {
            "index": _array_to_json(value.index.to_numpy(), arrays),
            "columns": _param_to_json(value.columns.tolist(), arrays),
            "values": _array_to_json(value.to_numpy(), arrays),
        }}
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, np.random.RandomState):
        return None  # unseeded either way; documented in save
    return {"splitter": _splitter_to_json(value, arrays)}


def _splitter_to_json(splitter, arrays):
    """One of scikit-learn's splitters as its class name and parameters."""
    import sklearn.model_selection

    name = type(splitter).__name__
    if getattr(sklearn.model_selection, name, None) is not type(splitter):
        raise TypeError(
            f"{splitter!r} is not a parameter skembed can store (only numbers, strings, "
            "arrays, DataFrames and scikit-learn's splitters); set it to one of those "
            "before saving"
        )
    names = [p for p in inspect.signature(type(splitter)).parameters if p != "self"]
    try:
        params = {p: getattr(splitter, p) for p in names}
        complete = repr(type(splitter)(**params)) == repr(splitter)
    except (AttributeError, TypeError):
        complete = False
    if not complete:
        raise TypeError(f"{splitter!r} cannot be stored with its parameters; pass an int cv")
    return {"class": name, "params": {p: _param_to_json(v, arrays) for p, v in params.items()}}


def _splitter_from_json(stored, array):
    import sklearn.model_selection

    kind = getattr(sklearn.model_selection, stored["class"], None)
    if not (isinstance(kind, type) and hasattr(kind, "split")):
        raise ValueError(f"unknown splitter {stored['class']!r}")
    return kind(**{k: _param_from_json(v, array) for k, v in stored["params"].items()})


def _param_from_json(value, array):
    if not isinstance(value, dict):
        return value
    (tag, content), = value.items()
    if tag == "list":
        return [_param_from_json(v, array) for v in content]
    if tag == "tuple":
        return tuple(_param_from_json(v, array) for v in content)
    if tag == "dict":
        return {_param_from_json(k, array): _param_from_json(v, array) for k, v in content}
    if tag == "dtype":
        return np.dtype(content).type
    if tag == "array":
        return _array_from_json(content, array)
    if tag == "frame":
        return pd.DataFrame(
            _array_from_json(content["values"], array),
            index=pd.Index(_array_from_json(content["index"], array)),
            columns=_param_from_json(content["columns"], array),
        )
    if tag == "splitter":
        return _splitter_from_json(content, array)
    raise ValueError(f"unknown parameter tag {tag!r}")


def _params_from_version_1(params):
    """Version 1 kept JSON-able parameters as they were, and the dtype by name."""
    params = dict(params)
    if isinstance(params.get("dtype"), dict):
        params["dtype"] = np.dtype(params["dtype"]["dtype"]).type
    if isinstance(params.get("hidden_units"), list):
        params["hidden_units"] = tuple(params["hidden_units"])
    if params.get("categories", "auto") is None:  # explicit categories were not kept
        params["categories"] = "auto"
    return params


def _array_to_json(values, arrays, name=None):
    """Numeric, bool and datetime arrays go to a .npy file; strings and mixed ones to JSON."""
    if values.dtype.kind in "biufmM":
        name = name or f"param_{len(arrays)}.npy"
        arrays[name] = values
        return {"npy": name}
    return {"values": _values_to_json(values)}


def _array_from_json(stored, array):
    if "npy" in stored:
        return array(stored["npy"])
    return _values_from_json(stored["values"])


def _values_to_json(values):
    out = []
    for value in values.tolist():
        if value is None or (isinstance(value, float) and np.isnan(value)):
            out.append(None)  # the missing-value category
        elif isinstance(value, (str, bool, int, float)):
            out.append(value)
        else:
            raise TypeError(
                f"cannot save category {value!r} of type {type(value).__name__}: only "
                "strings, numbers, bools and missing values are portable"
            )
    return out


def _values_from_json(values):
    if not all(v is None or isinstance(v, (str, bool, int, float)) for v in values):
        raise _Damaged("categories must be strings, numbers, bools or null")
    result = np.empty(len(values), dtype=object)
    result[:] = [np.nan if v is None else v for v in values]
    return result
