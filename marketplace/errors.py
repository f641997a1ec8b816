"""Domain errors: each carries a Chinese message the web layer shows as is."""


class DomainError(Exception):
    """Base of every rule violation a user can cause; maps to a 4xx."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """The object does not exist or belongs to another organization."""

    status = 404


class Forbidden(DomainError):
    """The actor's role may not do this."""

    status = 403


class Conflict(DomainError):
    """The object is in a state that does not allow the change."""

    status = 409
