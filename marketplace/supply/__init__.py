"""Supply side: agreements, caps, broker qualifications and mandates, listings, review, enforcement."""
