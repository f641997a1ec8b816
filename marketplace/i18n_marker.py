"""Mark display labels for translation without importing Flask into the domain layers."""


def N_(text: str) -> str:  # noqa: N802  (gettext convention)
    """Return the text unchanged; `pybabel extract -k N_` collects it and the web layer translates it."""
    return text
