"""ordergate: purchase orders in, checked sales orders and acknowledgements out."""

__version__ = "0.1.0"
