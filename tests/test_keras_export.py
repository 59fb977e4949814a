"""EmbeddingEncoder.to_keras: the fitted encoder as a Keras model (skembed/_keras_export.py)."""

import numpy as np
import pandas as pd
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from skembed import EmbeddingEncoder  # noqa: E402


def training_frame(n=600, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        # "Brest" is seen twice: infrequent under min_frequency=5.
        "city": rng.choice(["Paris", "Lyon", "Nice", "Lille"], n).astype(object),
        "shop id": rng.integers(0, 9, n),
    })  # fmt: skip
    X.loc[:1, "city"] = "Brest"
    X.loc[2:9, "city"] = None
    y = (X["shop id"] % 3 == 0).to_numpy().astype(int)
    return X, y


def new_rows():
    """Known, infrequent, unknown and missing cities; known and unknown shops."""
    return pd.DataFrame({
        "city": ["Paris", "Brest", "Rome", None, "Lille"],
        "shop id": [3, 4, 42, 0, -1],
    })  # fmt: skip


def keras_inputs(X):
    return {
        "city": tf.constant(X["city"].fillna("").to_numpy(dtype=str).reshape(-1, 1)),
        "shop id": tf.constant(X["shop id"].to_numpy(dtype=np.int64).reshape(-1, 1)),
    }


@pytest.mark.parametrize("handle_unknown", ["infrequent_if_exist", "ignore"])
def test_the_model_outputs_what_transform_outputs(handle_unknown):
    X, y = training_frame()
    encoder = EmbeddingEncoder(dims=3, epochs=2, handle_unknown=handle_unknown, random_state=0,
                               min_frequency=5)
    encoder.fit(X, y)
    assert len(encoder.infrequent_categories_[0]) == 1  # Brest
    model = encoder.to_keras()
    X_new = new_rows()
    expected = encoder.transform(X_new)
    np.testing.assert_array_equal(model(keras_inputs(X_new)).numpy(), expected)
    # The unknown city and shop: their shared row, or zeros when ignored.
    assert (expected[2, :3] == 0).all() == (handle_unknown == "ignore")


def test_a_saved_model_loads_and_gives_the_same(tmp_path):
    X, y = training_frame()
    encoder = EmbeddingEncoder(dims=2, epochs=2, random_state=0).fit(X, y)
    path = tmp_path / "encoder.keras"
    encoder.to_keras().save(path)
    loaded = keras.models.load_model(path)
    X_new = new_rows()
    np.testing.assert_array_equal(loaded(keras_inputs(X_new)).numpy(), encoder.transform(X_new))


def review_frame(n=400, seed=0):
    rng = np.random.default_rng(seed)
    words = ["great", "bad", "café", "don't", "stop_me", "Battery", "x²", "ok", "meh"]
    cells = [" ".join(rng.choice(words, rng.integers(0, 5))) + rng.choice(["", "!", ", zz"])
             for _ in range(n)]  # fmt: skip
    return pd.DataFrame({"review": cells}), rng.integers(0, 2, n)


def text_inputs(cells):
    return {"review": tf.constant(pd.Series(cells).fillna("").to_numpy(dtype=str).reshape(-1, 1))}


