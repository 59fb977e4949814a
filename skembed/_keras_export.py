"""A fitted encoder as a Keras model, for users who take it into their own network.

Training world: imported by ``EmbeddingEncoder.to_keras`` alone, so that
``import skembed`` and ``transform`` never load TensorFlow. The model is built
from the fitted tables only: per plain column, a lookup whose vocabulary is
locked to the fitted categories, then an ``Embedding`` holding their vectors;
per token column, :class:`~skembed.keras_layers.TokenMeans`.
"""

import re

import numpy as np
import pandas as pd

#: The string a Keras input gives for a missing value (a string tensor holds no None).
MISSING_STRING = ""


def to_keras(names, vocabularies, tables, analyzers, handle_unknown, trainable):
    """A Keras model of inputs named ``names`` (one column each, shape ``(1,)``)
    whose output equals ``transform``'s on the same values."""
    import keras

    inputs, vectors = {}, []
    for i, (name, vocabulary, table, analyzer) in enumerate(
        zip(names, vocabularies, tables, analyzers)
    ):
        # Layer names are TensorFlow scopes (letters, digits and _.-/> only),
        # numbered so that "a b" and "a_b" stay two.
        scope = re.sub(r"[^A-Za-z0-9_.\-]", "_", str(name))
        unknown = np.zeros(table.shape[1], table.dtype) if handle_unknown == "ignore" else table[-1]
        if analyzer is not None:
            dtype = "string"
            encode = _token_means(name, analyzer, vocabulary, table, unknown, trainable,
                                  f"token_means_{i}_{scope}")  # fmt: skip
        else:
            dtype, encode = _lookup_and_embedding(name, vocabulary, table, unknown, trainable,
                                                  f"{i}_{scope}")  # fmt: skip
        inputs[str(name)] = keras.Input(shape=(1,), dtype=dtype, name=str(name))
        vectors.append(encode(inputs[str(name)]))
    output = vectors[0] if len(vectors) == 1 else keras.layers.Concatenate()(vectors)
    return keras.Model(inputs, output, name="embedding_encoder")


def _lookup_and_embedding(name, vocabulary, table, unknown, trainable, suffix):
    """A plain column's input dtype, and the function from its input to its vectors."""
    import keras

    dtype, keys, rows = _keys_and_rows(name, vocabulary)
    # Row 0 is the lookup's one out-of-vocabulary index; key k is row k + 1.
    weights = np.vstack([unknown[None, :], table[rows]])
    lookup = (keras.layers.StringLookup if dtype == "string" else keras.layers.IntegerLookup)(
        vocabulary=keys, num_oov_indices=1, mask_token=None, name=f"lookup_{suffix}"
    )
    embedding = keras.layers.Embedding(
        len(weights), table.shape[1], weights=[weights], trainable=trainable,
        dtype=str(table.dtype), name=f"embedding_{suffix}",
    )  # fmt: skip
    flat = keras.layers.Reshape((table.shape[1],))
    return dtype, lambda column: flat(embedding(lookup(column)))


def _token_means(name, analyzer, vocabulary, table, unknown, trainable, layer_name):
    """The Keras layer of a token column (see :class:`~skembed.keras_layers.TokenMeans`)."""
    from .keras_layers import ANALYZERS, TokenMeans

    if not (isinstance(analyzer, str) and analyzer in ANALYZERS):
        raise ValueError(
            f"to_keras cannot export the token column {name!r} (analyzer={analyzer!r}): "
            f"TensorFlow's string operations reproduce the analyzers {list(ANALYZERS)} only"
        )
    tokens = [t for t in vocabulary.categories.tolist() if isinstance(t, str)]
    rows = np.flatnonzero([isinstance(t, str) for t in vocabulary.categories.tolist()])
    # Row 0: an unknown token; then the tokens; last, an empty cell's (the missing row).
    weights = np.vstack([unknown[None, :], table[rows], table[vocabulary.missing_code][None, :]])
    layer = TokenMeans(tokens, table.shape[1], analyzer, trainable=trainable,
                       dtype=str(table.dtype), name=layer_name)  # fmt: skip
    layer.build((None, 1))
    layer.set_weights([weights])
    return layer


def _keys_and_rows(name, vocabulary):
    """The Keras input's dtype, the lookup's keys and each key's table row.

    Missing values are read from the empty string, unless it is a category.
    """
    categories = vocabulary.categories
    present = np.flatnonzero(~pd.isna(categories))
    values = categories[present].tolist()
    if all(isinstance(v, str) for v in values):
        keys, rows = list(values), list(present)
        if vocabulary.missing_code >= 0 and MISSING_STRING not in keys:
            keys.append(MISSING_STRING)
            rows.append(vocabulary.missing_code)
        return "string", keys, np.asarray(rows, dtype=np.intp)
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
           for v in values):  # fmt: skip
        return "int64", np.asarray(values, dtype=np.int64), present
    kinds = sorted({type(v).__name__ for v in values})
    raise ValueError(
        f"to_keras maps strings or integers to vectors, but column {name!r} has "
        f"categories of type {kinds}; fit the encoder on the column as strings "
        "(for example .astype(str)) to export it"
    )
