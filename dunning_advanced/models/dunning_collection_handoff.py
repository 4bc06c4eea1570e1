from odoo import fields, models

HANDOFF_CHANNELS = [("email", "Email"), ("rest", "REST API")]


class DunningCollectionHandoff(models.Model):
    """One sending of a case file to a lawyer or an agency: who, when, what.

    The record of what personal data left the company (GDPR art. 5(2),
    accountability): the checksum identifies the exact file that was sent.
    """

    _name = "dunning.collection.handoff"
    _description = "Collection Case Handoff"
    _order = "date desc, id desc"

    case_id = fields.Many2one(
        "dunning.collection.case", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="case_id.company_id", store=True)
    agency_id = fields.Many2one("res.partner", string="Sent To", required=True)
    user_id = fields.Many2one("res.users", string="Sent By", required=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    channel = fields.Selection(HANDOFF_CHANNELS, required=True)
    state = fields.Selection(
        [("done", "Sent"), ("failed", "Failed")], required=True, default="done"
    )
    file_name = fields.Char()
    checksum = fields.Char(string="SHA-256 of the Case File")
    agency_case_id = fields.Char(string="Agency's Case Id")
    message = fields.Text()
