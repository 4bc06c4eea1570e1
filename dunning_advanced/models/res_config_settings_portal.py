from odoo import fields, models


class ResConfigSettingsPortal(models.TransientModel):
    _inherit = "res.config.settings"

    dunning_portal_enabled = fields.Boolean(
        related="company_id.dunning_portal_enabled", readonly=False
    )
    dunning_portal_validity_days = fields.Integer(
        related="company_id.dunning_portal_validity_days", readonly=False
    )
    dunning_portal_review_days = fields.Integer(
        related="company_id.dunning_portal_review_days", readonly=False
    )
    dunning_portal_text_due = fields.Text(
        related="company_id.dunning_portal_text_due", readonly=False
    )
    dunning_portal_text_pay = fields.Text(
        related="company_id.dunning_portal_text_pay", readonly=False
    )
    dunning_portal_text_late = fields.Text(
        related="company_id.dunning_portal_text_late", readonly=False
    )
