"""The public catalog: /products and /products/<slug>."""
