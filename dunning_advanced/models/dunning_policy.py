from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib.dunning_levels import validate_levels


class DunningPolicy(models.Model):
    """An escalation path: ordered levels, for some risk classes or by default.

    The policy of a customer is, in this order: the one set on the customer,
    the one covering its risk class, the company's default policy.
    """

    _name = "dunning.policy"
    _description = "Dunning Policy"
    _inherit = ["mail.thread"]
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    is_default = fields.Boolean(
        string="Default Policy",
        tracking=True,
        help="Used for customers without a policy of their own nor one for their "
        "risk class.",
    )
    risk_class_ids = fields.Many2many(
        "dunning.risk.class",
        string="For Risk Classes",
        help="Customers of these risk classes follow this policy, unless one is "
        "set on the customer.",
    )
    level_ids = fields.One2many(
        "dunning.level", "policy_id", string="Levels", copy=True
    )
    level_count = fields.Integer(compute="_compute_level_count")
    note = fields.Html()

    @api.depends("level_ids")
    def _compute_level_count(self):
        for policy in self:
            policy.level_count = len(policy.level_ids)

    @api.constrains("is_default", "company_id", "active")
    def _check_one_default(self):
        for policy in self.filtered(lambda p: p.is_default and p.active):
            others = self.search_count(
                [
                    ("company_id", "=", policy.company_id.id),
                    ("is_default", "=", True),
                    ("id", "!=", policy.id),
                ]
            )
            if others:
                raise ValidationError(
                    _(
                        "%(company)s already has a default dunning policy: untick "
                        "Default Policy on the other one first.",
                        company=policy.company_id.name,
                    )
                )

    @api.constrains("risk_class_ids", "company_id", "active")
    def _check_risk_classes_once(self):
        for policy in self.filtered(lambda p: p.risk_class_ids and p.active):
            clash = self.search(
                [
                    ("company_id", "=", policy.company_id.id),
                    ("risk_class_ids", "in", policy.risk_class_ids.ids),
                    ("id", "!=", policy.id),
                ],
                limit=1,
            )
            if clash:
                classes = ", ".join(
                    (clash.risk_class_ids & policy.risk_class_ids).mapped("code")
                )
                raise ValidationError(
                    _(
                        "Risk class %(classes)s already follows policy %(policy)s: a "
                        "class can follow one policy per company.",
                        classes=classes,
                        policy=clash.name,
                    )
                )

    @api.constrains("level_ids")
    def _check_levels(self):
        for policy in self:
            try:
                validate_levels(policy.level_ids._rules())
            except ValueError as error:
                raise ValidationError(
                    _("Policy %(policy)s: %(error)s", policy=policy.name, error=error)
                ) from error

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used_by_reminders(self):
        # The levels go with the policy (cascade), past their own check.
        self.level_ids._unlink_except_used_by_reminders()

    @api.model
    def _ensure_default_policies(self, companies=None):
        """Give every company without a policy a copy of the standard one."""
        standard = self.env.ref(
            "dunning_advanced.dunning_policy_standard", raise_if_not_found=False
        )
        # A company may be created by a user without dunning rights.
        standard = standard and standard.sudo()
        if not standard:
            return
        companies = companies or self.env["res.company"].sudo().search([])  # pylint: disable=no-search-all
        with_policy = (
            self.sudo()
            .with_context(active_test=False)
            .search([("company_id", "in", companies.ids)])
            .company_id
        )
        for company in companies - with_policy:
            standard.copy({"company_id": company.id, "name": standard.name})

    @api.model
    def _policies_for(self, partners, company):
        """{commercial partner id: policy} in ``company``; one query per kind."""
        partners = partners.commercial_partner_id.with_company(company)
        policies = self.search([("company_id", "=", company.id)])
        default = policies.filtered("is_default")[:1]
        by_class = {
            risk_class.code: policy
            for policy in policies
            for risk_class in policy.risk_class_ids
        }
        classes = {
            profile.partner_id.id: profile.risk_class
            for profile in self.env["dunning.credit.profile"]
            .sudo()
            .search(
                [("partner_id", "in", partners.ids), ("company_id", "=", company.id)]
            )
        }
        result = {}
        for partner in partners.sudo():
            result[partner.id] = (
                partner.dunning_policy_id
                or by_class.get(classes.get(partner.id))
                or default
            )
        return result

    @api.model
    def _translate_standard_copies(self, langs, overwrite=False):
        """Give the companies' copies of the standard policy the translations
        just loaded on the standard policy and its levels.

        A copy made before a language was installed holds only the English texts,
        so an Italian customer would get English level names and letter texts.
        Only texts the company left as shipped (same English text as the standard)
        are translated: a company's own wording is never replaced.
        """
        standard = self.env.ref(
            "dunning_advanced.dunning_policy_standard", raise_if_not_found=False
        )
        langs = [lang for lang in langs if lang != "en_US"]
        if not standard or not langs:
            return
        standard = standard.sudo().with_context(active_test=False, lang="en_US")
        copies = (
            self.sudo()
            .with_context(active_test=False, lang="en_US")
            .search([("id", "!=", standard.id)])
        )
        levels_by_name = {level.name: level for level in standard.level_ids}
        pairs = [(standard, policy) for policy in copies] + [
            (levels_by_name[level.name], level)
            for level in copies.level_ids
            if level.name in levels_by_name
        ]
        for source, copy in pairs:
            fields_ = [
                name for name, field in source._fields.items() if field.translate
            ]
            for lang in langs:
                translations = {}
                for fname in fields_:
                    english = source[fname]
                    if not english or copy[fname] != english:
                        continue  # the company wrote its own text
                    translated = source.with_context(lang=lang)[fname]
                    current = copy.with_context(lang=lang)[fname]
                    if translated != current and (overwrite or current == english):
                        translations[fname] = translated
                for fname, value in translations.items():
                    copy.update_field_translations(fname, {lang: value})
