"""Master data: loading customers, products, stock, prices and item cross-references from CSV
(``seed``) and partner profiles from YAML (``profiles``), with every problem named by file, line
and field (``problems``); the in-memory view the checks read (``catalog``)."""
