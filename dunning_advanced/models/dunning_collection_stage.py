from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

CLOSING_KINDS = [
    ("paid", "Paid"),
    ("settled", "Settled"),
    ("written_off", "Written Off"),
]


class DunningCollectionStage(models.Model):
    """A step of a collection case, from the formal notice to its closing.

    Stages are data: each company renames, reorders or adds them. A closed stage
    says how the case ended (paid, settled, written off); the statuses an agency
    reports through its webhook move a case to the stage that lists them.
    """

    _name = "dunning.collection.stage"
    _description = "Collection Case Stage"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    fold = fields.Boolean(
        string="Folded in Kanban", help="Folded in the kanban view of the cases."
    )
    is_closed = fields.Boolean(
        string="Closing Stage", help="Cases in this stage are closed."
    )
    closing_kind = fields.Selection(
        CLOSING_KINDS,
        help="How a case in this closing stage ended: the case closes in the "
        "first stage of its kind when it is paid, settled or written off.",
    )
    company_id = fields.Many2one(
        "res.company", help="Only for this company; every company when empty."
    )
    agency_status_codes = fields.Char(
        string="Agency Statuses",
        help="Comma-separated statuses that lawyers and agencies send through "
        "their webhook (e.g. 'accepted,in_progress'): a case they report in one "
        "of these statuses moves to this stage.",
    )
    is_handoff = fields.Boolean(
        string="Handed Over",
        help="A case moves to this stage when its file is sent to the lawyer or "
        "agency.",
    )
    description = fields.Text(translate=True)

    @api.constrains("is_closed", "closing_kind")
    def _check_closing_kind(self):
        for stage in self:
            if stage.is_closed != bool(stage.closing_kind):
                raise ValidationError(
                    _(
                        "Stage %s: a closing stage says how the case ended (paid, "
                        "settled or written off), and only a closing stage does.",
                        stage.name,
                    )
                )

    def write(self, vals):
        # Cases take is_closed and closing_kind from their stage: a stage with
        # cases does not start or stop closing them, nor change how.
        if {"is_closed", "closing_kind"}.intersection(vals):
            changed = self.filtered(
                lambda s: s.is_closed != bool(vals.get("is_closed", s.is_closed))
                or s.closing_kind != (vals.get("closing_kind", s.closing_kind) or False)
            )
            if changed:
                used = (
                    self.env["dunning.collection.case"]
                    .sudo()
                    .search_count([("stage_id", "in", changed.ids)], limit=1)
                )
                if used:
                    raise UserError(
                        _(
                            "Collection cases are in stage %s: it cannot start or "
                            "stop closing cases, nor change how they end. Add a new "
                            "stage instead.",
                            ", ".join(changed.mapped("name")),
                        )
                    )
        return super().write(vals)

    def _agency_statuses(self):
        self.ensure_one()
        return {
            code.strip().lower()
            for code in (self.agency_status_codes or "").split(",")
            if code.strip()
        }
