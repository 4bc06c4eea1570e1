from datetime import timedelta

from odoo import _, fields, models
from odoo.exceptions import UserError


class ResPartnerDunningSnooze(models.TransientModel):
    """Set a customer aside until a day: it leaves the worklist until then."""

    _name = "res.partner.dunning.snooze"
    _description = "Snooze a Customer on the Worklist"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    snooze_until = fields.Date(
        string="Until",
        required=True,
        default=lambda self: fields.Date.context_today(self) + timedelta(days=7),
    )
    note = fields.Text(required=True, help="Why, for whoever opens the customer.")

    def action_confirm(self):
        self.ensure_one()
        Contact = self.env["dunning.contact"]
        Contact._check_dunning_user()
        today = fields.Date.context_today(self)
        if self.snooze_until <= today:
            raise UserError(_("Snooze until a day after today."))
        note = (self.note or "").strip()
        if not note:
            raise UserError(_("Say why the customer can wait."))
        partner = self.partner_id.commercial_partner_id
        Contact.create(
            {
                "partner_id": partner.id,
                "company_id": self.company_id.id,
                "kind": "snooze",
                "snooze_until": self.snooze_until,
                "note": note,
            }
        )
        partner.sudo().message_post(
            body=_(
                "Off the collections worklist until %(date)s: %(note)s",
                date=fields.Date.to_string(self.snooze_until),
                note=note,
            ),
            subtype_xmlid="mail.mt_note",
            author_id=self.env.user.partner_id.id,
        )
        if self.env.context.get("dunning_worklist_return"):
            return self.env["dunning.worklist"].action_open_today()
        return {"type": "ir.actions.act_window_close"}
