"""Getting raw documents in. Sources yield ``RawDocument``s and know nothing about formats."""

from ordergate.documents import RawDocument

__all__ = ["RawDocument"]
