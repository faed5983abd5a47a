"""Before a worker pass sends anything: may mail leave now, and through which account.

Simulation first (the lock, or the switch as saved now): everything that would leave stays on the server.
Then the sending account, or the Cuenta de respaldo standing in for it (``failover``); with neither usable,
waiting mail is held.
"""

from __future__ import annotations

from shopmail.core import settings
from shopmail.core.state import session
from shopmail.delivery import actions
from shopmail.delivery import claim
from shopmail.delivery import failover
from shopmail.delivery import notes


def simulation_note() -> notes.Note | None:
    """Why mail may not leave at this instant (the lock, or the switch as saved now); None when it may.

    The one rule of simulation, applied by the worker right before it connects, on every path (new, held,
    resumed, retried, released mail alike). Starts a fresh transaction so the saved switch is current.
    """
    session().commit()
    if actions.simulation_locked():
        return notes.Note(notes.SIMULATION_LOCK)
    if settings.simulating_now():
        return notes.Note(notes.SIMULATION)
    return None


def open_gate(report, owner: str, batch: int, lease: float, only, ignore_flag: bool):
    """The sending account when mail may go now; None otherwise (after holding or simulating)."""
    note = simulation_note()
    if note is not None:
        # Everything that would leave now stays on the server instead: due mail and held mail alike.
        report.simulated += actions.simulate_held(note)
        session().commit()
        while ids := claim.claim(owner, batch, lease, ids=only):
            report.simulated += claim.simulate(ids, owner, note)
        return None
    snap = settings.get()
    account = settings.sending_account(snap)
    if account is None:
        report.held += actions.hold_waiting(None, notes.Note(notes.NO_ACCOUNT))
        session().commit()
        return None
    # The test mail tries the sending account itself; other mail may go through the Cuenta de respaldo.
    choice = failover.Choice(account, False) if ignore_flag else failover.choose(account, settings.backup_account(snap))
    if choice.account.held_reason and not ignore_flag:
        report.held += actions.hold_waiting(account.id, notes.account_held(account.held_reason, account.held_detail))
        session().commit()
        return None
    if not choice.account.held_reason and actions.release_held():
        session().commit()
    failover.announce(account, choice)
    return choice.account
