"""Domain errors: each carries a Chinese message template (marked N_) and its values; the web layer translates."""


class DomainError(Exception):
    """Base of every rule violation a user can cause; maps to a 4xx."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None, params: dict | None = None):
        super().__init__(message % params if params else message)
        self.message = message  # the untranslated template, with %(name)s placeholders when params are given
        self.field = field
        self.params = params

    @property
    def text(self) -> str:
        """The Chinese message with its values filled (for logs and tests; the web layer translates)."""
        return self.message % self.params if self.params else self.message


class NotFound(DomainError):
    """The object does not exist or belongs to another organization."""

    status = 404


class Forbidden(DomainError):
    """The actor's role may not do this."""

    status = 403


class Conflict(DomainError):
    """The object is in a state that does not allow the change."""

    status = 409


class DomainErrors(DomainError):
    """Several refusals of one submission, so a form can show every error at once (each under its field)."""

    def __init__(self, errors: list[DomainError]):
        super().__init__("；".join(e.text for e in errors), field=errors[0].field)
        self.errors = errors
        self.status = errors[0].status


class ErrorCollector:
    """Run each check of a submission, keep every refusal, raise them together at the end.

    found = ErrorCollector()
    title = found.check(lambda: require_text(...))
    found.raise_any()
    """

    def __init__(self):
        self.errors: list[DomainError] = []

    def check(self, fn, default=None):
        try:
            return fn()
        except DomainErrors as e:
            self.errors.extend(e.errors)
        except DomainError as e:
            self.errors.append(e)
        return default

    def raise_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise DomainErrors(self.errors)
