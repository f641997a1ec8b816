"""Orders: checkout, approval of public use, payment, fulfilment, delivery, refunds."""
