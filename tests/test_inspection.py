import numpy as np
import pytest
from conftest import FAST, make_frame

from skembed import EmbeddingEncoder
from skembed._inspection import read_vectors


@pytest.fixture(scope="module")
def encoder():
    X, y = make_frame(n=300)
    X = X.copy()
    X.loc[:1, "city"] = "Rare"  # 2 rows: infrequent below
    return EmbeddingEncoder(min_frequency=3, dims=3, **FAST).fit(X, y), X


def test_category_counts(encoder):
    fitted, X = encoder
    counts = dict(zip(fitted.categories_[0], fitted.category_counts_[0]))
    assert counts == X["city"].value_counts().to_dict()


def test_most_similar_ranks_by_cosine(encoder):
    fitted, _ = encoder
    similar = fitted.most_similar("city", "Paris", n=2)
    table = fitted.get_embeddings("city")
    others = table.drop(index=["Paris", "Rare"])
    cosine = others @ table.loc["Paris"] / (
        np.linalg.norm(others, axis=1) * np.linalg.norm(table.loc["Paris"])
    )
    expected = cosine.sort_values(ascending=False).head(2)
    assert similar.index.tolist() == expected.index.tolist()
    np.testing.assert_allclose(similar["similarity"], expected.to_numpy(), rtol=1e-5)
    assert "Rare" not in fitted.most_similar("city", "Paris", n=10).index
    with pytest.raises(ValueError, match="shares the unknown vector"):
        fitted.most_similar("city", "Rare")
    with pytest.raises(ValueError, match="not a category"):
        fitted.most_similar("city", "Rome")


def test_plot_embeddings_labels_the_most_frequent(encoder):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    fitted, X = encoder
    ax = fitted.plot_embeddings("shop", annotate=3)
    labels = [t.get_text() for t in ax.texts]
    counts = X["shop"].astype(str).value_counts()
    assert len(labels) == 3
    # Every labelled category is at least as frequent as every unlabelled one.
    assert counts[labels].min() >= counts.drop(index=labels).max()
    assert fitted.plot_embeddings("city", method="tsne", annotate=0).collections
    with pytest.raises(ValueError, match="method"):
        fitted.plot_embeddings("city", method="umap")


def test_export_vectors_round_trips(encoder, tmp_path):
    fitted, _ = encoder
    fitted.export_vectors("shop", tmp_path / "shop.txt")
    vectors = read_vectors(tmp_path / "shop.txt")
    table = fitted.get_embeddings("shop")
    assert vectors.index.tolist() == [str(c) for c in table.index]
    np.testing.assert_array_equal(vectors.to_numpy(), table.to_numpy())


@pytest.mark.parametrize(
    "text, message",
    [
        ("a 1 2\nb 3\n", "line 2: 1 numbers where the file's lines have 2"),
        ("a 1 2\nb x y\n", "line 2: not a token followed by numbers"),
        ("a 1 2\na 3 4\n", "line 2: token 'a' repeats line 1"),
        ("a\n", "line 1: a token without numbers"),
    ],
)
def test_malformed_vector_files_name_file_and_line(tmp_path, text, message):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        read_vectors(path)
    assert str(path) in str(pytest.raises(ValueError, read_vectors, path).value)


def test_word2vec_header_is_skipped(tmp_path):
    path = tmp_path / "w2v.txt"
    path.write_text("2 3\nx 1 2 3\ny 4 5 6\n")
    assert read_vectors(path).shape == (2, 3)
