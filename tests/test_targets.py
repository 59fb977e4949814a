import numpy as np
import pandas as pd
import pytest

from skembed._targets import prepare_target


def test_binary_labels_become_zero_one_with_sigmoid():
    target = prepare_target(np.array(["no", "yes", "no"]), "auto", "E")
    assert target.target_type == "binary"
    assert target.classes.tolist() == ["no", "yes"]
    assert target.values.ravel().tolist() == [0, 1, 0]
    assert (target.n_outputs, target.activation) == (1, "sigmoid")


def test_multiclass_gets_softmax_over_classes():
    target = prepare_target([2, 0, 1, 2], "auto", "E")
    assert target.target_type == "multiclass"
    assert target.values.tolist() == [2, 0, 1, 2]
    assert (target.n_outputs, target.activation) == (3, "softmax")


def test_continuous_target_is_standardized():
    target = prepare_target([1.5, 2.5, 4.0, 8.0], "auto", "E")
    assert target.target_type == "continuous" and target.classes is None
    assert target.activation == "linear"
    np.testing.assert_allclose(target.values.mean(), 0, atol=1e-6)
    np.testing.assert_allclose(target.values.std(), 1, atol=1e-6)


def test_two_dimensional_continuous_target_trains_one_output_per_column():
    y = np.column_stack([np.arange(6.0), np.arange(6.0) ** 2 + 0.5])
    target = prepare_target(y, "auto", "E")
    assert target.n_outputs == 2 and target.values.shape == (6, 2)


def test_whole_number_floats_are_continuous_but_float_labels_binary():
    assert prepare_target(np.array([-5.0, 0.0, 12.0, 3.0]), "auto", "E").target_type == "continuous"
    assert prepare_target(np.array([0.0, 1.0, 1.0]), "auto", "E").target_type == "binary"
    assert prepare_target(np.array([0, 5, 12, 3]), "auto", "E").target_type == "multiclass"


def test_two_dimensional_whole_number_floats_are_continuous_as_one_column_is():
    y = np.column_stack([np.arange(8) % 4, np.arange(8) % 3]).astype(float)
    target = prepare_target(y, "auto", "E")
    assert target.target_type == "continuous" and target.n_outputs == 2


def test_integer_target_can_be_declared_continuous():
    target = prepare_target([1, 2, 3, 1], "continuous", "E")
    assert target.target_type == "continuous"


@pytest.mark.parametrize(
    "y, target_type, message",
    [
        (None, "auto", "requires y to be passed"),
        ([1, 1, 1], "auto", "only one class"),
        ([0, 1, 2], "binary", "3 classes"),
        ([0.5, np.nan, 1.0], "auto", "NaN"),
        (np.array(["a", None, "b"], dtype=object), "auto", "missing value"),
        (pd.Series(["a", pd.NA, "b"], dtype="string"), "auto", "missing value"),
        (pd.Series([1, pd.NA, 0], dtype="Int64"), "auto", "missing value"),
        ([0.5, np.inf, 1.0], "continuous", "infinity"),
        (np.array([0.5, np.inf, 1.0], dtype=object), "auto", "infinity"),
        (np.array([[0, 1], [1, 0], [1, 1]]), "auto", "Unknown label type"),
        (np.array([[0, 1], [1, 0], [1, 1]]), "binary", "only a continuous target"),
    ],
)
def test_bad_targets_raise_a_clear_error(y, target_type, message):
    with pytest.raises(ValueError, match=message):
        prepare_target(y, target_type, "E")


def test_single_class_error_shows_the_value_plainly():
    with pytest.raises(ValueError, match=r"only one class \(1\.0\)"):
        prepare_target(np.ones(4), "auto", "E")


def test_numbers_in_an_object_array_are_typed_as_numbers():
    assert prepare_target(pd.Series([0.5, 1.25, 3.0], dtype=object), "auto", "E").target_type == (
        "continuous"
    )
    target = prepare_target(np.array([1, 3, 3, 2], dtype=object), "auto", "E")
    assert target.target_type == "multiclass" and target.classes.tolist() == [1, 2, 3]
