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


@keras.saving.register_keras_serializable(package="skembed")
class WordMeans(keras.layers.Layer):
    """A cell of text as the mean of its words' vectors, as the encoder's
    ``analyzer="word"`` encodes it.

    The words are those of scikit-learn's default token pattern: the cell
    lowercased, cut at every character that is not a word character, pieces
    of two characters or more. Row 0 of the table is an unknown word's, rows
    ``1 .. len(words)`` the words', and the last an empty cell's.

    Parameters
    ----------
    words : list of str
        The column's words, in the order of the table's rows 1 onwards.
    width : int
        The number of numbers per word.
    **kwargs
        Keras' layer arguments (``trainable``, ``dtype``, ``name``).
    """

    def __init__(self, words, width, **kwargs):
        super().__init__(**kwargs)
        self.words, self.width = list(words), int(width)
        self.lookup = keras.layers.StringLookup(
            vocabulary=self.words, num_oov_indices=1, mask_token=None
        )

    def build(self, input_shape):
        self.embeddings = self.add_weight(
            shape=(len(self.words) + 2, self.width), initializer="zeros", name="embeddings",
            trainable=self.trainable,
        )  # fmt: skip

    def call(self, cells):
        text = tf.strings.lower(tf.reshape(cells, [-1]), encoding="utf-8")
        pieces = tf.strings.split(tf.strings.regex_replace(text, _NOT_WORD, " "))
        words = tf.ragged.boolean_mask(pieces, tf.strings.length(pieces, unit="UTF8_CHAR") >= 2)
        ids = tf.ragged.map_flat_values(self.lookup, words)
        table = tf.convert_to_tensor(self.embeddings)
        vectors = tf.ragged.map_flat_values(tf.gather, table, ids)
        means = tf.reduce_mean(vectors, axis=1)
        empty = tf.equal(words.row_lengths(), 0)[:, None]
        return tf.where(empty, table[-1][None, :], means)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.width)

    def get_config(self):
        return {**super().get_config(), "words": self.words, "width": self.width}
