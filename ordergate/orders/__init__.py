"""The order domain: canonical model, SQL store, checks, outbox, control numbers."""
