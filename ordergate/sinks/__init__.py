"""Outbound documents: pure renderers, one package per standard (``x12``, ``edifact``,
``email``, ``csv``, and ``invoice`` for Factur-X). They build bytes from prepared orders;
queuing is ``outbox``'s, and the kinds of document sent are registered in ``outbox.kinds``."""
