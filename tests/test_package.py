"""The package as installed: one version, in one place."""

from importlib.metadata import version

import skembed
from skembed import _persistence


def test_the_version_has_one_home():
    # pyproject.toml reads it from skembed.__version__; the installed metadata agrees.
    assert version("skembed") == skembed.__version__
    assert skembed.__version__.count(".") == 2


def test_the_file_format_version_is_separate_and_readable():
    assert _persistence.FORMAT_VERSION in _persistence.READABLE_VERSIONS
    assert 1 in _persistence.READABLE_VERSIONS
