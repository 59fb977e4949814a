"""hidden_units="auto": a linear network unless a hidden layer earns its place."""

import numpy as np
import pandas as pd
import pytest

from conftest import FAST
from skembed import EmbeddingEncoder, load, save
from skembed._fitting import AUTO_HIDDEN_GAIN, AUTO_HIDDEN_UNITS, kept_network

AUTO = dict(FAST, epochs=8, min_frequency=None, hidden_units="auto")


def _frame(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"a": rng.integers(0, 12, n), "b": rng.integers(0, 10, n)}), rng


def additive():
    """Each column adds its own effect: a linear network says all there is."""
    X, rng = _frame()
    return X, rng.normal(size=12)[X["a"]] + rng.normal(size=10)[X["b"]] + rng.normal(size=len(X))


def interacting():
    """The target is one column's parity against the other's: no main effects."""
    X, rng = _frame()
    y = (X["a"] % 2) ^ (X["b"] % 2)
    return X, np.where(rng.random(len(X)) < 0.05, 1 - y, y)


@pytest.mark.parametrize("data, kept", [(additive, ()), (interacting, AUTO_HIDDEN_UNITS)])
def test_auto_keeps_the_network_the_data_needs_as_that_network_alone_fits_it(data, kept):
    X, y = data()
    auto = EmbeddingEncoder(**AUTO).fit(X, y)
    alone = EmbeddingEncoder(**{**AUTO, "hidden_units": kept}).fit(X, y)
    assert auto.hidden_units == "auto" and auto.hidden_units_ == kept
    for ours, theirs in zip(auto.embeddings_, alone.embeddings_):
        np.testing.assert_array_equal(ours, theirs)
    assert auto.history_ == alone.history_


def test_the_hidden_layer_must_lower_the_validation_loss_by_the_gain():
    def trained_with(losses):
        return lambda units: ("tables", {"val_loss": [1.0, losses[units]]}, "gains")

    just_under = {(): 0.5, (64,): 0.5 * (1 - AUTO_HIDDEN_GAIN) + 1e-6}
    clearly = {(): 0.5, (64,): 0.5 * (1 - 2 * AUTO_HIDDEN_GAIN)}
    assert kept_network([(), (64,)], trained_with(just_under))[0] == ()
    units, (_, history, _) = kept_network([(), (64,)], trained_with(clearly))
    assert units == (64,) and min(history["val_loss"]) == clearly[(64,)]


@pytest.mark.parametrize("case", ["without y", "without validation rows"])
def test_auto_takes_the_hidden_layer_where_nothing_can_judge(case):
    X, y = additive()
    params = dict(AUTO, validation_fraction=0.0) if case == "without validation rows" else AUTO
    fit_y = None if case == "without y" else y
    auto = EmbeddingEncoder(**params).fit(X, fit_y)
    alone = EmbeddingEncoder(**{**params, "hidden_units": AUTO_HIDDEN_UNITS}).fit(X, fit_y)
    assert auto.hidden_units_ == AUTO_HIDDEN_UNITS
    np.testing.assert_array_equal(auto.embeddings_[0], alone.embeddings_[0])


def test_cross_fitted_folds_train_the_network_the_full_fit_kept(monkeypatch):
    import skembed._fitting as fitting

    tried, choose = [], fitting.network_candidates

    def recorded(*args):
        tried.append(choose(*args))
        return tried[-1]

    monkeypatch.setattr(fitting, "network_candidates", recorded)
    X, y = additive()
    auto = EmbeddingEncoder(**AUTO, cv=3)
    encoded = auto.fit_transform(X, y)
    assert auto.hidden_units_ == ()
    # The full fit tries both networks; each fold trains the linear one alone.
    assert tried == [[(), AUTO_HIDDEN_UNITS], [()], [()], [()]]
    monkeypatch.undo()
    np.testing.assert_array_equal(
        encoded, EmbeddingEncoder(**{**AUTO, "hidden_units": ()}, cv=3).fit_transform(X, y)
    )


def test_verbose_says_which_network_was_kept(capsys):
    X, y = additive()
    EmbeddingEncoder(**AUTO, verbose=2).fit(X, y)
    said = capsys.readouterr().out
    assert "hidden_units=(64,): best validation loss" in said and "not kept" in said


def test_the_kept_layers_are_saved_and_loaded(tmp_path):
    X, y = interacting()
    encoder = EmbeddingEncoder(**AUTO).fit(X, y)
    save(encoder, tmp_path / "e.skembed")
    loaded = load(tmp_path / "e.skembed")
    assert loaded.hidden_units == "auto" and loaded.hidden_units_ == AUTO_HIDDEN_UNITS


def test_a_file_from_before_auto_takes_its_parameters_layers(tmp_path):
    from test_damaged_files import changed_metadata, load_bytes

    X, y = additive()
    encoder = EmbeddingEncoder(**{**AUTO, "hidden_units": (8,)}).fit(X, y)
    save(encoder, tmp_path / "e.skembed")
    old = changed_metadata((tmp_path / "e.skembed").read_bytes(), lambda m: m.pop("hidden_units"))
    assert load_bytes(old, tmp_path).hidden_units_ == (8,)


def test_damaged_hidden_units_is_refused(tmp_path):
    from test_damaged_files import changed_metadata, load_bytes

    X, y = additive()
    save(EmbeddingEncoder(**AUTO).fit(X, y), tmp_path / "e.skembed")
    bad = changed_metadata(
        (tmp_path / "e.skembed").read_bytes(), lambda m: m.update(hidden_units=[0])
    )
    with pytest.raises(ValueError, match="hidden_units"):
        load_bytes(bad, tmp_path)


def test_a_dask_fit_keeps_the_network_the_in_memory_fit_keeps():
    dd = pytest.importorskip("dask.dataframe")
    for data, kept in [(additive, ()), (interacting, AUTO_HIDDEN_UNITS)]:
        X, y = data()
        frame = X.assign(y=y)
        ddf = dd.from_pandas(frame, npartitions=2)
        encoder = EmbeddingEncoder(**AUTO).fit(ddf[["a", "b"]], ddf["y"])
        assert encoder.hidden_units_ == kept
