"""Every public name's docstring is complete numpydoc: each parameter described,
each return value named, typed and described."""

import pytest

numpydoc_validate = pytest.importorskip("numpydoc.validate")

PUBLIC = ["skembed.EmbeddingEncoder", "skembed.save", "skembed.load"] + [
    f"skembed.EmbeddingEncoder.{method}"
    for method in [
        "fit", "fit_transform", "transform", "inverse_transform", "get_feature_names_out",
        "get_embeddings", "most_similar", "plot_embeddings", "export_vectors",
    ]
]  # fmt: skip

#: Checks left out, as scikit-learn leaves them out: "name : type" on a return's
#: first line, and an extended summary, See Also or Examples on every method.
IGNORED = {"RT02", "ES01", "SA01", "EX01", "GL08", "RT05", "SA04"}


@pytest.mark.parametrize("name", PUBLIC)
def test_docstring_is_complete(name):
    result = numpydoc_validate.validate(name)
    errors = [(code, message) for code, message in result["errors"] if code not in IGNORED]
    assert not errors, errors
