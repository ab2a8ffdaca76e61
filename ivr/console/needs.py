"""The console page "What callers need": what the privacy-safe counts say, over a date range.

Four charts (``needs_charts.py``) of the totals (``needs_counts.py``), and a CSV export
(``needs_csv.py``) that gives the same totals. Small numbers must not point at a person: every
number shown, on the page and in the CSV, is rounded (``needs_rounding.py`` says how and why).

A blueprint of its own at /admin/needs (``init_app(app)``, from ``create_app``) behind the
console's login, linked from the console's navigation.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from ..counts import read_counts
from .needs_charts import charts
from .needs_counts import OUTCOMES, _, _NoTitles, _titles, language_label, outcome_names, summarize
from .needs_csv import csv_text, plain_csv
from .needs_rounding import shown

bp = Blueprint("needs", __name__, url_prefix="/admin/needs", template_folder="templates")

DEFAULT_DAYS = 30
MAX_DAYS = 366
CSP = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"


def _engine():
    db = current_app.extensions.get("db")
    if db is not None:
        return db.engine
    counts = current_app.extensions.get("counts")
    return counts.engine if counts is not None else None


def date_range() -> tuple[date, date]:
    """?start=YYYY-MM-DD&end=YYYY-MM-DD; the last 30 days by default, at most a year."""
    today = datetime.now(UTC).date()

    def parse(name: str, default: date) -> date:
        try:
            return date.fromisoformat(request.args.get(name, ""))
        except ValueError:
            return default

    end = parse("end", today)
    start = parse("start", end - timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        start, end = end, start
    return max(start, end - timedelta(days=MAX_DAYS - 1)), end


def _rows(start: date, end: date) -> list[Any]:
    counts = current_app.extensions.get("counts")
    if counts is not None:
        counts.flush()  # this worker's latest totals, so the page is up to date
    engine = _engine()
    return read_counts(engine, start, end) if engine is not None else []


@bp.before_request
def staff_only() -> Response | None:
    from .web import bad_query

    if (refused := bad_query()) is not None:
        return refused
    if not g.get("staff_user"):
        return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
    return None


@bp.after_request
def headers(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Content-Security-Policy", CSP)
    return response


@bp.get("/")
def page() -> str:
    start, end = date_range()
    pack = current_app.extensions["content"].current()
    needs = summarize(_rows(start, end), pack, start, end)
    return render_template(
        "console/needs.html",
        start=start,
        end=end,
        needs=needs,
        charts=charts(needs),
        outcome_names=outcome_names(),
        outcomes=OUTCOMES,
        shown=shown,
        situation_name=(_titles(pack) or _NoTitles()).situation,
        language_label=language_label,
        _=_,
    )


@bp.get("/counts.csv")
def export() -> Response:
    start, end = date_range()
    pack = current_app.extensions["content"].current()
    body = plain_csv(csv_text(_rows(start, end)), pack)
    name = f"what-callers-need_{start.isoformat()}_{end.isoformat()}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def init_app(app: Flask) -> None:
    """Register the page at /admin/needs (after the console, whose login it uses)."""
    if bp.name not in app.blueprints:
        app.register_blueprint(bp)


__all__ = ["bp", "init_app"]
