"""Payments by card through Stripe (bank transfer lives with the orders)."""
