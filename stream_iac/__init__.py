"""stream-iac: declarative configuration for Stream Chat apps."""

__version__ = "0.1.0"
