"""Parsers: bytes of one format in, typed events or records out, one package per standard
(``x12``, ``edifact``, ``pdf``, ``email``, ``tabular``), each within a time and memory budget
(``guard``, ``edi_limits``). ``sniff`` tells a file's format from its bytes; which formats are
turned into orders, and how, is the registry's business (``processing.registry``). Nothing here
knows the order model or the database."""
