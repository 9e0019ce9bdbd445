"""What ordergate sends: the kinds of outbound document and how each travels (``kinds``), the
queue, written in the same transaction as what it answers, and its delivery (``queue``, ``temp``),
and the control numbers of outbound interchanges (``control_numbers``)."""
