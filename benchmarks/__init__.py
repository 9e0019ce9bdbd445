"""Benchmarks and the test data generators they share (``python -m benchmarks.<name>``)."""
