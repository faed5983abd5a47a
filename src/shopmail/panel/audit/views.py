"""Registro de auditoría: the audit log page, each event put into words for the viewer."""

from flask import Blueprint
from flask import render_template
from flask import request

from shopmail.core import audit
from shopmail.panel.audit.lines import line

bp = Blueprint("audit", __name__, url_prefix="/auditoria")


@bp.get("/")
def index():
    return render_template("shopmail/audit/index.html", page=audit.recent(request.args.get("page", 1, type=int)),
                           line=line)
