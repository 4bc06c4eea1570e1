from odoo import fields, models

from .dunning_run import ENABLED_PARAM


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # Not a ``config_parameter`` field: an unticked box would delete the
    # parameter, and a missing parameter means "on" (the bridge's default).
    dunning_queue_enabled = fields.Boolean(
        string="Scheduled Dunning on the Job Queue",
        help="The daily run queues its customers in chunks on the dunning "
        "channel, shared by the job queue's workers; off, the scheduled action "
        "works through them itself.",
    )

    def get_values(self):
        res = super().get_values()
        res["dunning_queue_enabled"] = self.env["dunning.run"]._dunning_queue_enabled()
        return res

    def set_values(self):
        res = super().set_values()
        # Settings are saved by administrators only (res.config.settings
        # access); the check stays here as this writes a system parameter.
        if self.env.user.has_group("base.group_system"):
            self.env["ir.config_parameter"].sudo().set_param(
                ENABLED_PARAM, str(bool(self.dunning_queue_enabled))
            )
        return res
