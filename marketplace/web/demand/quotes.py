"""Quotes: buyers ask, sellers offer, both talk in a thread; buyers accept (an order) or decline."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.demand import quote_queries as qq
from marketplace.demand import quotes
from marketplace.demand.common import get_listed_product
from marketplace.models import Organization, Role
from marketplace.models.demand import QuoteStatus
from marketplace.orders.checkout import InvoiceIn
from marketplace.orders.offers import accept_offer
from marketplace.web.access import roles_required
from marketplace.web.boundary import EmptyForm, form_status, perform, success
from marketplace.web.db import get_db
from marketplace.web.demand.forms import AcceptForm, DeclineForm, MessageForm, OfferForm, QuoteForm
from marketplace.web.demand.offer_input import offer_terms_from_form

bp = Blueprint("quotes", __name__)
PARTIES = (Role.BUYER, Role.OPERATOR, Role.BROKER)


@bp.route("/products/<slug>/quote", methods=["GET", "POST"])
@roles_required(Role.BUYER)
def new(slug: str):
    """Ask for a price (negotiated listing or custom volume)."""
    db, form = get_db(), QuoteForm()
    product = get_listed_product(db, slug)
    if form.validate_on_submit() and (done := perform(lambda: quotes.request_quote(
            db, actor=current_user.actor, slug=slug, volume=form.volume.data, period=form.period.data,
            use_type=form.use_type.data, message=form.message.data), form=form)):
        return success(_("询价已发送，对方报价后会显示在询价单中"), url_for("quotes.thread", quote_id=done.value.id))
    return render_template("quotes/new.html", form=form, product=product), form_status()


@bp.route("/quotes")
@roles_required(Role.BUYER)
def mine():
    """The buyer's quote requests."""
    rows = qq.list_buyer_quotes(get_db(), org_id=current_user.org_id)
    return render_template("quotes/mine.html", rows=rows)


@bp.route("/seller/quotes")
@roles_required(Role.OPERATOR, Role.BROKER)
def incoming():
    """Quote requests this broker or operator answers."""
    status = request.args.get("status")
    status = status if status in QuoteStatus.__members__.values() else None
    rows = qq.list_seller_quotes(get_db(), org_id=current_user.org_id, status=status)
    return render_template("quotes/incoming.html", rows=rows, status=status)


def _thread_page(quote_id: int, code: int = 200, **forms):
    """Render the thread with fresh forms except those passed in (which carry errors)."""
    db = get_db()
    thread = qq.get_quote_thread(db, actor=current_user.actor, quote_id=quote_id)
    org = db.get(Organization, current_user.org_id)
    accept = forms.pop("accept", None) or AcceptForm(formdata=None, invoice_title=org.name,
                                                     purpose=thread.quote.message)
    all_forms = {"message_form": MessageForm(formdata=None), "offer_form": OfferForm(formdata=None),
                 "accept_form": accept, "decline_form": DeclineForm(formdata=None),
                 "close_form": EmptyForm(formdata=None), **forms}
    caps = qq.offer_caps(db, thread.product.id) if thread.side == "seller" else {}
    return render_template("quotes/thread.html", t=thread, org=org, caps=caps, expired=qq.offer_expired,
                           terms_of=qq.offer_terms, **all_forms), code


@bp.route("/quotes/<int:quote_id>")
@roles_required(*PARTIES)
def thread(quote_id: int):
    """The quote with its offers and messages, for both sides."""
    return _thread_page(quote_id)


@bp.route("/quotes/<int:quote_id>/messages", methods=["POST"])
@roles_required(*PARTIES)
def message(quote_id: int):
    """Post a message to the thread."""
    db, form = get_db(), MessageForm()
    if form.validate_on_submit() and perform(lambda: quotes.post_message(
            db, actor=current_user.actor, quote_id=quote_id, body=form.body.data), form=form):
        return redirect(url_for("quotes.thread", quote_id=quote_id, _anchor="messages"))
    return _thread_page(quote_id, 400, message_form=form)


@bp.route("/quotes/<int:quote_id>/offers", methods=["POST"])
@roles_required(Role.OPERATOR, Role.BROKER)
def offer(quote_id: int):
    """Send a private offer."""
    db, form = get_db(), OfferForm()
    if form.validate_on_submit() and perform(lambda: _make_offer(db, form, quote_id), form=form):
        return success(_("报价已发送给询价方"), url_for("quotes.thread", quote_id=quote_id))
    return _thread_page(quote_id, 400, offer_form=form)


def _make_offer(db, form: OfferForm, quote_id: int):
    price_fen, terms = offer_terms_from_form(form)
    return quotes.make_offer(db, actor=current_user.actor, quote_id=quote_id, price_fen=price_fen, terms=terms,
                             valid_until=form.valid_until.data, note=form.note.data or "")


@bp.route("/quotes/offers/<int:offer_id>/accept", methods=["POST"])
@roles_required(Role.BUYER)
def accept(offer_id: int):
    """Accept an offer: an order at the offer's price."""
    db, form = get_db(), AcceptForm()
    quote_id = quotes.quote_id_for_buyer(db, actor=current_user.actor, offer_id=offer_id)
    if form.validate_on_submit():
        invoice = InvoiceIn(title=form.invoice_title.data, taxpayer_id="", kind=form.invoice_kind.data)
        if done := perform(lambda: accept_offer(db, actor=current_user.actor, offer_id=offer_id, invoice=invoice,
                                                purpose=form.purpose.data), form=form):
            number = done.value.number
            return success(_("已接受报价，订单 %(number)s 已生成", number=number),
                           url_for("orders.detail", number=number))
    return _thread_page(quote_id, 400, accept=form)


@bp.route("/quotes/offers/<int:offer_id>/decline", methods=["POST"])
@roles_required(Role.BUYER)
def decline(offer_id: int):
    """Decline an offer."""
    db, form = get_db(), DeclineForm()
    quote_id = quotes.quote_id_for_buyer(db, actor=current_user.actor, offer_id=offer_id)
    if form.validate_on_submit() and perform(lambda: quotes.decline_offer(
            db, actor=current_user.actor, offer_id=offer_id, reason=form.reason.data or ""), form=form):
        flash(_("已拒绝该报价"), "info")
        return redirect(url_for("quotes.thread", quote_id=quote_id))
    return _thread_page(quote_id, 400, decline_form=form)


@bp.route("/quotes/<int:quote_id>/close", methods=["POST"])
@roles_required(*PARTIES)
def close(quote_id: int):
    """Close the quote without a deal."""
    db, form = get_db(), EmptyForm()
    if form.validate_on_submit() and perform(lambda: quotes.close_quote(db, actor=current_user.actor,
                                                                        quote_id=quote_id)):
        flash(_("询价单已关闭"), "info")
    return redirect(url_for("quotes.thread", quote_id=quote_id))
