from odoo import _, api, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

# Columns of every table the ORM fills itself.
LOG_ACCESS = ("create_uid", "create_date", "write_uid", "write_date")
# Field types :meth:`_insert_rows` writes as they are given.
PLAIN_TYPES = {
    "boolean",
    "char",
    "date",
    "datetime",
    "float",
    "integer",
    "many2one",
    "monetary",
    "selection",
    "text",
}


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

    @api.model
    def _insert_rows(self, vals_list, covered=()):
        """Create records from complete values in one INSERT: the engine's
        thousands of drafts a run makes, where the ORM's ``create`` would spend
        most of the run on per-record work (defaults, conversions, related and
        computed fields, followers) for values the caller already has.

        ``vals_list`` give plain column values (ids, not records) and every
        stored computed field the caller knows; the others are computed by the
        ORM after the insert, and fields left out get their default, evaluated
        once for all the rows. No chatter side effect: no message, no follower.
        A stored field of an existing record computed from these rows (through
        a list of its own) must be written by the caller and named in
        ``covered``: any other is refused, so that a new dependency cannot
        leave a stale value behind.
        Only for the engine as superuser, the user's right checked before.
        """
        if not self.env.su:
            raise AccessError(_("Only the dunning engine creates these records."))
        if not vals_list:
            return self.browse()
        fields_ = self._fields
        given = set().union(*vals_list)
        columns = [
            name
            for name, field in fields_.items()
            if field.store
            and field.column_type
            and name != "id"
            and name not in LOG_ACCESS
        ]
        wrong = [
            name
            for name in given
            if name not in columns
            or fields_[name].type not in PLAIN_TYPES
            or fields_[name].translate
        ]
        if wrong:
            raise ValueError(f"{self._name}: cannot insert {sorted(wrong)}")
        # Existing records reach new rows only through a list of their own (the
        # inverse of a many2one given here): what they compute from it must be
        # given, by the caller, on them.
        stale = set()
        for name in given:
            tree = self.pool.get_trigger_tree([fields_[name]])
            for key, subtree in tree.items():
                if key.type == "one2many":
                    stale.update(
                        str(field)
                        for node in subtree.depth_first()
                        for field in node.root
                        if field.store and str(field) not in covered
                    )
        if stale:
            raise ValueError(f"{self._name}: rows would leave {sorted(stale)} stale")
        missing = [name for name in columns if name not in given]
        defaults = self.default_get([n for n in missing if not fields_[n].compute])
        names = [n for n in columns if n in given or n in defaults]
        # The rows may point at records still in the cache only.
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT nextval(%s) FROM generate_series(1, %s)",
                f"{self._table}_id_seq",
                len(vals_list),
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        now = self.env.cr.now()
        uid = self.env.uid
        # One array per column: one statement, whatever the number of rows.
        arrays = [SQL("%s::int4[]", ids)]
        for name in names:
            field = fields_[name]
            default = defaults.get(name, False)
            values = [vals.get(name, default) for vals in vals_list]
            if field.type != "boolean":
                values = [None if value is False else value for value in values]
            array_type = SQL(f"{field.column_type[0]}[]")  # a type from the field
            arrays.append(SQL("%s::%s", values, array_type))
        self.env.cr.execute(
            SQL(
                "INSERT INTO %s (id, %s, %s) SELECT *, %s, %s, %s, %s FROM unnest(%s)",
                SQL.identifier(self._table),
                SQL(", ").join(SQL.identifier(name) for name in names),
                SQL(", ").join(SQL.identifier(name) for name in LOG_ACCESS),
                uid,
                now,
                uid,
                now,
                SQL(", ").join(arrays),
            )
        )
        records = self.browse(ids)
        for name in missing:
            if fields_[name].compute and fields_[name].store:
                self.env.add_to_compute(fields_[name], records)
        # The parents' lists (one2many) in the cache do not hold the new rows.
        for name in names:
            for inverse in self.pool.field_inverses[fields_[name]]:
                self.env[inverse.model_name].invalidate_model([inverse.name])
        return records
