"""Every command's dialog is built from the turn's person's view (bot/turn/commands.py scoped_needs): none
holds the unscoped backend or desk, which only the watcher, notice delivery and /api/notify keep."""

from __future__ import annotations

from pathlib import Path

from botbuilder.dialogs import ComponentDialog, Dialog

from bot.turn.assembly import build_notifications
from bot.turn.commands import COMMANDS, scoped_needs
from services.access.scoped import ScopedBackend, ScopedDesk
from services.backends.demo.backend import DATA_DIR
from services.backends.demo.service_requests import DemoServiceRequests
from services.storage.sqlite_database import SqliteDatabase
from services.stores import open_sqlite_stores
from tests.support.harness import DEMO_NOW, demo_backend


def _held(dialog: Dialog) -> list[object]:
    """What a dialog holds directly, and what its inner dialogs hold."""
    found = list(vars(dialog).values())
    if isinstance(dialog, ComponentDialog):
        for inner in dialog._dialogs._dialogs.values():
            found += _held(inner)
    return found


def test_no_command_dialog_holds_the_unscoped_backend_or_desk() -> None:
    backend = demo_backend()
    database = SqliteDatabase(Path(":memory:"))
    desk = DemoServiceRequests.open(database, DATA_DIR, lambda: DEMO_NOW)
    stores = open_sqlite_stores(database, "test")
    audit = stores.audit
    # The notices' own parts hold the unscoped backend, as they should: no dialog may reach it through them.
    notifications = build_notifications(stores, backend, lambda: DEMO_NOW, lambda: None)
    needs = scoped_needs(backend, desk, lambda: DEMO_NOW, audit, notifications, language=None)
    assert isinstance(needs.backend, ScopedBackend) and isinstance(needs.desk, ScopedDesk)
    for command in COMMANDS:
        held = _held(command.build(needs))
        assert not [h for h in held if h is backend or h is desk], command.name
