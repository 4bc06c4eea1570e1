from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from ..models.res_company import RISK_WEIGHT_FIELDS

CREDIT_MANAGER = "dunning_advanced.group_dunning_credit_manager"
# The company's credit hold and risk score settings a credit manager owns.
CREDIT_SETTINGS = [
    "credit_hold_enforced",
    "credit_warning_percent",
    "credit_warning_overdue_days",
    "credit_hold_overdue_days",
    "credit_overdue_tolerance",
    *RISK_WEIGHT_FIELDS.values(),
    "risk_days_late_full",
    "risk_dunning_level_full",
    "risk_broken_promises_full",
    "risk_class_b_threshold",
    "risk_class_c_threshold",
    "risk_class_d_threshold",
]


class ResCompanyCreditSettings(models.TransientModel):
    """Credit hold and risk score settings of the current company, for credit
    managers: the general Settings page is for administrators only, and these
    are a credit manager's decisions. Saved together, so the company checks the
    weights (100 in all) and thresholds (rising) on the whole set."""

    _name = "res.company.credit.settings"
    _description = "Credit Hold and Risk Score Settings"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    credit_hold_enforced = fields.Boolean(string="Enforce Credit Holds")
    credit_warning_percent = fields.Float(string="Warning at % of Limit")
    credit_warning_overdue_days = fields.Integer(string="Warning After Days Overdue")
    credit_hold_overdue_days = fields.Integer(string="Hold After Days Overdue")
    credit_overdue_tolerance = fields.Monetary(string="Overdue Tolerance")
    risk_weight_days_late = fields.Integer(string="Days Late")
    risk_weight_late_share = fields.Integer(string="Share Paid Late")
    risk_weight_overdue_ratio = fields.Integer(string="Overdue Ratio")
    risk_weight_limit_usage = fields.Integer(string="Limit Usage")
    risk_weight_dunning_level = fields.Integer(string="Dunning Level")
    risk_weight_broken_promises = fields.Integer(string="Broken Promises")
    risk_weight_external_rating = fields.Integer(string="External Rating")
    risk_days_late_full = fields.Integer(string="Days Late for Full Risk")
    risk_dunning_level_full = fields.Integer(string="Dunning Level for Full Risk")
    risk_broken_promises_full = fields.Integer(string="Broken Promises for Full Risk")
    risk_class_b_threshold = fields.Float(string="Class B From Score")
    risk_class_c_threshold = fields.Float(string="Class C From Score")
    risk_class_d_threshold = fields.Float(string="Class D From Score")

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        company = self.env.company
        res.update(
            {
                fname: company.sudo()[fname]
                for fname in CREDIT_SETTINGS
                if fname in fields_list
            }
        )
        return res

    def action_save(self):
        self.ensure_one()
        self.env["res.partner"]._check_credit_manager(
            _("change the credit hold and risk score settings")
        )
        company = self.company_id
        if not self.env.su and company not in self.env.user.company_ids:
            raise AccessError(
                _("You do not work for %s: its settings are not yours.", company.name)
            )
        vals = {
            fname: self[fname]
            for fname in CREDIT_SETTINGS
            if self[fname] != company.sudo()[fname]
        }
        if vals:
            # Administrators only may write companies: the right was checked.
            company.sudo().write(vals)
            company.sudo().partner_id.message_post(
                body=_(
                    "Credit settings of %(company)s changed by %(user)s: %(fields)s",
                    company=company.name,
                    user=self.env.user.name,
                    fields=", ".join(
                        self._fields[fname]._description_string(self.env)
                        for fname in vals
                    ),
                ),
                subtype_xmlid="mail.mt_note",
                author_id=self.env.user.partner_id.id,
            )
        return {"type": "ir.actions.act_window_close"}
