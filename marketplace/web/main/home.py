"""What the home page shows; later features extend it with products."""

from sqlalchemy import func, select

from marketplace.models import Organization, OrgKind
from marketplace.web.db import get_db


def home_context() -> dict:
    """Counts and lists for the front page."""
    db = get_db()
    counts = dict(db.execute(select(Organization.kind, func.count()).group_by(Organization.kind)).all())
    return {"org_counts": {OrgKind(k).value: v for k, v in counts.items()}}
