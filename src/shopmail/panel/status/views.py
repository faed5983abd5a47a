"""Estado: the status page (the same figures as `flask shopmail status`) and the doctor's checks."""

from flask import Blueprint
from flask import render_template
from flask import request

from shopmail.panel.limits import expensive
from shopmail.services import doctor
from shopmail.services import status

bp = Blueprint("status", __name__, url_prefix="/estado")


@bp.route("/", methods=["GET", "POST"])
def index():
    checks = None
    if request.method == "POST":  # a full check tests the account: only when asked (POST + CSRF)
        with expensive():  # a real SMTP login each time: the same budget as Probar SMTP
            checks = doctor.run(test_account=True)
    return render_template("shopmail/status/index.html", status=status.status(), checks=checks)