@pytest.mark.parametrize("handle_unknown", ["infrequent_if_exist", "ignore"])
def test_a_word_column_is_split_and_averaged_as_transform_does(handle_unknown):
    X, y = review_frame()
    encoder = EmbeddingEncoder(analyzer="word", dims=3, epochs=2, handle_unknown=handle_unknown,
                               random_state=0).fit(X, y)  # fmt: skip
    # Known and unknown words, case, punctuation, accents, digits of other
    # scripts, a one-letter word, an empty cell and a missing one.
    cells = ["great café", "GREAT, Café!", "unheard bad", "Don't STOP_ME", "q", "", None, "x² ok"]
    expected = encoder.transform(pd.DataFrame({"review": cells}))
    got = encoder.to_keras()(text_inputs(cells)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("handle_unknown", ["infrequent_if_exist", "ignore"])
def test_a_char_wb_column_is_cut_into_ngrams_and_averaged_as_transform_does(handle_unknown):
    rng = np.random.default_rng(0)
    tails = [f"N{rng.integers(100, 999)}{rng.choice(list('ABCDEF'))}" for _ in range(200)]
    X = pd.DataFrame({"tailnum": rng.choice(tails, 2000)})
    encoder = EmbeddingEncoder(analyzer="char_wb", dims=3, epochs=2, min_frequency=1,
                               handle_unknown=handle_unknown, random_state=0)  # fmt: skip
    encoder.fit(X, rng.integers(0, 2, 2000))
    # Seen and unseen values, several words, wide spaces (a no-break one), short
    # words, non-ASCII letters, and a missing cell (the empty string in Keras).
    cells = [tails[0], tails[1].lower(), "N999Z", "n123 ab", "Hello  Wörld", "a", "x\u00a0y", None]
    expected = encoder.transform(pd.DataFrame({"tailnum": cells}))
    got = encoder.to_keras()({"tailnum": tf.constant(
        pd.Series(cells).fillna("").to_numpy(dtype=str).reshape(-1, 1)
    )}).numpy()  # fmt: skip
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)


def test_a_saved_model_with_a_word_column_loads_after_importing_the_layers(tmp_path):
    X, y = review_frame()
    encoder = EmbeddingEncoder(analyzer="word", dims=2, epochs=2, random_state=0).fit(X, y)
    encoder.to_keras(trainable=True).save(tmp_path / "words.keras")
    import skembed.keras_layers  # noqa: F401  (registers the layer with Keras)

    loaded = keras.models.load_model(tmp_path / "words.keras")
    cells = ["great café", "", "meh meh ok"]
    np.testing.assert_allclose(
        loaded(text_inputs(cells)).numpy(), encoder.transform(pd.DataFrame({"review": cells})),
        rtol=1e-6, atol=1e-7,
    )  # fmt: skip
    assert loaded.trainable_weights  # trainable=True survives the round trip


def test_other_token_columns_and_other_categories_are_refused_naming_the_column():
    X = pd.DataFrame({"tags": [["red", "car"], ["blue"], ["red", "bike"]] * 20})
    encoder = EmbeddingEncoder(analyzer="list", epochs=1, random_state=0).fit(X, [0, 1, 1] * 20)
    with pytest.raises(ValueError, match="token column 'tags' \\(analyzer='list'\\)"):
        encoder.to_keras()
    X = pd.DataFrame({"price": [1.5, 2.5, 3.5] * 20})
    encoder = EmbeddingEncoder(epochs=1, random_state=0).fit(X, [0, 1, 1] * 20)
    with pytest.raises(ValueError, match="column 'price' has categories of type \\['float'\\]"):
        encoder.to_keras()


@pytest.mark.parametrize("trainable", [False, True])
@pytest.mark.parametrize("column", ["plain", "word"])
def test_the_vectors_train_inside_a_network_only_when_asked(column, trainable):
    if column == "plain":
        (X, y), analyzer, inputs = training_frame(), None, keras_inputs
    else:
        (X, y), analyzer, inputs = review_frame(), "word", lambda X: text_inputs(X["review"])
    encoder = EmbeddingEncoder(analyzer=analyzer, dims=2, epochs=2, random_state=0).fit(X, y)
    vectors = encoder.to_keras(trainable=trainable)
    head = keras.layers.Dense(1, activation="sigmoid")(vectors.output)
    network = keras.Model(vectors.inputs, head)
    network.compile(optimizer=keras.optimizers.Adam(0.1), loss="binary_crossentropy")
    before = [w.copy() for w in vectors.get_weights()]
    data = tf.data.Dataset.from_tensor_slices((inputs(X), y.astype("float32"))).batch(64)
    network.fit(data, epochs=2, verbose=0, shuffle=False)
    moved = any(not np.array_equal(a, b) for a, b in zip(before, vectors.get_weights()))
    assert moved == trainable
