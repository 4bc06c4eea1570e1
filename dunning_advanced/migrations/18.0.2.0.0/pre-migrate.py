"""18.0.2.0.0: the customer-level engine.

Reminders now list every open item of the customer, each in a section, and only
the lines they *claim* count as levels reached, once the reminder went out. The
reminders and per-invoice history of the previous engine were all claims of
overdue invoices: they keep their meaning, filled here in SQL before the ORM
would compute the new columns one record at a time. Drafts of the previous
engine (previews never sent) are cancelled: a new preview shows the customer's
one message.
"""

from odoo.tools import SQL, sql


def migrate(cr, version):
    if not version:
        return
    fill_reminder_lines(cr)
    fill_reminders(cr)
    cancel_old_drafts(cr)


def _add(cr, table, column, kind, value):
    """Create ``column`` filled with ``value`` (an existing one is left)."""
    if sql.column_exists(cr, table, column):
        return
    sql.create_column(cr, table, column, kind)
    cr.execute(
        SQL(
            "UPDATE %s SET %s = %s",
            SQL.identifier(table),
            SQL.identifier(column),
            value,
        )
    )


def fill_reminder_lines(cr):
    table = "dunning_communication_line"
    _add(cr, table, "section", "varchar", "overdue")
    _add(cr, table, "claimed", "boolean", True)
    _add(
        cr,
        table,
        "level_reached",
        "boolean",
        SQL("state = 'sent' AND COALESCE(include, TRUE) AND claimed"),
    )
    # The old partial index (any state but cancelled) would refuse a preview
    # of a level already previewed; the new one holds only levels reached.
    cr.execute(SQL("DROP INDEX IF EXISTS dunning_communication_line_uniq"))


def fill_reminders(cr):
    table = "dunning_communication"
    for column in (
        "amount_not_due",
        "amount_credit",
        "amount_disputed",
        "amount_paused",
    ):
        _add(cr, table, column, "numeric", 0)
    _add(cr, table, "amount_owed", "numeric", SQL.identifier("amount_total"))
    _add(cr, table, "is_simulation", "boolean", False)
    _add(cr, table, "via_pec", "boolean", False)


def cancel_old_drafts(cr):
    cr.execute(
        SQL(
            """
        UPDATE dunning_communication
           SET state = 'cancelled',
               note = 'Draft of the previous dunning engine: start a new run to '
                      'preview the customer''s one message.'
         WHERE state = 'draft'
        """
        )
    )
    cr.execute(
        SQL(
            """
        UPDATE dunning_communication_line l
           SET state = c.state, level_reached = FALSE
          FROM dunning_communication c
         WHERE c.id = l.communication_id AND c.state = 'cancelled'
        """
        )
    )
