"""Properties over generated frames (hypothesis): whatever comes in, the encoder
either fits and then behaves as documented, or refuses with a ValueError or
TypeError that says why.

The default profile ("ci", registered in conftest.py) keeps ``make test`` fast;
``pytest --hypothesis-profile=long tests/test_properties.py`` runs many more cases.
"""

import io
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import skembed
from skembed import EmbeddingEncoder

MISSING = st.sampled_from([None, np.nan, pd.NA])
TEXT = st.one_of(
    st.text(max_size=12),
    st.text(min_size=500, max_size=2000),  # very long strings
    st.sampled_from(["", " ", "Paris", "paris", "Ünïcødé", "中文", "a\x00b", "🙂 emoji"]),
)
KINDS = {
    "text": st.one_of(TEXT, MISSING),
    "int": st.one_of(st.integers(-(10**12), 10**12), MISSING),
    "float": st.one_of(st.floats(allow_nan=True, allow_infinity=True), MISSING),
    "bool": st.one_of(st.booleans(), MISSING),
    "mixed": st.one_of(TEXT, st.integers(-5, 5), MISSING),  # refused: mixed types
}
#: How a column of values is presented: as objects, or as a pandas dtype.
DTYPES = ["object", "category", "string", "Int64", "boolean", "datetime"]


@st.composite
def columns(draw, n_rows):
    kind = draw(st.sampled_from(list(KINDS)))
    values = draw(st.lists(KINDS[kind], min_size=n_rows, max_size=n_rows))
    as_dtype = draw(st.sampled_from(DTYPES))
    column = pd.Series(values, dtype=object)
    try:
        if as_dtype == "category":
            column = column.astype("category")
        elif as_dtype == "string" and kind == "text":
            column = column.astype("string")
        elif as_dtype == "Int64" and kind == "int":
            column = column.astype("Int64")
        elif as_dtype == "boolean" and kind == "bool":
            column = column.astype("boolean")
        elif as_dtype == "datetime" and kind == "int":
            column = pd.to_datetime(column.astype("Int64"), unit="s", errors="coerce")
    except (TypeError, ValueError):  # a combination pandas itself refuses
        pass
    return kind, column


@st.composite
def frames(draw):
    n_rows = draw(st.integers(0, 25))
    n_columns = draw(st.integers(1, 3))
    drawn = [draw(columns(n_rows)) for _ in range(n_columns)]
    names = draw(st.sampled_from(["strings", "duplicated", "ints"]))
    labels = {
        "strings": [f"c{i}" for i in range(n_columns)],
        "duplicated": ["c"] * n_columns,
        "ints": list(range(n_columns)),
    }[names]
    X = pd.concat([column for _, column in drawn], axis=1) if drawn else pd.DataFrame()
    X.columns = labels
    target = draw(st.sampled_from(["binary", "continuous"]))
    if target == "binary":
        y = np.array(draw(st.lists(st.integers(0, 1), min_size=n_rows, max_size=n_rows)))
    else:
        y = np.array(draw(st.lists(
            st.floats(-1e6, 1e6, allow_nan=False), min_size=n_rows, max_size=n_rows
        )))  # fmt: skip
    # Token analyzers for the text columns (by position: names may repeat).
    chosen = draw(st.sampled_from([None, None, "word", "char_wb"]))
    kinds = [kind for kind, _ in drawn]
    analyzer = None if chosen is None else {
        i: chosen for i, kind in enumerate(kinds) if kind == "text"
    }
    return X, y, kinds, analyzer or None


def refused_clearly(error):
    """A refusal is a ValueError or TypeError with a message."""
    return isinstance(error, (ValueError, TypeError)) and str(error).strip() != ""


