from odoo import api, models

# What a line's share of its order's total hangs on.
LINE_AMOUNT_FIELDS = {
    "order_id",
    "product_id",
    "product_uom_qty",
    "product_uom",
    "price_unit",
    "discount",
    "tax_id",
}


class SaleOrderLine(models.Model):
    """Lines added to or raised on a confirmed order go through its credit
    check again (see sale.order._credit_check_growth)."""

    _inherit = "sale.order.line"

    @api.model_create_multi
    def create(self, vals_list):
        orders = self.env["sale.order"].browse(
            {vals["order_id"] for vals in vals_list if vals.get("order_id")}
        )
        before = orders._credit_snapshot()
        lines = super().create(vals_list)
        if before:
            orders._credit_check_growth(before)
        return lines

    def write(self, vals):
        if not LINE_AMOUNT_FIELDS.intersection(vals):
            return super().write(vals)
        orders = self.order_id
        before = orders._credit_snapshot()
        res = super().write(vals)
        if before:
            (orders | self.order_id)._credit_check_growth(before)
        return res
