"""Fee settlement: periods, billed lines and their split, ledger, statements, exports and dashboards."""
