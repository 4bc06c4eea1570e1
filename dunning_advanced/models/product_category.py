from odoo import fields, models

from .dunning_prescription_event import PRESCRIPTION_TERMS


class ProductCategory(models.Model):
    _inherit = "product.category"

    prescription_term = fields.Selection(
        PRESCRIPTION_TERMS,
        help="Prescription of invoice lines of products in this category; it "
        "prevails over the journal's. When an invoice mixes terms, the one that "
        "ends first counts. Not inherited by sub-categories.",
    )
