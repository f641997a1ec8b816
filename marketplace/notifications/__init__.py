"""Notifications: written in the event's transaction by the use cases, read in the bell, sent as e-mail.

Low in the layers (it imports models, db, clock and audit only), so every use case that emits can call it.
"""

from marketplace.notifications.kinds import CATEGORY_LABELS, KINDS, Category
from marketplace.notifications.notify import Notice, notify, notify_all

__all__ = ["CATEGORY_LABELS", "KINDS", "Category", "Notice", "notify", "notify_all"]
