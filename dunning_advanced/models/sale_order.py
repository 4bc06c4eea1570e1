from odoo import api, models

# What a confirmed order's exposure hangs on.
ORDER_CREDIT_FIELDS = {"partner_id", "partner_invoice_id", "order_line"}


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "dunning.credit.document.mixin"]

    @api.model_create_multi
    def create(self, vals_list):
        orders = super().create(vals_list)
        # Created confirmed (RPC or import): the exposure already holds it.
        for order in orders.filtered(lambda o: o.state == "sale"):
            order._credit_check_order()
        return orders

    def write(self, vals):
        # Every route to a confirmed order (button, RPC, other modules) writes it.
        if vals.get("state") == "sale":
            for order in self.filtered(lambda o: o.state != "sale"):
                order._credit_check_order(order.amount_total)
        if not ORDER_CREDIT_FIELDS.intersection(vals):
            return super().write(vals)
        before = self._credit_snapshot()
        res = super().write(vals)
        self._credit_check_growth(before)
        return res

    def _credit_snapshot(self):
        """{order id: (customer, invoice address, total)} of confirmed orders."""
        return {
            order.id: (
                order.partner_id.commercial_partner_id,
                order.partner_invoice_id.commercial_partner_id,
                order.amount_total,
            )
            for order in self
            if order.state == "sale"
        }

    def _credit_check_growth(self, before):
        """A confirmed order that grew (lines added or raised) or changed its
        customer or invoice address goes through the credit check again, as at
        its confirmation: a hold is not got around after it."""
        for order in self.filtered(lambda o: o.id in before and o.state == "sale"):
            partner, invoice_partner, total = before[order.id]
            grew = order.currency_id.compare_amounts(order.amount_total, total) > 0
            if (
                grew
                or order.partner_id.commercial_partner_id != partner
                or order.partner_invoice_id.commercial_partner_id != invoice_partner
            ):
                order._credit_check_order()

    def _credit_check_order(self, extra_amount=0.0):
        """Check the order's customer and, when another, its invoice address:
        ``extra_amount`` is what the customer's exposure does not hold yet (the
        order's total before confirmation); the invoice address' exposure never
        holds the order."""
        self.ensure_one()
        customer = self.partner_id.commercial_partner_id
        customer._credit_check_document(self, extra_amount, self.currency_id)
        invoiced = self.partner_invoice_id.commercial_partner_id
        if invoiced and invoiced != customer:
            invoiced._credit_check_document(
                self, self._credit_unbilled_amount(), self.currency_id
            )

    def _credit_unbilled_amount(self):
        self.ensure_one()
        return sum(
            line.price_total
            * max(line.product_uom_qty - line.qty_invoiced, 0)
            / line.product_uom_qty
            for line in self.order_line
            if not line.display_type
            and not line.is_downpayment
            and line.product_uom_qty > 0
        )

    def _credit_pending_amount(self):
        return self.amount_total if self.state in ("draft", "sent") else 0.0
