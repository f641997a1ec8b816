"""Settlement: period close, billed lines with their split (R8), double-entry ledger, statements, ledger check."""
