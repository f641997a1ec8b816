"""The metered data API gateway: datasets, masking, the metered call, usage and receipts."""
