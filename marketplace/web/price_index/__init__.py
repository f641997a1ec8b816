"""The public price index page (/price-index); its JSON is /api/v1/price-index (web.api)."""
