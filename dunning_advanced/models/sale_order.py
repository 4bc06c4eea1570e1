from odoo import api, models


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "dunning.credit.document.mixin"]

    @api.model_create_multi
    def create(self, vals_list):
        orders = super().create(vals_list)
        # Created confirmed (RPC or import): the exposure already holds it.
        for order in orders.filtered(lambda o: o.state == "sale"):
            order.partner_id._credit_check_document(order)
        return orders

    def write(self, vals):
        # Every route to a confirmed order (button, RPC, other modules) writes it.
        if vals.get("state") == "sale":
            for order in self.filtered(lambda o: o.state != "sale"):
                order.partner_id._credit_check_document(
                    order, order.amount_total, order.currency_id
                )
        return super().write(vals)

    def _credit_pending_amount(self):
        return self.amount_total if self.state in ("draft", "sent") else 0.0
