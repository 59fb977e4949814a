"""skembed: learned embeddings for categorical columns, as a scikit-learn transformer.

Importing skembed does not import TensorFlow; only ``EmbeddingEncoder.fit`` does.
"""

from ._encoder import EmbeddingEncoder

__version__ = "0.1.0"

__all__ = ["EmbeddingEncoder", "__version__"]
