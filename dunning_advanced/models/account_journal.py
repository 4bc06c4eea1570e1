from odoo import fields, models

from .dunning_prescription_event import PRESCRIPTION_TERMS


class AccountJournal(models.Model):
    _inherit = "account.journal"

    prescription_term = fields.Selection(
        PRESCRIPTION_TERMS,
        help="Prescription of the customer invoices of this journal, unless the "
        "product category of a line says otherwise. Empty: ordinary, 10 years.",
    )
