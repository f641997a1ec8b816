"""Demand before checkout: access applications for conditional products and quotes (询价/报价)."""
