"""One place that turns errors into responses: JSON for the API, a page for people."""

from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from marketplace.db import database_trouble
from marketplace.errors import DomainError
from marketplace.web.error_text import error_text

TITLES = {
    400: _l("请求有误"),
    401: _l("需要登录"),
    403: _l("没有权限"),
    404: _l("页面不存在"),
    405: _l("不支持的请求方式"),
    409: _l("状态冲突"),
    413: _l("上传的文件过大"),
    429: _l("请求过于频繁"),
    500: _l("服务器出错了"),
    503: _l("服务暂时不可用"),
}
RETRY_AFTER_SECONDS = 5
DATABASE_MESSAGES = {
    "busy": _l("数据库繁忙，请稍后重试；本次操作没有保存任何内容"),
    "unavailable": _l("数据库暂时不可用，请稍后重试；本次操作没有保存任何内容"),
    "unwritable": _l("数据库暂时无法写入（只读或存储空间已满），请稍后重试；本次操作没有保存任何内容"),
}


def wants_json() -> bool:
    """API paths and clients that prefer JSON get JSON errors."""
    if request.path.startswith("/api/") or request.path.startswith("/webhooks/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, message: str, code: str | None = None):
    """Render an error page or a JSON error body with this status."""
    if wants_json():
        body = {"error": {"code": code or str(status), "message": message}}
        return jsonify(body), status
    return render_template("errors/error.html", status=status, title=str(TITLES.get(status, _("出错了"))),
                           message=message), status


def _without_database() -> None:
    """Render the 503 page without touching the database again: the session rolled back, no user loading."""
    from flask import current_app, g

    from marketplace.web.db import close_db

    close_db()
    if getattr(g, "_login_user", None) is None:  # the user could not be loaded: the page shows none
        g._login_user = current_app.login_manager.anonymous_user()


def register_error_handlers(app) -> None:
    """Install the handlers on the app."""

    @app.errorhandler(CSRFError)
    def _csrf(e):
        return error_response(400, _("表单已过期或缺少安全令牌（CSRF），请刷新页面后重试"), "csrf")

    @app.errorhandler(DomainError)
    def _domain(e: DomainError):
        return error_response(e.status, error_text(e), type(e).__name__)

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException):
        default = TITLES.get(e.code or 500, e.name)
        message = e.description if e.description and not e.description.startswith(("The ", "You ")) else str(default)
        return error_response(e.code or 500, message)

    @app.errorhandler(Exception)
    def _crash(e):
        trouble = database_trouble(e)
        if trouble is not None:  # busy, no connection, read-only or disk full: the request saved nothing
            app.logger.warning("database %s: %s", trouble, e)
            _without_database()
            resp, status = error_response(503, str(DATABASE_MESSAGES[trouble]), f"database_{trouble}")
            resp = app.make_response((resp, status))
            resp.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return resp
        app.logger.exception("unhandled error")
        return error_response(500, _("服务器出错了，请稍后重试；问题已记录"))
