import json
import zipfile

import numpy as np
import pandas as pd
import pytest
from conftest import FAST, make_frame, run_without_tensorflow

import skembed
from skembed import EmbeddingEncoder


@pytest.fixture(scope="module")
def mixed():
    """An encoder over string (with missing), int, bool and float columns."""
    X, y = make_frame(n=200)
    X = X.astype({"city": object})
    X.loc[:4, "city"] = None
    X["flag"] = np.arange(len(X)) % 3 == 0
    X["rate"] = np.where(np.arange(len(X)) % 4 == 0, np.nan, 0.5 + (np.arange(len(X)) % 2))
    gated = dict(FAST, min_column_gain=0.02, hidden_units=(8,))  # gains measured
    encoder = EmbeddingEncoder(min_frequency=5, **gated).fit(X, y)
    return encoder, X


def test_round_trip_encodes_identically(mixed, tmp_path):
    encoder, X = mixed
    skembed.save(encoder, tmp_path / "encoder.skembed")
    loaded = skembed.load(tmp_path / "encoder.skembed")
    new = pd.concat([X.head(5), pd.DataFrame({"city": ["Rome"], "shop": [99], "flag": [True],
                                              "rate": [9.0]})])
    np.testing.assert_array_equal(loaded.transform(new), encoder.transform(new))
    np.testing.assert_array_equal(loaded.get_feature_names_out(), encoder.get_feature_names_out())
    out = encoder.transform(X)
    pd.testing.assert_frame_equal(  # frames: NaN (the missing category) equals NaN
        pd.DataFrame(loaded.inverse_transform(out)), pd.DataFrame(encoder.inverse_transform(out))
    )
    assert loaded.get_params() == encoder.get_params()
    assert loaded.dims_ == encoder.dims_ and loaded.history_ == encoder.history_
    assert loaded.target_type_ == encoder.target_type_
    for a, b in zip(loaded.category_counts_, encoder.category_counts_):
        np.testing.assert_array_equal(a, b)
    assert not np.isnan(encoder.column_gains_).all()
    np.testing.assert_array_equal(loaded.column_gains_, encoder.column_gains_)
    np.testing.assert_array_equal(loaded.classes_, encoder.classes_)
    for a, b in zip(loaded.infrequent_categories_, encoder.infrequent_categories_):
        assert (a is None and b is None) or list(a) == list(b)


def test_file_is_json_and_npy_files(mixed, tmp_path):
    encoder, _ = mixed
    skembed.save(encoder, tmp_path / "e.zip")
    with zipfile.ZipFile(tmp_path / "e.zip") as archive:
        names = set(archive.namelist())
        metadata = json.loads(archive.read("metadata.json"))
    assert {"metadata.json", "embeddings_0.npy", "embeddings_3.npy"} <= names
    assert metadata["format_version"] == 2
    assert metadata["categories"][0]["values"][-1] is None  # missing, last


