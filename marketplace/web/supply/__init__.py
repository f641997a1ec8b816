"""Supply-side web pages: workbench (supply), authority, review and broker qualifications."""


def supply_blueprints():
    """The four supply-side blueprints."""
    from marketplace.web.authority.routes import bp as authority
    from marketplace.web.qualifications.routes import bp as qualifications
    from marketplace.web.review.routes import bp as review
    from marketplace.web.supply.routes import bp as supply

    return [supply, authority, review, qualifications]
