from odoo import models


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "dunning.credit.document.mixin"]

    def write(self, vals):
        # _post() and every other route to a posted move write the state; Odoo
        # refuses to create a move already posted. Customer invoices only:
        # credit notes lower the exposure.
        if vals.get("state") == "posted":
            for move in self.filtered(
                lambda m: m.move_type == "out_invoice" and m.state != "posted"
            ):
                move.partner_id._credit_check_document(move)
        return super().write(vals)