def test_loads_without_pickle_or_tensorflow(mixed, tmp_path):
    encoder, X = mixed
    skembed.save(encoder, tmp_path / "e.skembed")
    X.to_csv(tmp_path / "X.csv", index=False)
    np.save(tmp_path / "expected.npy", encoder.transform(X))
    result = run_without_tensorflow(
        f"""
        import pickle

        def no_pickle(*args, **kwargs):
            raise AssertionError("pickle used")
        pickle.load = pickle.loads = no_pickle
        import numpy as np, pandas as pd, skembed
        encoder = skembed.load({str(tmp_path / "e.skembed")!r})
        X = pd.read_csv({str(tmp_path / "X.csv")!r}).astype({{"city": object}})
        np.testing.assert_array_equal(encoder.transform(X), np.load({str(tmp_path / "expected.npy")!r}))
        print("ok")
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def _rewrite_metadata(source, target, change, drop=lambda name: False):
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            if drop(name):
                continue
            data = old.read(name)
            if name == "metadata.json":
                metadata = json.loads(data)
                change(metadata)
                data = json.dumps(metadata)
            new.writestr(name, data)


def test_unknown_version_and_damaged_files_raise(mixed, tmp_path):
    encoder, _ = mixed
    good = tmp_path / "good.skembed"
    skembed.save(encoder, good)

    _rewrite_metadata(good, tmp_path / "v99", lambda m: m.update(format_version=99))
    with pytest.raises(ValueError, match="format version 99"):
        skembed.load(tmp_path / "v99")

    _rewrite_metadata(good, tmp_path / "shape", lambda m: m["dims"].__setitem__(0, 7))
    with pytest.raises(ValueError, match="damaged: column 0"):
        skembed.load(tmp_path / "shape")

    truncated = tmp_path / "truncated"
    truncated.write_bytes(good.read_bytes()[:200])
    with pytest.raises(ValueError, match="damaged"):
        skembed.load(truncated)

    with zipfile.ZipFile(tmp_path / "other.zip", "w") as archive:
        archive.writestr("metadata.json", json.dumps({"hello": 1}))
    with pytest.raises(ValueError, match="not a skembed encoder file"):
        skembed.load(tmp_path / "other.zip")


def test_save_needs_a_fitted_encoder(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        skembed.save(EmbeddingEncoder(), tmp_path / "e")
    with pytest.raises(TypeError, match="EmbeddingEncoder"):
        skembed.save(object(), tmp_path / "e")


def test_datetime_categories_round_trip(tmp_path):
    days = pd.Series(pd.date_range("2020-01-01", periods=6).tolist() * 10 + [None] * 10)
    X = pd.DataFrame({"day": days.astype("datetime64[ns]")})
    encoder = EmbeddingEncoder(min_frequency=None, **FAST).fit(X, np.arange(len(X)) % 2)
    skembed.save(encoder, tmp_path / "days.zip")
    loaded = skembed.load(tmp_path / "days.zip")
    assert loaded.categories_[0].dtype == encoder.categories_[0].dtype
    np.testing.assert_array_equal(loaded.transform(X), encoder.transform(X))
    assert len(np.unique(loaded.transform(X), axis=0)) == 7  # 6 days and NaT: none unknown


def test_every_parameter_comes_back_and_refits(frame, tmp_path):
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold

    X, y = frame
    categories = [np.array(sorted(X["city"].unique()), dtype=object),
                  np.array(sorted(X["shop"].unique()))]  # fmt: skip
    vectors = np.random.default_rng(0).normal(size=(len(categories[0]), 3))
    encoder = EmbeddingEncoder(**{
        **FAST,
        "categories": categories,
        "hidden_units": [np.int64(4)],
        "dims": {"shop": np.int64(2)},
        "initial_embeddings": {"city": vectors},
        "cv": StratifiedKFold(2, shuffle=True, random_state=1),
    }).fit(X, y)
    skembed.save(encoder, tmp_path / "e.zip")
    loaded = skembed.load(tmp_path / "e.zip")
    params, original = loaded.get_params(), encoder.get_params()
    for a, b in zip(params["categories"], categories):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(params["initial_embeddings"]["city"], vectors)
    assert repr(params["cv"]) == repr(original["cv"])
    assert params["hidden_units"] == [4] and params["dims"] == {"shop": 2}
    assert loaded.classes_.dtype == encoder.classes_.dtype == np.int64
    refitted = clone(loaded).fit(X, y)
    np.testing.assert_array_equal(refitted.transform(X), clone(encoder).fit(X, y).transform(X))


def test_a_failed_save_leaves_the_previous_file(mixed, tmp_path):
    encoder, _ = mixed
    path = tmp_path / "e.zip"
    skembed.save(encoder, path)
    before = path.read_bytes()

    class Splits:  # not one of scikit-learn's splitters: cannot be stored
        def split(self, X, y=None, groups=None):
            yield from ()

    unsavable = EmbeddingEncoder(**FAST).set_params(cv=Splits())
    unsavable.__dict__.update({k: v for k, v in vars(encoder).items() if k.endswith("_")
                               or k.startswith("_")})  # fmt: skip
    with pytest.raises(TypeError, match="parameter cv"):
        skembed.save(unsavable, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["e.zip"]  # no temporary left behind
    with pytest.raises(TypeError, match="parameter cv"):
        skembed.save(unsavable, tmp_path / "new.zip")
    assert not (tmp_path / "new.zip").exists()


def test_files_of_format_version_1_still_load(mixed, tmp_path):
    encoder, X = mixed
    skembed.save(encoder, tmp_path / "v2.zip")

    def as_version_1(metadata):  # how version 1 wrote parameters and classes
        metadata["format_version"] = 1
        metadata["params"] = {**{k: v for k, v in encoder.get_params().items()
                                 if isinstance(v, (int, float, str, type(None)))},
                              "hidden_units": [8], "dtype": {"dtype": "float32"},
                              "categories": None}  # fmt: skip
        metadata["classes"] = encoder.classes_.tolist()

    # Version 1 kept no parameter arrays.
    drop = lambda name: name.startswith("param_")  # noqa: E731
    _rewrite_metadata(tmp_path / "v2.zip", tmp_path / "v1.zip", as_version_1, drop)
    loaded = skembed.load(tmp_path / "v1.zip")
    np.testing.assert_array_equal(loaded.transform(X), encoder.transform(X))
    assert loaded.get_params()["categories"] == "auto" and loaded.hidden_units == (8,)


def test_save_writes_file_objects_follows_links_and_keeps_the_usual_mode(mixed, tmp_path):
    import io
    import os
    import stat

    encoder, X = mixed
    buffer = io.BytesIO()
    skembed.save(encoder, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(skembed.load(buffer).transform(X), encoder.transform(X))

    real = tmp_path / "real.zip"
    (tmp_path / "link.zip").symlink_to(real)
    skembed.save(encoder, tmp_path / "link.zip")
    assert (tmp_path / "link.zip").is_symlink() and real.is_file()

    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(real.stat().st_mode) == 0o666 & ~umask  # as open() creates files
