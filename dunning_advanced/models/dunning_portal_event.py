from datetime import timedelta

from odoo import api, fields, models

EVENTS = [
    ("opened", "Page Opened"),
    ("pay_started", "Payment Started"),
    ("paid", "Paid Online"),
    ("paid_reported", "Reported Paid"),
    ("promise", "Promise Asked"),
    ("dispute", "Dispute Opened"),
    ("plan", "Plan Asked"),
]
REQUEST_EVENTS = {
    "paid": "paid_reported",
    "promise": "promise",
    "dispute": "dispute",
    "plan": "plan",
}


class DunningPortalEvent(models.Model):
    """What a customer did on its page, for the collectors and the
    effectiveness figures: page opened, payment started and paid, promise,
    dispute or plan asked. Recorded on the reminder whose link was followed
    (none for a portal user or a statement link) and on the customer."""

    _name = "dunning.portal.event"
    _description = "Customer Page Activity"
    _order = "id desc"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True
    )
    communication_id = fields.Many2one(
        "dunning.communication",
        string="Reminder",
        readonly=True,
        index="btree_not_null",
        ondelete="cascade",
    )
    event = fields.Selection(EVENTS, required=True, readonly=True, index=True)
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount = fields.Monetary(readonly=True)
    request_id = fields.Many2one(
        "dunning.portal.request", string="Request", readonly=True, ondelete="set null"
    )
    transaction_id = fields.Many2one(
        "payment.transaction", string="Transaction", readonly=True, ondelete="set null"
    )

    @api.model
    def _record(self, event, partner, company, communication=None, **vals):
        """Note what the customer did (as superuser: the page has no user).
        Writes only this event."""
        communication = communication and communication.exists()
        if communication and (
            communication.partner_id.commercial_partner_id != partner
            or communication.company_id != company
        ):
            communication = None  # a link of another customer's reminder: none
        return self.sudo().create(
            {
                "event": event,
                "partner_id": partner.id,
                "company_id": company.id,
                "communication_id": communication.id if communication else False,
                **vals,
            }
        )

    @api.model
    def _record_open(self, partner, company, communication=None):
        """The page was opened: one event per reminder (or customer) and hour,
        so that reloading does not inflate the figures."""
        since = fields.Datetime.now() - timedelta(hours=1)
        communication = communication and communication.exists()
        recent = self.sudo().search_count(
            [
                ("event", "=", "opened"),
                ("partner_id", "=", partner.id),
                ("company_id", "=", company.id),
                ("communication_id", "=", communication.id if communication else False),
                ("date", ">=", since),
            ],
            limit=1,
        )
        if not recent:
            self._record("opened", partner, company, communication)
