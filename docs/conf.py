"""Sphinx configuration of skembed's documentation: ``make docs`` builds it.

The build needs no network: there is no intersphinx, so names from scikit-learn,
pandas and numpy are plain text (``nitpick_ignore_regex`` below), and every
reference to skembed's own names must resolve (``nitpicky``, warnings as errors).
"""

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS))
sys.path.insert(0, str(DOCS.parent))

import skembed  # noqa: E402

project = "skembed"
author = "the skembed developers"
copyright = "2026, the skembed developers"
version = release = skembed.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "_generated", "Thumbs.db", ".DS_Store"]
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3

# Every cross-reference must resolve, except to the libraries we have no inventory of.
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(sklearn|pandas|numpy|np|pd|keras|tensorflow|matplotlib|scipy)\..*"),
    (r"py:.*", r"(array-like|ndarray|DataFrame|dict|list|str|int|float|bool|None|callable)"),
]

autosummary_generate = True
autodoc_typehints = "none"
autodoc_preserve_defaults = True  # "dtype=np.float32", as written
numpydoc_show_class_members = False
numpydoc_validation_checks = set()  # tests/test_docstrings.py validates the docstrings

html_theme = "furo"
html_title = f"skembed {release}"
html_static_path = ["_static"]
html_css_files = ["tables.css"]
templates_path = ["_templates"]

sphinx_gallery_conf = {
    "examples_dirs": str(DOCS.parent / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "_gallery.ExampleOrder",
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    # One example that fails fails the build: an error must not become a page.
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
}
# The examples train networks: keep TensorFlow's start-up logs out of the pages.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _write_results(app):
    """Tables and figures of the benchmark page, from the committed result files."""
    import _results

    _results.write()


def setup(app):
    app.connect("builder-inited", _write_results)
