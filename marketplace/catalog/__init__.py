"""The catalog read side: search, catalog queries and product pages."""
