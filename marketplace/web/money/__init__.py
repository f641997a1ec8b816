"""Money pages: the finance dashboard, each party's revenue and statements, statement and invoice exports."""
