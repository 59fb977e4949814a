"""Keras layers of the models ``EmbeddingEncoder.to_keras`` builds.

Importing this module imports TensorFlow and Keras (``import skembed`` does
not). Its layers are registered with Keras, so that a saved model holding one
(an exported token column) loads once it is imported::

    import skembed.keras_layers
    model = keras.models.load_model("network.keras")
"""

import keras
import tensorflow as tf

#: A word character, as Python's ``re`` reads ``\\w``: a letter, a digit (any
#: script's) or the underscore.
_NOT_WORD = r"[^\pL\pN_]+"


#: Whitespace, as Python's ``str.split()`` reads it.
_SPACE = r"[\pZ\t\n\v\f\r\x1c-\x1f\x85]+"

#: What a cell of each analyzer the layer reproduces is cut into.
ANALYZERS = ("word", "char_wb")


@keras.saving.register_keras_serializable(package="skembed")
class TokenMeans(keras.layers.Layer):
    """A cell of text as the mean of its tokens' vectors, as the encoder's
    token columns (``analyzer="word"`` or ``"char_wb"``) encode it.

    ``"word"``: scikit-learn's default token pattern, the cell lowercased and
    cut at every character that is not a word character (a letter, a digit of
    any script, the underscore), pieces of two characters or more.
    ``"char_wb"``: the whole cell as ``"<cell>"``, and the character n-grams of
    3 to 5 characters of each lowercased word padded by a space on each side.
    Row 0 of the table is an unknown token's, rows ``1 .. len(tokens)`` the
    tokens', and the last an empty cell's: a cell without tokens, or the empty
    string, which stands for a missing value.

    Parameters
    ----------
    tokens : list of str
        The column's tokens, in the order of the table's rows 1 onwards.
    width : int
        The number of numbers per token.
    analyzer : {"word", "char_wb"}
        How a cell is cut into tokens.
    **kwargs
        Keras' layer arguments (``trainable``, ``dtype``, ``name``).
    """

    def __init__(self, tokens, width, analyzer, **kwargs):
        super().__init__(**kwargs)
        if analyzer not in ANALYZERS:
            raise ValueError(f"analyzer must be one of {list(ANALYZERS)}, got {analyzer!r}")
        self.tokens, self.width, self.analyzer = list(tokens), int(width), analyzer
        self.lookup = keras.layers.StringLookup(
            vocabulary=self.tokens, num_oov_indices=1, mask_token=None
        )

    def build(self, input_shape):
        self.embeddings = self.add_weight(
            shape=(len(self.tokens) + 2, self.width), initializer="zeros", name="embeddings",
            trainable=self.trainable,
        )  # fmt: skip

    def call(self, cells):
        cells = tf.reshape(cells, [-1])
        tokens = _words(cells) if self.analyzer == "word" else _char_wb_ngrams(cells)
        ids = tf.ragged.map_flat_values(self.lookup, tokens)
        table = tf.convert_to_tensor(self.embeddings)
        means = tf.reduce_mean(tf.ragged.map_flat_values(tf.gather, table, ids), axis=1)
        empty = tf.equal(tokens.row_lengths(), 0)[:, None]
        return tf.where(empty, table[-1][None, :], means)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.width)

    def get_config(self):
        return {**super().get_config(), "tokens": self.tokens, "width": self.width,
                "analyzer": self.analyzer}  # fmt: skip


def _words(cells):
    text = tf.strings.lower(cells, encoding="utf-8")
    pieces = tf.strings.split(tf.strings.regex_replace(text, _NOT_WORD, " "))
    return tf.ragged.boolean_mask(pieces, tf.strings.length(pieces, unit="UTF8_CHAR") >= 2)


def _char_wb_ngrams(cells):
    words = tf.strings.split(tf.strings.regex_replace(
        tf.strings.lower(cells, encoding="utf-8"), _SPACE, " "
    ))  # fmt: skip
    padded = tf.ragged.map_flat_values(lambda w: tf.strings.join([" ", w, " "]), words)
    characters = tf.strings.unicode_split(padded, "UTF-8")
    # A padded word of L characters gives its n-grams for each n of 3 to 5 up
    # to L: a word too short for an n-gram is itself once, as the encoder does.
    grams = tf.concat(
        [tf.strings.ngrams(characters, n, separator="") for n in (3, 4, 5)], axis=-1
    ).merge_dims(1, 2)
    whole = tf.strings.join(["<", cells, ">"])[:, None]
    tokens = tf.concat([whole, grams], axis=1)
    # The empty string stands for a missing cell: no tokens.
    kept = tf.repeat(tf.not_equal(cells, ""), tokens.row_lengths())
    return tf.ragged.boolean_mask(tokens, tokens.with_flat_values(kept))
