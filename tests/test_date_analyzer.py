"""analyzer="date": a date as the mean of its day's, year's, month's, weekday's vectors."""

import datetime
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from conftest import FAST
from skembed import EmbeddingEncoder, load, save
from skembed._tokens import date_tokens


def expected_tokens(day, hour=None):
    """A date's tokens, written from the standard library's calendar."""
    tokens = [
        day.isoformat(), f"year {day.year}", f"month {day.month:02d}", f"day {day.day:02d}",
        f"month-day {day.month:02d}-{day.day:02d}", "weekday " + day.strftime("%a"),
    ]  # fmt: skip
    return tokens if hour is None else [*tokens, f"hour {hour:02d}"]


def days(start, n):
    first = datetime.date.fromisoformat(start)
    return [first + datetime.timedelta(days=k) for k in range(n)]


def weekend_frame(start, n):
    """Dates as ISO strings, and whether each is a Saturday or Sunday."""
    dates = days(start, n)
    X = pd.DataFrame({"date": [d.isoformat() for d in dates]})
    return X, np.array([d.weekday() >= 5 for d in dates], dtype=int)


def test_a_date_gives_its_day_year_month_weekday_and_day_of_the_year():
    dates = days("2015-12-28", 9) + [datetime.date(2016, 2, 29)]
    assert date_tokens([d.isoformat() for d in dates], "d") == [expected_tokens(d) for d in dates]
    # A time of day other than midnight adds its hour.
    assert date_tokens(["2016-07-16 14:30", "2016-07-16T00:00:00"], "d") == [
        expected_tokens(datetime.date(2016, 7, 16), hour=14),
        expected_tokens(datetime.date(2016, 7, 16)),
    ]


def test_strings_datetimes_and_date_objects_encode_alike():
    X, y = weekend_frame("2016-01-01", 120)
    encoder = EmbeddingEncoder(analyzer="date", **FAST).fit(X, y)
    expected = encoder.transform(X)
    as_datetimes = pd.DataFrame({"date": pd.to_datetime(X["date"])})
    as_dates = pd.DataFrame({"date": [datetime.date.fromisoformat(d) for d in X["date"]]})
    for other in [as_datetimes, as_dates]:
        np.testing.assert_array_equal(encoder.transform(other), expected)
    np.testing.assert_array_equal(
        EmbeddingEncoder(analyzer="date", **FAST).fit(as_datetimes, y).transform(X), expected
    )


def test_a_date_never_seen_gets_the_vector_of_its_parts():
    X, y = weekend_frame("2016-01-01", 200)
    unseen = datetime.date(2016, 6, 4)  # a Saturday, left out of the fit
    kept = X["date"] != unseen.isoformat()
    encoder = EmbeddingEncoder(analyzer="date", min_frequency=1, **FAST).fit(X[kept], y[kept])
    tokens = expected_tokens(unseen)
    table = encoder.get_embeddings("date")
    # The day itself, and its month-day, are unknown: they count as the unknown row.
    known = [t for t in tokens if t in table.index]
    assert known == ["year 2016", "month 06", "day 04", "weekday Sat"]
    unknown_row = encoder.embeddings_[0][-1]
    by_hand = (table.loc[known].to_numpy().sum(axis=0) + 2 * unknown_row) / len(tokens)
    encoded = encoder.transform(pd.DataFrame({"date": [unseen.isoformat()]}))[0]
    np.testing.assert_allclose(encoded, by_hand, rtol=1e-6)


def test_the_weekday_carries_to_a_year_never_seen():
    # Every day of 2017 is unseen, and so is its year: only its weekday, month
    # and day of the month are known. A plain column encodes them all alike.
    X, y = weekend_frame("2016-01-01", 366)
    X_new, y_new = weekend_frame("2017-01-01", 365)
    scores = {}
    for analyzer in ["date", None]:
        encoder = EmbeddingEncoder(analyzer=analyzer, dims=4, epochs=20, random_state=0).fit(X, y)
        model = LogisticRegression().fit(encoder.transform(X), y)
        scores[analyzer] = roc_auc_score(y_new, model.predict_proba(encoder.transform(X_new))[:, 1])
    assert scores["date"] > 0.95
    assert scores[None] == 0.5


def test_missing_dates_share_one_vector():
    X, y = weekend_frame("2016-01-01", 100)
    X.loc[::10, "date"] = None
    encoder = EmbeddingEncoder(analyzer="date", **FAST).fit(X, y)
    missing = pd.DataFrame({"date": [None, np.nan, pd.NaT, "", "  "]}, dtype=object)
    encoded = encoder.transform(missing)
    np.testing.assert_array_equal(encoded, np.repeat(encoded[:1], 5, axis=0))
    assert not np.array_equal(encoded[0], encoder.transform(X.iloc[[1]])[0])


@pytest.mark.parametrize(
    "value, error, message",
    [
        ("31/12/2016", ValueError, r"column 'date' holds values such as \['31/12/2016'\]"),
        ("soon", ValueError, "pandas.to_datetime"),
        (20161231, TypeError, r"values of type \['int'\], such as \[20161231\]"),
    ],
)
def test_a_value_that_is_no_date_is_refused_naming_the_column(value, error, message):
    X, y = weekend_frame("2016-01-01", 60)
    bad = X.astype(object)
    bad.loc[3, "date"] = value
    with pytest.raises(error, match=message):
        EmbeddingEncoder(analyzer="date", **FAST).fit(bad, y)
    encoder = EmbeddingEncoder(analyzer="date", **FAST).fit(X, y)
    with pytest.raises(error, match=message):
        encoder.transform(bad)
    assert bad.loc[3, "date"] == value  # the caller's data is unchanged


def test_pickled_saved_and_loaded(tmp_path):
    X, y = weekend_frame("2016-01-01", 60)
    encoder = EmbeddingEncoder(analyzer={"date": "date"}, **FAST).fit(X, y)
    expected = encoder.transform(X)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(encoder)).transform(X), expected)
    save(encoder, tmp_path / "dates.skembed")
    loaded = load(tmp_path / "dates.skembed")
    assert loaded.analyzer == {"date": "date"}
    np.testing.assert_array_equal(loaded.transform(X), expected)


def test_to_keras_refuses_a_date_column_naming_it():
    X, y = weekend_frame("2016-01-01", 60)
    encoder = EmbeddingEncoder(analyzer="date", **FAST).fit(X, y)
    with pytest.raises(ValueError, match="column 'date'.*analyzer='date'"):
        encoder.to_keras()
