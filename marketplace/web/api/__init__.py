"""The public JSON API /api/v1: catalog reads and the OpenAPI description."""
