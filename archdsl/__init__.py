"""archdsl: a compiler for mobile CNN architectures."""

__version__ = "0.1.0"
