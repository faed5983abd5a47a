"""Getting mail out: events (signals to the layers above), statuses, compose (messages), outbox (rows written
in the caller's transaction), actions (what admins and a passed test do with them), claim (leases), recorder,
history, transport (SMTP through the sending account), worker (passes), wake and inline (no worker needed),
runner (the CLI loop).
"""
