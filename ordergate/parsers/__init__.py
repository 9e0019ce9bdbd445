"""Parsers: bytes of one format in, typed events out (``x12``, ``edifact``); ``detect`` sniffs
which. The registry of formats turned into orders is ``processing.ingest.PROCESSORS``."""
