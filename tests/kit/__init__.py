"""What the tests share: document builders, the corpus, real servers' fixtures, probes.

Test modules import from here (or get fixtures from a conftest) and never from each other, so
each test module can be read, moved or deleted on its own; ``tests/test_suite_shape.py``
holds the suite to that.
"""
