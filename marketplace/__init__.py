"""The store: tables, use cases and (in `web/`) the Flask layer."""
