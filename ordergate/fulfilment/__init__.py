"""Fulfilment: what happens to an accepted order after its acknowledgement. The warehouse picks
(pick lists), ships (shipments with carrier, tracking and packages), and stock that arrives
fills backorders; each shipment is announced to the customer the way it ordered (an X12 856, an
EDIFACT DESADV, a mail, a CSV notice). ``model`` holds what the renderers read."""
