"""Running documents through the stages: store → parse → map → check → save → queue replies.

The command line and the Prefect flows both call ``ingest.ingest_documents``; nothing here
knows about Prefect. Each format's handling is in its standard's package (``x12``, ``edifact``,
``email``, ``tabular``, ``pdf``), described once in the format registry (``registry``,
``handlers``); the two-process speed machinery is ``pipeline``.
"""
