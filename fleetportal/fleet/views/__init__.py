"""The fleet pages (F-20..F-30): the SIM overview and its bulk pages, the add-SIM wizard, the
Manage SIM page, and the employee's own line. Views parse forms and call the fleet actions and
selectors; no rule lives here."""
