"""scikit-learn's own estimator checks."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skembed import EmbeddingEncoder

# None: every check passes.
EXPECTED_FAILED_CHECKS = {}


# Few epochs keep the ~50 checks fast; every check still trains a real network.
# The checks' data are mostly distinct floats: under the default min_frequency
# nearly every category is infrequent, so the checks also run with a row per
# category.
@parametrize_with_checks(
    [
        EmbeddingEncoder(epochs=2, random_state=0),
        EmbeddingEncoder(epochs=2, min_frequency=None, random_state=0),
    ],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