def fit_or_refuse(X, y, **params):
    encoder = EmbeddingEncoder(
        dims=2, epochs=1, n_iter_no_change=None, batch_size=8, random_state=0, **params
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. scikit-learn on non-string column names
        try:
            return encoder.fit(X, y)
        except Exception as error:  # noqa: BLE001 (the property is about the type)
            assert refused_clearly(error), repr(error)
            return None


def row_keys(X):
    """Per row, its values with every missing value as one: equal keys, equal categories."""
    keys = []
    for row in X.astype(object).itertuples(index=False):
        keys.append(tuple("<missing>" if pd.isna(v) else (type(v) is bool, v) for v in row))
    return keys


@given(frames())
def test_a_fit_either_works_as_documented_or_refuses_clearly(case):
    X, y, kinds, analyzer = case
    before = X.copy(deep=True)
    encoder = fit_or_refuse(X, y, analyzer=analyzer)
    pd.testing.assert_frame_equal(X, before)  # the caller's data is never changed
    if encoder is None:
        return
    out = encoder.transform(X)
    assert out.shape == (len(X), sum(encoder.dims_)) and out.dtype == np.float32
    assert np.isfinite(out).all()
    pd.testing.assert_frame_equal(X, before)
    if analyzer is None:
        seen = {}
        for key, vector in zip(row_keys(X), out):
            if key in seen:
                np.testing.assert_array_equal(vector, seen[key])  # equal values, equal vectors
            seen[key] = vector


@given(frames())
def test_unseen_values_follow_handle_unknown(case):
    X, y, kinds, analyzer = case
    encoder = fit_or_refuse(X, y)
    if encoder is None:
        return
    unseen = pd.DataFrame({i: ["\x00never seen\x00"] * 3 for i in range(X.shape[1])})
    unseen.columns = X.columns
    unknown = np.hstack([table[-1] for table in encoder.embeddings_])
    np.testing.assert_array_equal(encoder.transform(unseen), np.tile(unknown, (3, 1)))
    encoder.set_params(handle_unknown="ignore")
    np.testing.assert_array_equal(encoder.transform(unseen), 0)
    encoder.set_params(handle_unknown="error")
    with pytest.raises(ValueError, match="unknown categories"):
        encoder.transform(unseen)


@given(frames())
def test_save_load_and_pickle_give_identical_transforms(case):
    X, y, kinds, analyzer = case
    encoder = fit_or_refuse(X, y, analyzer=analyzer)
    if encoder is None:
        return
    expected = encoder.transform(X)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(encoder)).transform(X), expected)
    buffer = io.BytesIO()
    try:
        skembed.save(encoder, buffer)
    except TypeError as error:  # documented: categories of other types cannot be saved
        assert "cannot save" in str(error)
        return
    buffer.seek(0)
    np.testing.assert_array_equal(skembed.load(buffer).transform(X), expected)


def test_saved_encoders_transform_identically_where_tensorflow_cannot_be_imported(tmp_path):
    """Generated encoders, saved here, are loaded by one process without TensorFlow."""
    from conftest import run_without_tensorflow

    saved = []

    @given(frames())
    def save_some(case):
        X, y, kinds, analyzer = case
        encoder = fit_or_refuse(X, y, analyzer=analyzer)
        if encoder is None or len(saved) >= 10:
            return
        path = tmp_path / f"{len(saved)}.skembed"
        try:
            skembed.save(encoder, path)
        except TypeError:  # categories that cannot be saved: the property test above
            return
        X.to_pickle(tmp_path / f"{len(saved)}.X.pkl")
        np.save(tmp_path / f"{len(saved)}.out.npy", encoder.transform(X))
        saved.append(path)

    save_some()
    assert saved, "no generated case could be saved"
    result = run_without_tensorflow(
        f"""
        import sys, numpy as np, pandas as pd, skembed
        for i in range({len(saved)}):
            encoder = skembed.load(f"{tmp_path}/{{i}}.skembed")
            X = pd.read_pickle(f"{tmp_path}/{{i}}.X.pkl")
            np.testing.assert_array_equal(encoder.transform(X), np.load(f"{tmp_path}/{{i}}.out.npy"))
        assert not any(m.split(".")[0] in ("tensorflow", "keras") for m in sys.modules)
        print("ok")
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
