"""Finance pages and CLI commands of settlement: periods, statements, payouts, ledger check."""
