"""The list of blueprints the app registers; each feature adds its own line."""


def all_blueprints():
    """Every blueprint of the store, in registration order."""
    from marketplace.web.admin.routes import bp as admin
    from marketplace.web.api.routes import bp as api
    from marketplace.web.audit.routes import bp as audit
    from marketplace.web.auth.routes import bp as auth
    from marketplace.web.billing import billing_blueprints
    from marketplace.web.catalog.routes import bp as catalog
    from marketplace.web.demand.applications import bp as applications
    from marketplace.web.demand.quotes import bp as quotes
    from marketplace.web.disclosure.routes import bp as disclosure
    from marketplace.web.gateway import bp as gateway
    from marketplace.web.main.routes import bp as main
    from marketplace.web.money.routes import bp as money
    from marketplace.web.notifications.routes import bp as notifications
    from marketplace.web.orders import order_blueprints
    from marketplace.web.org.routes import bp as org
    from marketplace.web.price_index.routes import bp as price_index
    from marketplace.web.returns.routes import bp as returns
    from marketplace.web.settlement.routes import bp as settlement
    from marketplace.web.stripe_pay.routes import bp as stripe_pay
    from marketplace.web.supply import supply_blueprints

    return [
        main, auth, org, admin, audit, catalog, api, applications, quotes, stripe_pay, gateway,
        *order_blueprints(), *supply_blueprints(), *billing_blueprints(), money, settlement,
        notifications,
        price_index,
        returns,
        disclosure,
    ]
