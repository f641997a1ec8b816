"""Checkout, order pages, delivery downloads, buyer/seller/finance order pages."""


def order_blueprints() -> list:
    """The orders feature's blueprints: orders, buyer, finance, seller."""
    from marketplace.web.orders import buyer, finance, routes, seller

    return [routes.bp, buyer.bp, finance.bp, seller.bp]
