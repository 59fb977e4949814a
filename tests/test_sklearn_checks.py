"""scikit-learn's own estimator checks."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skembed import EmbeddingEncoder

EXPECTED_FAILED_CHECKS = {
    # Weights act as repeated rows only up to the order of training: the repeated
    # rows change the validation split, the batches and the number of steps, so
    # the tables differ (tests/test_sample_weight.py checks what does hold).
    "check_sample_weight_equivalence_on_dense_data": (
        "stochastic training: repeated rows change the split and the batches"
    ),
}


# Few epochs keep the ~50 checks fast; every check still trains a real network.
# The checks' data are mostly distinct floats: under the default min_frequency
# nearly every category is infrequent, so the checks also run with a row per
# category (and one network per fit, where hidden_units="auto" trains two).
@parametrize_with_checks(
    [
        EmbeddingEncoder(epochs=2, random_state=0),
        EmbeddingEncoder(epochs=2, min_frequency=None, hidden_units=(64,), random_state=0),
    ],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
