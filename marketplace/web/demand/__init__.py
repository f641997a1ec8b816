"""Web pages for access applications and quotes (询价与申请)."""
