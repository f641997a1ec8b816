"""Usage bills: the buyer's bills and their payment, finance's bill list with the receipt form, CLI."""


def billing_blueprints() -> list:
    """The billing feature's blueprints: buyer bills and finance bills."""
    from marketplace.web.billing import buyer, finance

    return [buyer.bp, finance.bp]
