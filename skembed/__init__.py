"""skembed: learned embeddings for categorical columns, as a scikit-learn transformer.

Importing skembed does not import TensorFlow; only ``EmbeddingEncoder.fit`` does.
"""

from ._encoder import EmbeddingEncoder
from ._persistence import load, save

__version__ = "0.1.0"

__all__ = ["EmbeddingEncoder", "load", "save", "__version__"]
