from odoo import _, fields, models
from odoo.exceptions import UserError


class ResPartnerWorklist(models.Model):
    """What a collector does from the worklist or the customer form: log a call,
    set the customer aside, record a promise, open a dispute."""

    _inherit = "res.partner"

    def action_dunning_log_call(self):
        self.ensure_one()
        return self._dunning_contact_wizard(
            "res.partner.dunning.call", _("Log a Call with %s")
        )

    def action_dunning_snooze(self):
        self.ensure_one()
        return self._dunning_contact_wizard(
            "res.partner.dunning.snooze", _("Snooze %s")
        )

    def _dunning_contact_wizard(self, model, title):
        self.env["dunning.contact"]._check_dunning_user()
        partner = self.commercial_partner_id
        return {
            "type": "ir.actions.act_window",
            "name": title % partner.display_name,
            "res_model": model,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_partner_id": partner.id,
                "default_company_id": self.env.company.id,
            },
        }

    def action_dunning_new_promise(self):
        """A promise to pay on the customer's overdue invoices, in a dialog."""
        self.ensure_one()
        invoices = self._dunning_overdue_invoices(self.env.company)
        if not invoices:
            raise UserError(
                _("%s has no overdue invoice to promise.", self.display_name)
            )
        action = invoices._dunning_new_arrangement(
            "dunning.promise", _("Promise to Pay")
        )
        action["target"] = "new"
        return action

    def action_dunning_new_dispute(self):
        """A dispute on the customer's oldest overdue invoice (it can be
        changed in the dialog)."""
        self.ensure_one()
        invoices = self._dunning_overdue_invoices(self.env.company)
        if not invoices:
            raise UserError(
                _("%s has no overdue invoice to dispute.", self.display_name)
            )
        return invoices[:1].action_open_dispute()

    def _dunning_overdue_invoices(self, company):
        """Posted customer invoices of this customer due before today and not
        paid, the oldest first."""
        return self.env["account.move"].search(
            [
                ("company_id", "=", company.id),
                ("commercial_partner_id", "=", self.commercial_partner_id.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("invoice_date_due", "<", fields.Date.context_today(self)),
            ],
            order="invoice_date_due, id",
        )
