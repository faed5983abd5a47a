"""One page of a query: the one paginator of the panel and the CLI (templates: ``shopmail/_pager.html``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy import select

from shopmail.core.state import session


@dataclass(frozen=True)
class Page:
    """``items`` of page ``page`` (1-based) of ``pages``; ``total`` rows in all."""

    items: list
    page: int
    pages: int
    total: int


def paginate(query, page: int, per_page: int) -> Page:
    """Page ``page`` of ``query`` (already ordered), clamped to the pages there are; two queries."""
    total = session().scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    items = session().scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(list(items), page, pages, total)
