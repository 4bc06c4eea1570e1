from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date

# Automatic holds only warn until the release date: a credit manager looks at
# the customer again within half a year.
MAX_RELEASE_DAYS = 180


class ResPartnerCreditHold(models.TransientModel):
    """A credit manager puts a customer on hold or releases it, with a reason."""

    _name = "res.partner.credit.hold"
    _description = "Put on or Release Credit Hold"
    _check_company_auto = True

    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    action = fields.Selection(
        [("hold", "Put on Hold"), ("release", "Release Hold")], required=True
    )
    reason = fields.Text(required=True)
    release_until = fields.Date(
        string="Automatic Holds Suspended Until",
        default=lambda self: fields.Date.context_today(self) + relativedelta(days=30),
        help="Until this date, exposure over the limit and overdue invoices only "
        "warn. Manual and dunning holds are lifted now.",
    )
    current_state = fields.Selection(related="partner_id.credit_hold_state")
    current_reason = fields.Text(related="partner_id.credit_hold_reason")

    @api.constrains("release_until", "action")
    def _check_release_until(self):
        today = fields.Date.context_today(self)
        latest = today + relativedelta(days=MAX_RELEASE_DAYS)
        for wizard in self:
            if wizard.action != "release":
                continue
            if not wizard.release_until or wizard.release_until < today:
                raise ValidationError(_("Choose a release date from today on."))
            if wizard.release_until > latest:
                raise ValidationError(
                    _(
                        "A hold is released for %(days)s days at most (until "
                        "%(latest)s): release it again then, or raise the credit "
                        "limit.",
                        days=MAX_RELEASE_DAYS,
                        latest=format_date(self.env, latest),
                    )
                )

    def action_confirm(self):
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        partner._check_credit_manager(_("put a customer on hold or release it"))
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(_("Say why: the reason is kept in the audit log."))
        Profile = (
            self.env["dunning.credit.profile"].sudo().with_company(self.company_id)
        )
        profile = Profile._get_or_create(partner, self.company_id)
        if self.action == "hold":
            profile.write(
                {
                    "manual_hold": True,
                    "manual_hold_reason": reason,
                    "release_until": False,
                    "release_reason": False,
                }
            )
            body = _(
                "Put on credit hold in %(company)s by %(user)s: %(reason)s",
                company=self.company_id.name,
                user=self.env.user.name,
                reason=reason,
            )
        else:
            profile.write(
                {
                    "manual_hold": False,
                    "manual_hold_reason": False,
                    "dunning_hold": False,
                    "dunning_hold_reason": False,
                    "release_until": self.release_until,
                    "release_reason": reason,
                }
            )
            body = _(
                "Credit hold released in %(company)s by %(user)s until %(date)s: "
                "%(reason)s",
                company=self.company_id.name,
                user=self.env.user.name,
                date=self.release_until,
                reason=reason,
            )
        self.env["dunning.credit.override"].sudo().create(
            {
                "override_type": self.action,
                "partner_id": partner.id,
                "company_id": self.company_id.id,
                "user_id": self.env.user.id,
                "reason": reason,
                "release_until": self.release_until
                if self.action == "release"
                else False,
            }
        )
        partner.sudo().message_post(
            body=body,
            subtype_xmlid="mail.mt_note",
            author_id=self.env.user.partner_id.id,
        )
        profile._refresh_hold()
        return {"type": "ir.actions.act_window_close"}
