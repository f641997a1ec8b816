"""Card payment pages and the Stripe webhook."""
