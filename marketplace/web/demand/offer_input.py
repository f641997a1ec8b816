"""Turn the offer form into an offer price and pricing.PlanTerms dict."""

from marketplace.demand.common import DemandError
from pricing import ChargeForm, PricingError, yuan_to_fen
from pricing.charge_forms import SUBSCRIPTION_MONTHS


def offer_terms_from_form(form) -> tuple[int, dict]:
    """(price in fen, terms dict) from the offer form; DemandError naming the field on bad input."""
    try:
        price_fen = yuan_to_fen(form.price.data or "")
    except PricingError as e:
        raise DemandError(e.message, params=getattr(e, "params", None), field="price") from None
    form_value = form.charge_form.data
    terms = {"form": form_value, "price_fen": price_fen}
    if form_value == ChargeForm.PREPAID_CALLS:
        if not form.package_calls.data:
            raise DemandError("预付费次数包须填写包内调用次数", field="package_calls")
        terms["package_calls"] = form.package_calls.data
    months = SUBSCRIPTION_MONTHS.get(form_value, 0)
    if months:
        terms["period_months"] = months
    return price_fen, terms
