"""Token columns: text, tag lists and names as the mean of their tokens' vectors."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import OneHotEncoder

from conftest import FAST, run_without_tensorflow
from skembed import EmbeddingEncoder, load, save
from skembed._tokens import char_wb_ngrams, split_cells, words

REVIEWS = [
    "Great food, great service", "Awful food", "Lovely staff and great wine",
    "Rude staff, awful wine", "Great pasta", "Cold pasta, rude waiter",
    "Lovely terrace", "Awful terrace and cold food", "Great waiter", "Rude and slow",
    "Lovely wine", "Slow service, cold food",
]
LIKED = [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0]


def reviews(repeat=10):
    X = pd.DataFrame({"review": REVIEWS * repeat})
    return X, np.array(LIKED * repeat)


@pytest.fixture(scope="module")
def word_encoder():
    X, y = reviews()
    params = dict(FAST, epochs=10, min_frequency=1)
    return EmbeddingEncoder(analyzer={"review": "word"}, **params).fit(X, y)


def expected_means(encoder, feature, cells, tokenize):
    """Each cell's vector, by hand: the mean of its tokens' rows of get_embeddings."""
    table = encoder.get_embeddings(feature)
    unknown = encoder.embeddings_[encoder._feature_index(feature)][-1]
    out = []
    for cell in cells:
        tokens = [] if cell is None or cell != cell else tokenize(cell)
        if not tokens:
            out.append(table.loc[[t for t in table.index if t != t]].to_numpy()[0])
            continue
        out.append(np.mean([
            table.loc[t].to_numpy() if t in table.index else unknown for t in tokens
        ], axis=0))  # fmt: skip
    return np.array(out)


# ----------------------------------------------------------------- tokenizing


@pytest.mark.parametrize("text", ["Great food, great service!", "A321-231", "  x  y é-tè 42 "])
def test_word_tokens_are_count_vectorizers(text):
    assert words(text) == CountVectorizer().build_analyzer()(text)


@pytest.mark.parametrize("text", ["A321-231", "Boeing 737-800", "ab", "  x  longword "])
def test_char_wb_tokens_are_count_vectorizers_ngrams_and_the_whole_value(text):
    reference = CountVectorizer(analyzer="char_wb", ngram_range=(3, 5)).build_analyzer()
    assert char_wb_ngrams(text) == ["<" + text + ">"] + reference(text)


def test_each_distinct_cell_is_tokenized_once():
    calls = []

    def analyzer(cell):
        calls.append(cell)
        return cell.split()

    bags = split_cells(pd.Series(["a b", "c", "a b", None, "c", "a b"]), analyzer, "x")
    assert sorted(calls) == ["a b", "c"]
    assert bags.cell_of_row.tolist() == [0, 1, 0, 2, 1, 0]  # 2: the missing cell


# ----------------------------------------------------------------- encoding


def test_a_cell_is_the_mean_of_its_tokens_vectors(word_encoder):
    X = pd.DataFrame({"review": [
        "great wine", "Great great wine!", "unheard words", "great unheard", "", None,
    ]})  # fmt: skip
    expected = expected_means(word_encoder, "review", X["review"], words)
    np.testing.assert_allclose(word_encoder.transform(X), expected, rtol=1e-5, atol=1e-7)


def test_categories_are_the_tokens_then_the_empty_cell(word_encoder):
    categories = word_encoder.categories_[0]
    vocabulary = CountVectorizer().fit(REVIEWS).get_feature_names_out()
    assert categories[:-1].tolist() == sorted(vocabulary)
    assert pd.isna(categories[-1])
    assert word_encoder.embeddings_[0].shape == (len(vocabulary) + 2, word_encoder.dims_[0])


def test_the_reviews_are_fitted_perfectly_and_similar_words_are_near():
    X, y = reviews(20)
    encoder = EmbeddingEncoder(
        analyzer={"review": "word"}, dims=4, min_frequency=1, epochs=60,
        n_iter_no_change=None, batch_size=32, random_state=0,
    ).fit(X, y)  # fmt: skip
    assert encoder.history_["loss"][-1] < 0.05
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression().fit(encoder.transform(X), y)
    assert model.score(encoder.transform(X), y) == 1.0
    good = encoder.most_similar("review", "lovely", n=3).index.tolist()
    assert "rude" not in good and "awful" not in good


def test_missing_and_empty_cells_share_a_learned_vector():
    X = pd.DataFrame({"tags": ["red blue", "", None, "red", np.nan, "blue"] * 30})
    y = np.array([1, 0, 0, 1, 0, 1] * 30)
    encoder = EmbeddingEncoder(analyzer="word", min_frequency=1, **FAST).fit(X, y)
    out = encoder.transform(X.head(6))
    np.testing.assert_array_equal(out[1], out[2])
    np.testing.assert_array_equal(out[1], out[4])
    empty_row = encoder.embeddings_[0][-2]
    np.testing.assert_array_equal(out[1], empty_row)
    assert not np.array_equal(empty_row, encoder.embeddings_[0][-1])  # not the unknown vector


def test_unknown_tokens_follow_handle_unknown(word_encoder):
    X = pd.DataFrame({"review": ["great zzz", "zzz"]})
    table = word_encoder.get_embeddings("review")
    unknown = word_encoder.embeddings_[0][-1]
    out = word_encoder.transform(X)
    np.testing.assert_allclose(out[0], (table.loc["great"] + unknown) / 2, rtol=1e-6)
    np.testing.assert_array_equal(out[1], unknown)
    ignoring = pickle.loads(pickle.dumps(word_encoder)).set_params(handle_unknown="ignore")
    np.testing.assert_allclose(ignoring.transform(X)[0], table.loc["great"] / 2, rtol=1e-6)
    np.testing.assert_array_equal(ignoring.transform(X)[1], 0)
    with pytest.raises(ValueError, match=r"unknown categories \['zzz'\] in column 'review'"):
        word_encoder.set_params(handle_unknown="error").transform(X)
    word_encoder.set_params(handle_unknown="infrequent_if_exist")


def test_repeated_cells_encode_as_each_alone(word_encoder):
    X = pd.DataFrame({"review": ["great wine", "awful", "great wine", None, "awful"]})
    whole = word_encoder.transform(X)
    one_by_one = np.vstack([word_encoder.transform(X.iloc[[i]]) for i in range(len(X))])
    np.testing.assert_array_equal(whole, one_by_one)


def test_a_category_dtype_text_column_encodes_as_strings(word_encoder):
    X = pd.DataFrame({"review": ["great wine", "awful", None]})
    categorical = X.astype("category")
    np.testing.assert_array_equal(word_encoder.transform(categorical), word_encoder.transform(X))


def test_min_frequency_counts_rows_not_repeats():
    # "spam" fills one row 9 times; "ham" is in 3 rows once each.
    X = pd.DataFrame({"t": ["spam " * 9, "ham", "ham", "ham egg", "egg"] * 1})
    y = [1, 0, 1, 0, 1]
    encoder = EmbeddingEncoder(analyzer="word", min_frequency=2, **FAST).fit(X, y)
    counts = dict(zip(encoder.categories_[0][:-1], encoder.category_counts_[0][:-1]))
    assert counts == {"egg": 2, "ham": 3, "spam": 1}
    # No cell is empty: the empty cell's category (NaN, last) is in no row.
    assert encoder.infrequent_categories_[0][:-1].tolist() == ["spam"]


def test_max_categories_keeps_the_most_frequent_tokens():
    X = pd.DataFrame({"t": ["a b c", "a b", "a", "a b c d", "a e"] * 6})
    y = [1, 0, 1, 0, 1] * 6
    encoder = EmbeddingEncoder(analyzer="word", min_frequency=None, max_categories=3, **FAST)
    # "a" is a single letter: CountVectorizer's pattern drops it, so use a list.
    X = pd.DataFrame({"t": X["t"].str.split()})
    encoder.set_params(analyzer="list").fit(X, y)
    rare = encoder.infrequent_categories_[0]
    assert rare[:-1].tolist() == ["c", "d", "e"] and pd.isna(rare[-1])


def test_max_categories_on_a_plain_column_is_one_hot_encoders():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"c": rng.choice(list("abcdefg"), 200, p=[.3, .2, .15, .15, .1, .05, .05])})
    ours = EmbeddingEncoder(
        initial_embeddings="one_hot", trainable=False, min_frequency=None, max_categories=4
    ).fit(X)
    theirs = OneHotEncoder(
        sparse_output=False, max_categories=4, handle_unknown="infrequent_if_exist"
    )
    theirs.fit(X)
    test = pd.DataFrame({"c": list("abcdefgz")})
    np.testing.assert_array_equal(ours.transform(test), theirs.transform(test))
    assert ours.get_feature_names_out().tolist() == theirs.get_feature_names_out().tolist()


def test_list_cells_are_tags():
    X = pd.DataFrame({"tags": [["a", "b"], ("b",), np.array(["c", "a"]), None, []] * 20})
    y = [1, 0, 1, 0, 0] * 20
    encoder = EmbeddingEncoder(analyzer="list", min_frequency=1, **FAST).fit(X, y)
    assert encoder.categories_[0][:-1].tolist() == ["a", "b", "c"]
    out = encoder.transform(X.head(5))
    table = encoder.embeddings_[0]
    np.testing.assert_allclose(out[0], table[[0, 1]].mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(out[2], table[[2, 0]].mean(axis=0), rtol=1e-6)
    np.testing.assert_array_equal(out[3], out[4])  # missing and empty: no tokens


def test_a_callable_analyzer_gives_the_tokens():
    X = pd.DataFrame({"code": ["AB-12", "AB-13", "CD-12", "CD-99"] * 20})
    y = [1, 1, 0, 0] * 20

    def parts(cell):
        return cell.split("-")

    encoder = EmbeddingEncoder(analyzer=parts, min_frequency=1, **FAST).fit(X, y)
    assert encoder.categories_[0][:-1].tolist() == ["12", "13", "99", "AB", "CD"]
    expected = expected_means(encoder, "code", X["code"].head(4), parts)
    np.testing.assert_allclose(encoder.transform(X.head(4)), expected, rtol=1e-5, atol=1e-7)


def test_a_callable_gets_each_unhashable_cell_on_its_own():
    cells = [{"a", "b"}, {"c"}, {"a"}, {"d", "c"}] * 10
    encoder = EmbeddingEncoder(analyzer=sorted, min_frequency=1, **FAST)
    encoder.fit(pd.DataFrame({"t": cells}), [1, 0, 1, 0] * 10)
    assert encoder.categories_[0][:-1].tolist() == ["a", "b", "c", "d"]
    expected = expected_means(encoder, "t", cells[:4], sorted)
    out = encoder.transform(pd.DataFrame({"t": cells[:4]}))
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-7)


def test_explicit_tokens_may_hold_nan_anywhere():
    X = pd.DataFrame({"t": ["bb"] * 20 + ["aa"] * 2})
    encoder = EmbeddingEncoder(analyzer="word", categories=[[np.nan, "aa", "bb"]], **FAST)
    encoder.fit(X, [0, 1] * 11)
    assert encoder.infrequent_categories_[0][1:].tolist() == ["aa"]  # bb is frequent


def test_cross_fitting_folds_may_lack_frequent_tokens():
    """Every fold holds "car" 4 times (< 5), the whole data 8 times: fit works, so cv does."""
    X = pd.DataFrame({"t": ["red car", "blue car"] * 4})
    encoder = EmbeddingEncoder(analyzer="word", min_frequency=5, cv=2, **FAST)
    assert encoder.fit_transform(X, [0, 1] * 4).shape == (8, encoder.dims_[0])


def test_plain_and_token_columns_side_by_side():
    X, y = reviews()
    X["shop"] = np.arange(len(X)) % 3
    encoder = EmbeddingEncoder(analyzer={"review": "word"}, dims={"shop": 2}, **FAST).fit(X, y)
    assert encoder.transform(X).shape == (len(X), encoder.dims_[0] + 2)
    assert len(encoder.categories_[1]) == 3
    names = encoder.get_feature_names_out().tolist()
    assert names[0] == "review_0" and names[-1] == "shop_1"


# ----------------------------------------------------------------- bad input


@pytest.mark.parametrize("analyzer", ["word", "char_wb"])
@pytest.mark.parametrize("value", [3, 2.5, b"bytes"])
def test_text_analyzers_refuse_non_strings(analyzer, value):
    X = pd.DataFrame({"name": ["a b", value, "c d"]})
    with pytest.raises(TypeError, match=r"column 'name' holds values of type .*astype\(str\)"):
        EmbeddingEncoder(analyzer=analyzer, **FAST).fit(X, [0, 1, 0])


def test_a_list_column_of_non_lists_names_the_rows():
    X = pd.DataFrame({"tags": [["a"], "a b", ["b"], 3]})
    with pytest.raises(TypeError, match=r"column 'tags'.*rows \[1, 3\] hold \['str', 'int'\]"):
        EmbeddingEncoder(analyzer="list", **FAST).fit(X, [0, 1, 0, 1])


@pytest.mark.parametrize("bad", [lambda c: c, lambda c: [1, 2], lambda c: None])
def test_an_analyzer_returning_no_list_of_strings_names_the_column(bad):
    X = pd.DataFrame({"x": ["a", "b"]})
    with pytest.raises(TypeError, match="analyzer of column 'x' must give tokens as a list"):
        EmbeddingEncoder(analyzer=bad, **FAST).fit(X, [0, 1])


def test_an_empty_vocabulary_says_so():
    X = pd.DataFrame({"t": ["alpha beta", "gamma", "delta"]})
    with pytest.raises(ValueError, match="every token of column 't' is infrequent.*in 1 row"):
        EmbeddingEncoder(analyzer="word", min_frequency=2, **FAST).fit(X, [0, 1, 0])
    with pytest.raises(ValueError, match="column 't' has no tokens"):
        EmbeddingEncoder(analyzer="word", **FAST).fit(pd.DataFrame({"t": ["", None]}), [0, 1])


def test_an_unknown_analyzer_is_refused():
    X = pd.DataFrame({"t": ["a"]})
    with pytest.raises(ValueError, match="analyzer"):
        EmbeddingEncoder(analyzer="char").fit(X, [0])
    with pytest.raises(ValueError, match="analyzer for column 't' must be None, one of"):
        EmbeddingEncoder(analyzer={"t": "chars"}).fit(X, [0])


def test_inverse_transform_of_a_token_column_names_it(word_encoder):
    X, _ = reviews(1)
    with pytest.raises(ValueError, match=r"token columns \['review'\]"):
        word_encoder.inverse_transform(word_encoder.transform(X))


def test_the_callers_data_is_not_changed():
    X = pd.DataFrame({"tags": [["b", "a"], None, ["c"]] * 10, "t": ["xx yy", "", None] * 10})
    before = X.copy(deep=True)
    cells = X["tags"].tolist()
    encoder = EmbeddingEncoder(analyzer={"tags": "list", "t": "word"}, min_frequency=1, **FAST)
    encoder.fit_transform(X, [0, 1, 0] * 10)
    pd.testing.assert_frame_equal(X, before)
    assert X["tags"].tolist() == cells and X["tags"][0] == ["b", "a"]


# ----------------------------------------------------------------- everything else


def test_given_word_vectors_are_frozen_exactly(tmp_path):
    X, y = reviews()
    rng = np.random.default_rng(1)
    given = {"great": rng.normal(size=3), "awful": rng.normal(size=3), "unrelated": rng.normal(size=3)}
    path = tmp_path / "vectors.txt"
    path.write_text("".join(
        f"{word} {' '.join(repr(float(v)) for v in vector)}\n" for word, vector in given.items()
    ))  # fmt: skip
    encoder = EmbeddingEncoder(
        analyzer="word", initial_embeddings={"review": str(path)}, trainable=False, **FAST
    ).fit(X, y)
    table = encoder.get_embeddings("review")
    for word in ("great", "awful"):
        np.testing.assert_array_equal(table.loc[word].to_numpy(), given[word].astype(np.float32))
    assert table.loc["food"].abs().sum() > 0  # the other words were learned


def test_a_word_vector_file_matching_no_token_says_so(tmp_path):
    X, y = reviews()
    path = tmp_path / "vectors.txt"
    path.write_text("Great 1 2\nAWFUL 3 4\n")  # tokens are lowercased: no match
    with pytest.raises(ValueError, match="none of the 2 initial vectors for column 'review'"):
        EmbeddingEncoder(analyzer="word", initial_embeddings={0: str(path)}, **FAST).fit(X, y)


def test_warm_start_keeps_token_rows():
    X, y = reviews()
    encoder = EmbeddingEncoder(analyzer="word", warm_start=True, min_frequency=1, **FAST)
    encoder.fit(X, y)
    before = encoder.categories_[0].copy()
    more = pd.DataFrame({"review": ["brilliant food", "dreadful food"] * 20})
    encoder.fit(more, [1, 0] * 20)
    after = encoder.categories_[0]
    assert after[: len(before) - 1].tolist() == before[:-1].tolist()
    assert set(after[len(before) :].tolist()) == {"brilliant", "dreadful"}


def test_explicit_tokens_lock_the_rows():
    X, y = reviews()
    tokens = ["wine", "food", "great"]
    encoder = EmbeddingEncoder(analyzer="word", categories=[tokens], min_frequency=1, **FAST)
    encoder.fit(X, y)
    assert encoder.categories_[0][:-1].tolist() == tokens and pd.isna(encoder.categories_[0][-1])
    with pytest.raises(ValueError, match="None of the values of column 'review'"):
        encoder.set_params(categories=[["zzz"]]).fit(X, y)


def test_cross_fitting_a_token_column():
    X, y = reviews()
    encoder = EmbeddingEncoder(analyzer="word", cv=3, min_frequency=1, **FAST)
    crossed = encoder.fit_transform(X, y)
    assert crossed.shape == encoder.transform(X).shape
    assert not np.allclose(crossed, encoder.transform(X))


def test_save_load_pickle_and_set_output(word_encoder, tmp_path):
    X, _ = reviews(1)
    expected = word_encoder.transform(X)
    save(word_encoder, tmp_path / "words.skembed")
    np.testing.assert_array_equal(load(tmp_path / "words.skembed").transform(X), expected)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(word_encoder)).transform(X), expected)
    frame = pickle.loads(pickle.dumps(word_encoder)).set_output(transform="pandas").transform(X)
    assert frame.columns.tolist() == word_encoder.get_feature_names_out().tolist()
    with pytest.raises(TypeError, match="cannot save parameter analyzer"):
        save(EmbeddingEncoder(analyzer=words, min_frequency=1).fit(X, LIKED), tmp_path / "callable.skembed")


def test_a_loaded_token_encoder_works_without_tensorflow(word_encoder, tmp_path):
    X, _ = reviews(1)
    save(word_encoder, tmp_path / "words.skembed")
    np.save(tmp_path / "expected.npy", word_encoder.transform(X))
    result = run_without_tensorflow(
        f"""
        import sys, numpy as np, pandas as pd, skembed
        encoder = skembed.load({str(tmp_path / "words.skembed")!r})
        out = encoder.transform(pd.DataFrame({{"review": {REVIEWS!r}}}))
        np.testing.assert_array_equal(out, np.load({str(tmp_path / "expected.npy")!r}))
        encoder.most_similar("review", "great")
        assert not any(m.split(".")[0] in ("tensorflow", "keras") for m in sys.modules)
        print("ok")
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_export_vectors_writes_the_tokens(word_encoder, tmp_path):
    word_encoder.export_vectors("review", tmp_path / "out.txt")
    lines = (tmp_path / "out.txt").read_text().splitlines()
    assert [line.split()[0] for line in lines] == word_encoder.categories_[0][:-1].tolist()


def test_a_one_hot_token_column_is_a_normalized_bag_of_words():
    X = pd.DataFrame({"tags": [["red", "blue"], ["red"], ["blue", "blue", "green"]] * 4})
    encoder = EmbeddingEncoder(
        analyzer="list", initial_embeddings="one_hot", trainable=False, min_frequency=None
    ).fit(X)
    counts = CountVectorizer(analyzer=lambda tags: tags).fit(X["tags"])
    bags = counts.transform(X["tags"]).toarray().astype(float)
    expected = bags / bags.sum(axis=1, keepdims=True)
    # The encoder's columns: blue, green, red (sorted), then the empty cell's.
    np.testing.assert_allclose(encoder.transform(X)[:, :3], expected, rtol=1e-6)
    assert encoder.get_feature_names_out()[:3].tolist() == ["tags_blue", "tags_green", "tags_red"]
    crossed = encoder.set_params(cv=2, trainable=True).fit_transform(X, [1, 0, 1] * 4)
    assert crossed.shape == (12, 4)
