from odoo import _, api, models
from odoo.exceptions import AccessError


class DunningControlledFieldsMixin(models.AbstractModel):
    """Fields that only the record's own actions change.

    States, amounts derived from accounting, links to the entries an action
    posted: a view's ``readonly`` does not stop an RPC ``write``, and a context
    key can be sent by any caller. So a model lists such fields in
    ``_dunning_controlled_fields``; a user may not create a record with another
    value than the default nor write them. The action that changes them checks
    the user's right first, then calls :meth:`_write_controlled`, which is the
    one place that writes them (as superuser, the check being done).
    """

    _name = "dunning.controlled.fields.mixin"
    _description = "Fields Changed Only by Actions"

    _dunning_controlled_fields = ()

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and self._dunning_controlled_fields:
            controlled = set(self._dunning_controlled_fields)
            defaults = self.default_get(list(controlled))
            for vals in vals_list:
                for fname in controlled.intersection(vals):
                    default = defaults.get(fname)
                    if vals[fname] != default and (vals[fname] or default):
                        self._raise_controlled(fname)
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            for fname in set(self._dunning_controlled_fields).intersection(vals):
                self._raise_controlled(fname)
        return super().write(vals)

    def _raise_controlled(self, fname):
        field = self._fields[fname]
        raise AccessError(
            _(
                "%(field)s of %(model)s is set by its actions (buttons) only, "
                "never written directly.",
                field=field._description_string(self.env),
                model=self._description,
            )
        )

    def _write_controlled(self, vals):
        """Write controlled fields; the caller has checked the user's right."""
        return self.sudo().write(vals)
