// Card payment: Stripe.js card element -> token -> our server confirms the PaymentIntent.
// A 3-D Secure step, when the bank asks for one, is handled by Stripe.js with the intent's client secret.
(function () {
  'use strict';
  const root = document.getElementById('card-pay');
  const form = document.getElementById('card-form');
  if (!root || !form || typeof Stripe === 'undefined') { return; }
  const stripe = Stripe(root.dataset.publishableKey);
  const card = stripe.elements().create('card', { hidePostalCode: true });
  card.mount('#card-element');
  const button = document.getElementById('pay-button');
  const errors = document.getElementById('card-errors');
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const label = button.textContent;

  function fail(message) {
    errors.textContent = message || root.dataset.msgGeneric;
    button.disabled = false;
    button.textContent = label;
  }

  async function confirmOnServer(tokenId) {
    const resp = await fetch(root.dataset.confirmUrl, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRFToken': csrf },
      body: JSON.stringify({ token: tokenId }),
    });
    const body = await resp.json().catch(() => ({}));
    if (!resp.ok) { throw new Error((body.error && body.error.message) || root.dataset.msgGeneric); }
    return body;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    errors.textContent = '';
    button.disabled = true;
    button.textContent = root.dataset.msgBusy;
    try {
      const result = await stripe.createToken(card);
      if (!result || result.error || !result.token) {
        fail(result && result.error && result.error.message);
        return;
      }
      const body = await confirmOnServer(result.token.id);
      if (body.client_secret) {
        const action = await stripe.confirmCardPayment(body.client_secret);
        if (action.error) { fail(action.error.message); return; }
      }
      window.location.assign(body.return_url);
    } catch (err) {
      fail(err && err.message);
    }
  });
}());
