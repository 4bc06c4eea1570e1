from odoo import fields, models
from odoo.tools import SQL


class DunningCollectionWebhookEvent(models.Model):
    """A status update received from a lawyer or agency, by its event id.

    Each event is applied once: the webhook records the id before acting, and a
    second delivery of the same id (a replay within the signature's freshness
    window, or a retry) is refused and changes nothing. Also the record of what
    each agency reported and what it did to the case.
    """

    _name = "dunning.collection.webhook.event"
    _description = "Collection Agency Status Update"
    _order = "id desc"
    _rec_name = "event_id"

    agency_id = fields.Many2one(
        "res.partner", string="Agency", required=True, readonly=True, index=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    event_id = fields.Char(string="Event Id", required=True, readonly=True)
    case_id = fields.Many2one(
        "dunning.collection.case", string="Case", readonly=True, ondelete="set null"
    )
    status = fields.Char(readonly=True)
    outcome = fields.Selection(
        [
            ("applied", "Applied"),
            ("unchanged", "Already in That Stage"),
            ("proposed", "Proposed to a Credit Manager"),
            ("refused", "Refused"),
        ],
        readonly=True,
    )
    message = fields.Text(readonly=True)
    date = fields.Datetime(string="Received On", readonly=True)

    _sql_constraints = [
        (
            "agency_event_uniq",
            "unique(agency_id, company_id, event_id)",
            "An agency's event is received once per company.",
        ),
    ]

    def _claim(self, agency, company, event_id):
        """The new event record, or an empty recordset when this agency's
        event was received before. One statement, so two deliveries at the
        same moment cannot both claim it (and no duplicate key is logged)."""
        rows = self.env.execute_query(
            SQL(
                """
            INSERT INTO dunning_collection_webhook_event
                   (agency_id, company_id, event_id, date,
                    create_uid, create_date, write_uid, write_date)
            VALUES (%(agency)s, %(company)s, %(event)s, NOW() AT TIME ZONE 'UTC',
                    %(uid)s, NOW() AT TIME ZONE 'UTC',
                    %(uid)s, NOW() AT TIME ZONE 'UTC')
            ON CONFLICT (agency_id, company_id, event_id) DO NOTHING
         RETURNING id
                """,
                agency=agency.id,
                company=company.id,
                event=event_id,
                uid=self.env.uid,
            )
        )
        return self.browse([row[0] for row in rows])
