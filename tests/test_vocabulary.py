import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import OneHotEncoder

from skembed._vocabulary import UNKNOWN, Vocabulary, unique_sorted


@pytest.mark.parametrize(
    "column",
    [
        np.array(["b", "a", "c", "a"], dtype=object),
        np.array([3, 1, 2, 3]),
        np.array([2.5, np.nan, -1.0, 2.5]),
        np.array([True, False, True]),
    ],
)
def test_categories_sorted_as_one_hot_encoder_sorts_them(column):
    expected = OneHotEncoder().fit(column.reshape(-1, 1)).categories_[0]
    np.testing.assert_array_equal(unique_sorted(column, "x"), expected)


def test_missing_values_are_one_category_stored_last():
    column = pd.Series(["b", None, "a", np.nan, pd.NA], dtype=object)
    categories = unique_sorted(column, "x")
    assert categories[:2].tolist() == ["a", "b"]
    assert len(categories) == 3 and pd.isna(categories[2])
    codes = Vocabulary(categories).encode(column)
    assert codes.tolist() == [1, 2, 0, 2, 2]


def test_mixed_types_raise_naming_the_column():
    with pytest.raises(TypeError, match="Column 'zip' mixes values of types"):
        unique_sorted(np.array(["a", 1], dtype=object), "zip")


def test_unknown_values_get_the_unknown_code():
    vocabulary = Vocabulary(np.array(["a", "b"], dtype=object))
    assert vocabulary.encode(np.array(["b", "z", None], dtype=object)).tolist() == [
        1,
        UNKNOWN,
        UNKNOWN,
    ]
    assert vocabulary.unknown_row == 2


def test_category_dtype_is_encoded_like_its_values():
    values = pd.Series(["x", "y", None, "w", "y"], dtype="category")
    vocabulary = Vocabulary(np.array(["w", "y", np.nan], dtype=object))
    expected = vocabulary.encode(values.astype(object))
    np.testing.assert_array_equal(vocabulary.encode(values), expected)
    assert expected.tolist() == [UNKNOWN, 1, 2, 0, 1]


def test_duplicated_categories_are_rejected():
    with pytest.raises(ValueError, match="duplicates"):
        Vocabulary(np.array(["a", "b", "a"], dtype=object))


@pytest.mark.parametrize("kind", ["datetime64[ns]", "timedelta64[ns]"])
def test_datetimes_stay_datetimes_and_nat_is_the_missing_category(kind):
    values = ["2020-01-02", None, "2020-01-01", "2020-01-02"]
    column = pd.Series(pd.to_datetime(values)).astype("datetime64[ns]")
    if kind.startswith("timedelta"):
        column = (column - pd.Timestamp("2019-12-31")).astype(kind)
    categories = unique_sorted(column, "when")
    assert categories.dtype == kind and len(categories) == 3 and pd.isna(categories[-1])
    assert categories[0] < categories[1]
    vocabulary = Vocabulary(categories)
    assert vocabulary.encode(column).tolist() == [1, 2, 0, 1]
    # Another unit of the same instants finds the same categories.
    assert vocabulary.encode(column.astype(kind.replace("ns", "us"))).tolist() == [1, 2, 0, 1]


def test_float16_values_are_looked_up_as_float32():
    column = np.array([0.5, 1.5, np.nan, 0.5], dtype=np.float16)
    categories = unique_sorted(column, "x")
    assert categories.dtype != np.float16
    assert Vocabulary(categories).encode(column).tolist() == [0, 1, 2, 0]
    assert Vocabulary(np.array([1.5, 0.5], dtype=np.float16)).encode(column).tolist() == [1, 0, -1, 1]


def _arrow_string_dtypes():
    pa = pytest.importorskip("pyarrow")
    return ["str", "string[pyarrow]", pd.ArrowDtype(pa.string()), pd.ArrowDtype(pa.large_string())]


@pytest.mark.parametrize(
    "categories",
    [
        np.array(["a", "b", "c", np.nan], dtype=object),
        # Given categories: the missing one and a number among the strings.
        np.array(["c", np.nan, "a", 7], dtype=object),
        np.array([1, 2, 3]),
    ],
    ids=["sorted", "given", "numbers"],
)
def test_arrow_strings_are_looked_up_like_object_strings(categories, monkeypatch):
    column = pd.Series(["a", None, "zz", "c", "b", "a", None, "7"] * 3, dtype=object)
    vocabulary = Vocabulary(categories)
    expected = vocabulary.encode(column)
    # Arrow looks these up itself: pandas' hash table is not asked.
    monkeypatch.setattr(pd.Index, "get_indexer", None)
    for dtype in _arrow_string_dtypes():
        codes = vocabulary.encode(column.astype(dtype))
        assert codes.dtype == expected.dtype
        np.testing.assert_array_equal(codes, expected)
        # A concatenated column is stored in several Arrow chunks.
        halves = pd.concat([column[:10].astype(dtype), column[10:].astype(dtype)])
        np.testing.assert_array_equal(vocabulary.encode(halves), expected)


def test_few_arrow_strings_go_through_pandas():
    # Fewer rows than categories: Arrow would hash the whole value set for them.
    vocabulary = Vocabulary(np.array(list("abcdefgh"), dtype=object))
    column = pd.Series(["b", None, "z"], dtype=object)
    for dtype in _arrow_string_dtypes():
        assert vocabulary.encode(column.astype(dtype)).tolist() == [1, UNKNOWN, UNKNOWN]


def test_a_pickled_vocabulary_carries_no_arrow_objects():
    import pickle

    (dtype, *_) = _arrow_string_dtypes()
    vocabulary = Vocabulary(np.array(["a", "b"], dtype=object))
    vocabulary.encode(pd.Series(["a", "b", "a"], dtype=dtype))
    assert vocabulary._arrow_value_sets  # the cache was filled
    restored = pickle.loads(pickle.dumps(vocabulary))
    assert restored._arrow_value_sets == {}
    assert restored.encode(pd.Series(["b", "a", "q"], dtype=dtype)).tolist() == [1, 0, UNKNOWN]
