import base64

from odoo import fields, models


class DunningCollectionCaseJudgement(models.TransientModel):
    """Record the final judgement of a collection case (art. 2945 c. 2 and
    2953 c.c.): the day it became final, the day the claim was served, the
    document."""

    _name = "dunning.collection.case.judgement"
    _description = "Record a Final Judgement"

    case_id = fields.Many2one("dunning.collection.case", required=True)
    final_on = fields.Date(
        string="Final On",
        required=True,
        help="The day the judgement became final (passata in giudicato), or the "
        "payment order could no longer be opposed.",
    )
    served_on = fields.Date(
        string="Claim Served On",
        required=True,
        help="The day the claim or the payment order was served on the debtor: "
        "it interrupted the prescription (art. 2943 c.c.).",
    )
    reference = fields.Char(
        help="Court, number and date, e.g. Trib. Milano n. 123/2026."
    )
    document = fields.Binary(string="Judgement", required=True)
    document_name = fields.Char()

    def action_confirm(self):
        self.ensure_one()
        content = base64.b64decode(self.with_context(bin_size=False).document or b"")
        self.case_id._record_judgement(
            self.final_on,
            self.served_on,
            self.reference,
            self.document_name,
            content,
        )
        return {"type": "ir.actions.act_window_close"}
