"""Reasonable return (R4): the operator's yearly costs and taxes, the report, its review by the authority."""
