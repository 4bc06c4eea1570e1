from odoo import fields, models


class PaymentTransaction(models.Model):
    """A payment started on a customer's page: when the provider confirms it,
    Odoo's own flow (account_payment) posts the payment and reconciles it with
    the invoices chosen, so dunning stops for what it paid; here it is also
    counted for the reminder whose link the customer followed."""

    _inherit = "payment.transaction"

    dunning_portal = fields.Boolean(
        string="From the Customer Page", readonly=True, copy=False
    )
    dunning_communication_id = fields.Many2one(
        "dunning.communication",
        string="Reminder",
        readonly=True,
        copy=False,
        ondelete="set null",
        index="btree_not_null",
    )

    def _post_process(self):
        """Odoo's post-processing (payment posted and reconciled), then the
        page's 'paid' event, once per transaction."""
        res = super()._post_process()
        Event = self.env["dunning.portal.event"].sudo()
        for tx in self.filtered(lambda t: t.dunning_portal and t.state == "done"):
            if Event.search_count(
                [("transaction_id", "=", tx.id), ("event", "=", "paid")]
            ):
                continue
            partner = tx.partner_id.commercial_partner_id
            company = tx.invoice_ids.company_id[:1] or tx.company_id
            Event._record(
                "paid",
                partner,
                company,
                tx.dunning_communication_id,
                amount=tx.amount,
                currency_id=tx.currency_id.id,
                transaction_id=tx.id,
            )
        return res
