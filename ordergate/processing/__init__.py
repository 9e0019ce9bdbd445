"""Running documents through the stages: store → parse → map → check → save → queue replies.

The command line and the Prefect flows both call ``ingest.ingest_documents``; nothing here
knows about Prefect.
"""
