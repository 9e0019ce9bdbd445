"""A fuzzer for ordergate's readers: hostile inputs in, failures grouped and counted.

``python -m benchmarks.fuzz --reader x12 --count 100000 --seed 1`` generates inputs (mutations
of samples/ and of the third-party corpus, plus structure-aware generators), feeds each one to
one reader at the level the pipeline calls it, and reports every input that raised an
unhandled exception, ended neither as orders nor as a failure with a reason, produced invalid
JSON, wrote to stdout, or went over its time or memory bound. Failures are grouped by kind,
exception type and the innermost ordergate frame, with a count and one reproducer each;
groups that match a problem already being fixed are shown as known (``known.py``).

Modules: ``seeds`` (the files mutated), ``mutate`` (byte-level mutations), ``hostile``
(values: numbers, ids, text), ``gen_edi``/``gen_tabular``/``gen_mail``/``gen_pdf``
(structure-aware generators), ``targets`` (one harness per reader), ``engine`` (the run loop,
bounds and grouping) and ``__main__`` (the command line).
"""
