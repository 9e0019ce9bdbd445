"""Outbound documents: pure renderers (one module per message type) and delivery."""
