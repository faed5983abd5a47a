"""Estado: the status page (the same figures as `flask shopmail status`) and the doctor's checks."""

from flask import Blueprint
from flask import render_template
from flask import request

from shopmail import doctor
from shopmail import health
from shopmail.limits import expensive

bp = Blueprint("status", __name__, url_prefix="/estado")


@bp.route("/", methods=["GET", "POST"])
def index():
    checks = None
    if request.method == "POST":  # a full check tests the account: only when asked (POST + CSRF)
        with expensive():  # a real SMTP login each time: the same budget as Probar SMTP
            checks = doctor.run(test_account=True)
    return render_template("shopmail/health/index.html", status=health.status(), checks=checks)
