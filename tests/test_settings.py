"""Per-column parameters are checked against the column names before any data is read."""

import re

import numpy as np
import pandas as pd
import pytest

from skembed import EmbeddingEncoder
from skembed._settings import ONE_HOT, fit_settings

NAMES = ["city", "shop"]
BAD = [
    (dict(dims={"cty": 4}), "dims names a column that X does not have: 'cty'"),
    (dict(dims=[4]), "dims has 1 entries but X has 2 columns"),
    (dict(dims={"city": 0.5}), "every entry of dims must be a positive int"),
    (dict(analyzer={"shop": "words"}), "analyzer for column 'shop' must be None"),
    (dict(analyzer={2: "word"}), "analyzer names column position 2, but X has 2 columns"),
    (dict(trainable={"city": "no"}), "trainable must be a bool or a dict of bools"),
    (dict(trainable=False), "trainable=False for column 'city', but initial_embeddings gives it"),
    (dict(initial_embeddings={"shop": np.eye(3)}, trainable={"city": False}),
     "trainable=False for column 'city'"),
    (dict(initial_embeddings={"town": np.eye(3)}), "initial_embeddings names a column"),
    (dict(categories=[["Paris"]]), "categories has 1 entries but X has 2 columns"),
    (dict(hidden_units=(8, 0)), "hidden_units must be a tuple of positive ints"),
    (dict(dtype=np.int32), "dtype must be a numpy float dtype"),
]  # fmt: skip


@pytest.mark.parametrize("params, message", BAD)
def test_a_bad_setting_is_refused_before_any_column_is_read(params, message, monkeypatch):
    import skembed._encoder
    import skembed._fitting

    def read(*args, **kwargs):
        raise AssertionError("a column was read before the settings were checked")

    monkeypatch.setattr(skembed._encoder, "split_cells", read)
    for reader in ["unique_sorted", "Vocabulary"]:
        monkeypatch.setattr(skembed._fitting, reader, read)
    X = pd.DataFrame({"city": ["Paris", "Lyon"] * 10, "shop": [1, 2] * 10})
    with pytest.raises(ValueError, match=re.escape(message)):
        EmbeddingEncoder(**params).fit(X, [0, 1] * 10)


def test_a_dask_fit_refuses_a_bad_setting_before_the_cluster_counts():
    dd = pytest.importorskip("dask.dataframe")

    def unreadable(part):
        raise AssertionError("a partition was computed before the settings were checked")

    X = dd.from_pandas(pd.DataFrame({"city": ["Paris", "Lyon"] * 10}), npartitions=2)
    X = X.map_partitions(unreadable, meta=X._meta)
    y = dd.from_pandas(pd.Series([0, 1] * 10), npartitions=2)
    with pytest.raises(ValueError, match="dims names a column that X does not have: 'cty'"):
        EmbeddingEncoder(dims={"cty": 4}).fit(X, y)


def test_settings_resolve_per_column_by_name_position_or_for_all():
    params = EmbeddingEncoder(
        dims={"shop": 3}, analyzer={0: "char_wb"}, initial_embeddings=ONE_HOT, trainable=False,
    ).get_params()  # fmt: skip
    city, shop = fit_settings(params, NAMES).columns
    assert (city.name, city.analyzer, city.dims, city.initial, city.trainable) == (
        "city", "char_wb", "auto", ONE_HOT, False
    )
    assert (shop.name, shop.analyzer, shop.dims, shop.initial, shop.trainable) == (
        "shop", None, 3, ONE_HOT, False
    )
