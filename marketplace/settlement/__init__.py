"""Fee settlement: period close, billed lines and their split (R8), ledger, statements, exports, dashboards."""
