"""Save a fitted encoder to a portable file and load it back, without pickle.

The file is a zip archive of ``metadata.json`` (format version, parameters,
fitted attributes) and one ``.npy`` per array, so it can be read with the zip,
JSON and numpy tools of any language, and loading runs no code from the file:
no pickle, no TensorFlow.
"""

import io
import json
import zipfile
from numbers import Integral, Real

import numpy as np

from ._encoder import EmbeddingEncoder
from ._vocabulary import Vocabulary

FORMAT = "skembed-encoder"
FORMAT_VERSION = 1

# Parameters that only shape training; a loaded encoder keeps the JSON-able ones.
_JSON_TYPES = (str, bool, Integral, Real, type(None))


def save(encoder, path):
    """Write a fitted EmbeddingEncoder to ``path`` (a zip of JSON and .npy files).

    Parameters that cannot be written as JSON (a RandomState instance, a
    cross-validation splitter, explicit categories, initial embeddings given
    as arrays or DataFrames, a dict keyed by column positions) are stored as
    None: they matter to ``fit`` only, not to what the saved encoder does.

    Parameters
    ----------
    encoder : fitted EmbeddingEncoder
    path : str or path-like
    """
    if not isinstance(encoder, EmbeddingEncoder):
        raise TypeError(f"save expects an EmbeddingEncoder, got {type(encoder).__name__}")
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(encoder)
    arrays = {}
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "params": {k: _param_to_json(v) for k, v in encoder.get_params().items()},
        "n_features_in": encoder.n_features_in_,
        "feature_names_in": _names(encoder),
        "dims": list(encoder.dims_),
        "one_hot": [bool(b) for b in encoder._one_hot_columns],
        "target_type": encoder.target_type_,
        "classes": None if encoder.classes_ is None else _values_to_json(encoder.classes_),
        "history": encoder.history_,
        "categories": [],
        "infrequent_categories": [],
    }
    for i, (categories, table) in enumerate(zip(encoder.categories_, encoder.embeddings_)):
        arrays[f"embeddings_{i}.npy"] = table
        arrays[f"counts_{i}.npy"] = encoder.category_counts_[i]
        metadata["categories"].append(_stored_values(categories, f"categories_{i}.npy", arrays))
        rare = encoder.infrequent_categories_[i]
        metadata["infrequent_categories"].append(
            None if rare is None else _stored_values(rare, f"infrequent_{i}.npy", arrays)
        )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps(metadata, indent=1))
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.save(buffer, array, allow_pickle=False)
            archive.writestr(name, buffer.getvalue())


def load(path):
    """Read an encoder written by :func:`save`.

    Raises
    ------
    ValueError
        If the file is not a skembed encoder file, is damaged, or was written
        in a format version this skembed does not know.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            metadata = json.loads(archive.read("metadata.json"))
            _check_format(metadata, path)

            def array(name):
                return np.load(io.BytesIO(archive.read(name)), allow_pickle=False)

            encoder = EmbeddingEncoder(**_params_from_json(metadata["params"]))
            categories = [_loaded_values(c, array) for c in metadata["categories"]]
            encoder.embeddings_ = [array(f"embeddings_{i}.npy") for i in range(len(categories))]
            encoder.category_counts_ = [array(f"counts_{i}.npy") for i in range(len(categories))]
            encoder.infrequent_categories_ = [
                None if c is None else _loaded_values(c, array)
                for c in metadata["infrequent_categories"]
            ]
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, ValueError, EOFError) as error:
        if isinstance(error, _FormatError):
            raise
        raise ValueError(
            f"{path} is not a readable skembed encoder file or is damaged: {error}"
        ) from None
    encoder.categories_ = categories
    encoder._vocabularies = [Vocabulary(c) for c in categories]
    encoder.dims_ = list(metadata["dims"])
    encoder._one_hot_columns = metadata.get("one_hot") or [False] * len(categories)
    encoder.n_features_in_ = metadata["n_features_in"]
    if metadata["feature_names_in"] is not None:
        encoder.feature_names_in_ = np.asarray(metadata["feature_names_in"], dtype=object)
    encoder.target_type_ = metadata["target_type"]
    classes = metadata["classes"]
    encoder.classes_ = None if classes is None else _values_from_json(classes)
    encoder.history_ = metadata["history"]
    _check_consistent(encoder, path)
    return encoder


class _FormatError(ValueError):
    pass


def _check_format(metadata, path):
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise _FormatError(f"{path} is not a skembed encoder file")
    version = metadata.get("format_version")
    if version != FORMAT_VERSION:
        raise _FormatError(
            f"{path} has format version {version!r}; this skembed reads version "
            f"{FORMAT_VERSION}. Save it again with the skembed that will load it."
        )


def _check_consistent(encoder, path):
    for i, (categories, table, dim) in enumerate(
        zip(encoder.categories_, encoder.embeddings_, encoder.dims_)
    ):
        if table.shape != (len(categories) + 1, dim):
            raise ValueError(
                f"{path} is damaged: column {i} has {len(categories)} categories and "
                f"width {dim}, but its table has shape {table.shape}"
            )


def _names(encoder):
    names = getattr(encoder, "feature_names_in_", None)
    return None if names is None else [str(n) for n in names]


def _param_to_json(value):
    if isinstance(value, (tuple, list)) and all(isinstance(v, _JSON_TYPES) for v in value):
        return list(value)
    if isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, _JSON_TYPES) for k, v in value.items()
    ):
        return value  # JSON would turn other keys (column positions) into strings
    if isinstance(value, type) and issubclass(value, np.generic) or isinstance(value, np.dtype):
        return {"dtype": np.dtype(value).name}
    if isinstance(value, _JSON_TYPES):
        return value.item() if isinstance(value, np.generic) else value
    return None  # a RandomState, a splitter, explicit categories: fit-time only


def _params_from_json(params):
    params = dict(params)
    if isinstance(params.get("dtype"), dict):
        params["dtype"] = np.dtype(params["dtype"]["dtype"]).type
    if isinstance(params.get("hidden_units"), list):
        params["hidden_units"] = tuple(params["hidden_units"])
    return params


def _stored_values(values, name, arrays):
    """Numeric and bool values go to a .npy file; strings and mixed ones to JSON."""
    if values.dtype.kind in "biuf":
        arrays[name] = values
        return {"npy": name}
    return {"values": _values_to_json(values)}


def _loaded_values(stored, array):
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
    result = np.empty(len(values), dtype=object)
    result[:] = [np.nan if v is None else v for v in values]
    return result
