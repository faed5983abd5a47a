"""Estado: the status page (the same figures as `flask shopmail status`) and the doctor's checks."""

from flask import Blueprint
from flask import render_template
from flask import request

from . import doctor
from . import health

bp = Blueprint("status", __name__, url_prefix="/estado")


@bp.route("/", methods=["GET", "POST"])
def index():
    checks = None
    if request.method == "POST":  # a full check tests the account: only when asked (POST + CSRF)
        checks = doctor.run(test_account=True)
    return render_template("shopmail/health/index.html", status=health.status(), checks=checks)
