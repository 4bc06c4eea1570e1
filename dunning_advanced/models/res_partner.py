from markupsafe import Markup

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, format_amount

from ..lib.late_interest import KIND_B2B, KIND_LEGAL
from .dunning_credit_profile import HOLD_STATES, RISK_CLASSES

CREDIT_GROUPS = "account.group_account_invoice,account.group_account_readonly"
CREDIT_MANAGER = "dunning_advanced.group_dunning_credit_manager"
DUNNING_USER = "dunning_advanced.group_dunning_user"
# Fields only a credit manager sets, when the partner is created or later: the
# limit, what stops reminders or where a formal notice goes, what raises or
# lowers the risk score, and where a case file and its API token are sent.
# Each change is noted in the partner's chatter (secrets without their value).
CREDIT_MANAGER_FIELDS = {
    "credit_limit",
    "credit_limit_currency_id",
    "use_partner_credit_limit",
    "dunning_excluded",
    "dunning_excluded_until",
    "dunning_exclusion_reason",
    "dunning_pec_email",
    "risk_external_rating",
    "risk_external_rating_date",
    "risk_external_rating_source",
    "collection_agency_kind",
    "collection_handoff_channel",
    "collection_endpoint_url",
    "collection_api_token",
    "collection_webhook_secret",
}
# The email of a lawyer or agency receives case files: theirs too.
AGENCY_CONTACT_FIELDS = {"email"}
SECRET_FIELDS = {"collection_api_token", "collection_webhook_secret"}
# What changes the commercial entity a contact belongs to, hence its holds.
COMMERCIAL_FIELDS = {"parent_id", "is_company"}

# Who the debtor is for D.Lgs. 231/2002 art. 2: a business (companies, sole
# traders and professionals alike) or a public administration owes the B2B
# rate and the 40 EUR; a consumer the legal rate of art. 1284 c.c.
DEBTOR_TYPES = [
    ("business", "Business"),
    ("consumer", "Consumer"),
    ("public_admin", "Public Administration"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    credit_limit_currency_id = fields.Many2one(
        "res.currency",
        string="Credit Limit Currency",
        company_dependent=True,
        groups=CREDIT_GROUPS,
        help="Currency of the credit limit; the company currency when empty. "
        "Exposure is converted into it at today's rate.",
    )
    credit_currency_id = fields.Many2one(
        "res.currency", compute="_compute_credit_exposure", groups=CREDIT_GROUPS
    )
    credit_profile_ids = fields.One2many(
        "dunning.credit.profile", "partner_id", string="Credit Profiles"
    )
    credit_hold_state = fields.Selection(
        HOLD_STATES,
        string="Credit Hold",
        compute="_compute_credit_hold_state",
        search="_search_credit_hold_state",
        help="Credit status in the current company, computed now. Lists and "
        "filters use the state stored at the last check or daily run.",
    )
    credit_hold_reason = fields.Text(
        string="Credit Hold Reasons", compute="_compute_credit_hold_state"
    )
    credit_receivable = fields.Monetary(
        string="Open Receivables",
        compute="_compute_credit_exposure",
        currency_field="credit_currency_id",
        groups=CREDIT_GROUPS,
    )
    credit_overdue = fields.Monetary(
        string="Of Which Overdue",
        compute="_compute_credit_exposure",
        search="_search_credit_overdue",
        currency_field="credit_currency_id",
        groups=CREDIT_GROUPS,
    )
    credit_draft_invoiced = fields.Monetary(
        string="Draft Invoices",
        compute="_compute_credit_exposure",
        currency_field="credit_currency_id",
        groups=CREDIT_GROUPS,
    )
    credit_sale_unbilled = fields.Monetary(
        string="Unbilled Sale Orders",
        compute="_compute_credit_exposure",
        currency_field="credit_currency_id",
        groups=CREDIT_GROUPS,
    )
    credit_exposure = fields.Monetary(
        string="Credit Exposure",
        compute="_compute_credit_exposure",
        search="_search_credit_exposure",
        currency_field="credit_currency_id",
        groups=CREDIT_GROUPS,
    )
    credit_available = fields.Monetary(
        string="Available Credit",
        compute="_compute_credit_exposure",
        currency_field="credit_currency_id",
        groups=CREDIT_GROUPS,
    )
    credit_max_days_overdue = fields.Integer(
        string="Days Overdue (Oldest)",
        compute="_compute_credit_exposure",
        groups=CREDIT_GROUPS,
    )
    risk_score = fields.Float(
        compute="_compute_risk", search="_search_risk_score", digits=(5, 2)
    )
    risk_class = fields.Selection(
        RISK_CLASSES, compute="_compute_risk", search="_search_risk_class"
    )
    risk_date = fields.Date(string="Risk Scored On", compute="_compute_risk")
    risk_explanation = fields.Html(compute="_compute_risk", sanitize=False)
    risk_external_rating = fields.Integer(
        string="External Rating",
        help="Rating from a credit agency, 0 (best) to 100 (worst). Used in the "
        "risk score when a rating date is set.",
    )
    risk_external_rating_date = fields.Date(string="External Rating Date")
    risk_external_rating_source = fields.Char(string="Rating Agency")
    risk_external_rating_text = fields.Char(
        string="External Rating (0-100)",
        compute="_compute_risk_external_rating_text",
        inverse="_inverse_risk_external_rating_text",
        help="Rating from a credit agency, 0 (best) to 100 (worst); empty when "
        "there is none (an empty rating is not 0, the best).",
    )

    # Dunning
    dunning_policy_id = fields.Many2one(
        "dunning.policy",
        string="Dunning Policy",
        company_dependent=True,
        help="Overrides the policy of the customer's risk class and the company's "
        "default policy.",
    )
    dunning_excluded = fields.Boolean(
        string="No Dunning",
        help="No reminder is sent to this customer (until the end date, if set).",
    )
    dunning_excluded_until = fields.Date(string="No Dunning Until")
    dunning_exclusion_reason = fields.Char(string="Reason for No Dunning")
    dunning_collector_id = fields.Many2one(
        "res.users",
        string="Collector",
        help="Who calls this customer about overdue invoices; its salesperson "
        "when empty.",
    )
    dunning_pec_email = fields.Char(
        string="PEC for Formal Notices",
        help="Certified email (PEC) address that formal notices are sent to.",
    )
    dunning_communication_ids = fields.One2many(
        "dunning.communication", "partner_id", string="Reminders"
    )
    dunning_micro_enterprise = fields.Boolean(
        string="Micro-Enterprise",
        help="Fewer than 10 people and up to 2 million EUR of turnover or balance "
        "sheet (Recommendation 2003/361/EC): like consumers and professionals, its "
        "electricity, gas and water bills prescribe in 2 years (Legge 205/2017).",
    )
    dunning_communication_count = fields.Integer(
        compute="_compute_dunning_communication_count", string="Reminders Sent"
    )
    dunning_debtor_type = fields.Selection(
        DEBTOR_TYPES,
        string="Debtor Type",
        compute="_compute_dunning_debtor_type",
        recursive=True,
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        help="Business (also a sole trader or professional) or public "
        "administration: late-payment interest at the ECB rate + 8 points and "
        "40 EUR per late invoice (D.Lgs. 231/2002). Consumer: the legal rate "
        "(art. 1284 c.c.), no compensation, 2-year prescription of utility bills. "
        "Proposed from the VAT number, the fiscal code and the PA office code; "
        "change it when the proposal is wrong.",
    )

    @api.depends("risk_external_rating", "risk_external_rating_date")
    def _compute_risk_external_rating_text(self):
        for partner in self:
            partner.risk_external_rating_text = (
                str(partner.risk_external_rating)
                if partner.risk_external_rating_date
                else False
            )

    def _inverse_risk_external_rating_text(self):
        """A rating typed in is dated today unless dated already; emptied, the
        rating and its date go."""
        for partner in self:
            text = (partner.risk_external_rating_text or "").strip()
            if not text:
                partner.write(
                    {"risk_external_rating": 0, "risk_external_rating_date": False}
                )
                continue
            if not text.isdigit() or not 0 <= int(text) <= 100:
                raise ValidationError(
                    _(
                        "The external rating of %(partner)s must be a whole number "
                        "from 0 (best) to 100 (worst), not %(value)s.",
                        partner=partner.display_name,
                        value=text,
                    )
                )
            partner.write(
                {
                    "risk_external_rating": int(text),
                    "risk_external_rating_date": partner.risk_external_rating_date
                    or fields.Date.context_today(partner),
                }
            )

    def _dunning_debtor_type_depends(self):
        names = ["is_company", "vat", "parent_id.dunning_debtor_type"]
        # The Italian e-invoicing localization's fiscal code and PA office code.
        names += [
            name
            for name in ("l10n_it_codice_fiscale", "l10n_it_pa_index")
            if name in self._fields
        ]
        return names

    @api.depends(lambda self: self._dunning_debtor_type_depends())
    def _compute_dunning_debtor_type(self):
        """The proposal: a PA office code (6 characters, "codice univoco
        ufficio" of IPA) makes a public administration; a VAT number a business;
        only a personal fiscal code (16 characters) a consumer; else a company
        is a business and a person a consumer. A contact follows its company."""
        for partner in self:
            if partner.parent_id and not partner.is_company:
                partner.dunning_debtor_type = (
                    partner.parent_id.dunning_debtor_type or "business"
                )
                continue
            pa_index = (
                (partner["l10n_it_pa_index"] or "").strip()
                if ("l10n_it_pa_index" in partner._fields)
                else ""
            )
            fiscal_code = (
                (partner["l10n_it_codice_fiscale"] or "").strip()
                if "l10n_it_codice_fiscale" in partner._fields
                else ""
            )
            if len(pa_index) == 6:
                partner.dunning_debtor_type = "public_admin"
            elif partner.vat:
                partner.dunning_debtor_type = "business"
            elif len(fiscal_code) == 16:
                partner.dunning_debtor_type = "consumer"
            elif partner.is_company or fiscal_code:
                partner.dunning_debtor_type = "business"
            else:
                partner.dunning_debtor_type = "consumer"

    @api.model
    def _commercial_fields(self):
        return [*super()._commercial_fields(), "dunning_debtor_type"]

    def _dunning_interest_kind(self):
        """The statutory interest of this debtor (its commercial partner):
        ``KIND_B2B`` (D.Lgs. 231/2002, ECB + 8 points and 40 EUR) for a
        business or a public administration, ``KIND_LEGAL`` (art. 1284 c.c.)
        for a consumer."""
        self.ensure_one()
        debtor_type = self.commercial_partner_id.dunning_debtor_type
        return KIND_LEGAL if debtor_type == "consumer" else KIND_B2B

    dunning_is_credit_manager = fields.Boolean(
        compute="_compute_dunning_is_credit_manager",
        help="The user may change the credit fields (views make them read-only "
        "for others; the server refuses their changes).",
    )

    @api.depends_context("uid")
    def _compute_dunning_is_credit_manager(self):
        self.dunning_is_credit_manager = self.env.user.has_group(CREDIT_MANAGER)

    @api.depends_context("company")
    @api.depends("credit_profile_ids.hold_state", "credit_profile_ids.manual_hold")
    def _compute_credit_hold_state(self):
        company = self.env.company
        partners = self.filtered("id")
        (self - partners).update(
            {"credit_hold_state": "none", "credit_hold_reason": False}
        )
        if not partners:
            return
        Profile = self.env["dunning.credit.profile"].sudo()
        exposures = Profile._get_exposure(partners.sudo(), company)
        profiles = {
            p.partner_id.id: p
            for p in Profile.search(
                [
                    ("partner_id", "in", partners.commercial_partner_id.ids),
                    ("company_id", "=", company.id),
                ]
            )
        }
        for partner in partners:
            commercial = partner.commercial_partner_id
            profile = profiles.get(commercial.id) or Profile.new(
                {"partner_id": commercial.id, "company_id": company.id}
            )
            state, reasons = profile._evaluate_hold(exposures[commercial.id])
            partner.credit_hold_state = state
            partner.credit_hold_reason = reasons or False

    @api.depends_context("company")
    def _compute_credit_exposure(self):
        partners = self.filtered("id")
        exposures = (
            self.env["dunning.credit.profile"]
            .sudo()
            ._get_exposure(partners.sudo(), self.env.company)
        )
        for partner in self:
            exposure = exposures.get(partner.commercial_partner_id.id)
            if not exposure:
                partner.update(
                    {
                        "credit_currency_id": self.env.company.currency_id,
                        "credit_receivable": 0.0,
                        "credit_overdue": 0.0,
                        "credit_draft_invoiced": 0.0,
                        "credit_sale_unbilled": 0.0,
                        "credit_exposure": 0.0,
                        "credit_available": 0.0,
                        "credit_max_days_overdue": 0,
                    }
                )
                continue
            partner.update(
                {
                    "credit_currency_id": exposure.currency,
                    "credit_receivable": exposure.receivable,
                    "credit_overdue": exposure.overdue,
                    "credit_draft_invoiced": exposure.draft_invoices,
                    "credit_sale_unbilled": exposure.sale_unbilled,
                    "credit_exposure": exposure.total,
                    "credit_available": exposure.available if exposure.limit else 0.0,
                    "credit_max_days_overdue": exposure.max_days_overdue,
                }
            )

    @api.depends_context("company")
    @api.depends("credit_profile_ids.risk_score")
    def _compute_risk(self):
        profiles = self._current_credit_profiles()
        for partner in self:
            profile = profiles.get(partner.commercial_partner_id.id)
            partner.risk_score = profile.risk_score if profile else 0.0
            partner.risk_class = profile.risk_class if profile else False
            partner.risk_date = profile.risk_date if profile else False
            partner.risk_explanation = profile.risk_explanation if profile else False

    def _current_credit_profiles(self):
        profiles = (
            self.env["dunning.credit.profile"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", self.commercial_partner_id.ids),
                    ("company_id", "=", self.env.company.id),
                ]
            )
        )
        return {profile.partner_id.id: profile for profile in profiles}

    def _search_credit_hold_state(self, operator, value):
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(_("Credit hold can only be searched by state."))
        values = value if isinstance(value, list | tuple) else [value]
        positive = operator in ("=", "in")
        states = set(values) if positive else {s for s, _l in HOLD_STATES} - set(values)
        domain = [
            (
                "commercial_partner_id.credit_profile_ids",
                "any",
                [
                    ("company_id", "=", self.env.company.id),
                    ("hold_state", "in", list(states - {"none"})),
                ],
            )
        ]
        if "none" in states:
            domain = [
                "|",
                *domain,
                (
                    "commercial_partner_id.credit_profile_ids",
                    "not any",
                    [
                        ("company_id", "=", self.env.company.id),
                        ("hold_state", "!=", "none"),
                    ],
                ),
            ]
        return domain

    def _search_risk_class(self, operator, value):
        return [
            (
                "commercial_partner_id.credit_profile_ids",
                "any",
                [
                    ("company_id", "=", self.env.company.id),
                    ("risk_class", operator, value),
                ],
            )
        ]

    def _search_risk_score(self, operator, value):
        return [
            (
                "commercial_partner_id.credit_profile_ids",
                "any",
                [
                    ("company_id", "=", self.env.company.id),
                    ("risk_score", operator, value),
                ],
            )
        ]

    def _search_credit_exposure(self, operator, value):
        return self._search_credit_amount("total", operator, value)

    def _search_credit_overdue(self, operator, value):
        return self._search_credit_amount("overdue", operator, value)

    def _search_credit_amount(self, attribute, operator, value):
        """Live search: only customers with open items can have a non-zero amount."""
        compare = {
            "=": lambda a: a == value,
            "!=": lambda a: a != value,
            "<": lambda a: a < value,
            "<=": lambda a: a <= value,
            ">": lambda a: a > value,
            ">=": lambda a: a >= value,
        }.get(operator)
        if compare is None or not isinstance(value, int | float):
            raise UserError(_("Credit amounts can only be compared with a number."))
        company = self.env.company
        Profile = self.env["dunning.credit.profile"].sudo()
        active = self.browse(self._credit_active_partner_ids(company))
        exposures = Profile._get_exposure(active, company)
        matching = [
            pid
            for pid, exposure in exposures.items()
            if compare(getattr(exposure, attribute))
        ]
        domain = [("commercial_partner_id", "in", matching)]
        if compare(0.0):
            domain = ["|", *domain, ("commercial_partner_id", "not in", active.ids)]
        return domain

    @api.model
    def _credit_active_partner_ids(self, company):
        """Commercial partners with open receivables, draft invoices or orders."""
        company_ids = self.env["dunning.credit.profile"]._credit_company_ids(company)
        rows = self.env["dunning.credit.profile"]._credit_query(
            SQL(
                """
            SELECT DISTINCT COALESCE(p.commercial_partner_id, p.id)
              FROM account_move_line l
              JOIN account_account a ON a.id = l.account_id
              JOIN res_partner p ON p.id = l.partner_id
             WHERE l.company_id = ANY(%(c)s) AND a.account_type = 'asset_receivable'
               AND l.parent_state = 'posted' AND NOT l.reconciled
             UNION
            SELECT COALESCE(p.commercial_partner_id, p.id)
              FROM account_move m JOIN res_partner p ON p.id = m.partner_id
             WHERE m.company_id = ANY(%(c)s) AND m.state = 'draft'
               AND m.move_type IN ('out_invoice', 'out_refund')
             UNION
            SELECT COALESCE(p.commercial_partner_id, p.id)
              FROM sale_order so JOIN res_partner p ON p.id = so.partner_id
             WHERE so.company_id = ANY(%(c)s) AND so.state = 'sale'
                """,
                c=company_ids,
            )
        )
        return [row[0] for row in rows]

    dunning_dispute_count = fields.Integer(
        compute="_compute_dunning_arrangement_counts",
        string="Open Disputes",
        groups="dunning_advanced.group_dunning_user",
    )
    dunning_promise_count = fields.Integer(
        compute="_compute_dunning_arrangement_counts",
        string="Open Promises",
        groups="dunning_advanced.group_dunning_user",
    )
    dunning_plan_count = fields.Integer(
        compute="_compute_dunning_arrangement_counts",
        string="Active Plans",
        groups="dunning_advanced.group_dunning_user",
    )

    @api.depends_context("company")
    def _compute_dunning_arrangement_counts(self):
        commercial = self.commercial_partner_id
        counts = {}
        for field, model, state in (
            ("dunning_dispute_count", "dunning.dispute", "open"),
            ("dunning_promise_count", "dunning.promise", "open"),
            ("dunning_plan_count", "dunning.instalment.plan", "active"),
        ):
            groups = self.env[model]._read_group(
                [("partner_id", "in", commercial.ids), ("state", "=", state)],
                ["partner_id"],
                ["__count"],
            )
            counts[field] = {partner.id: count for partner, count in groups}
        for partner in self:
            for field, by_partner in counts.items():
                partner[field] = by_partner.get(partner.commercial_partner_id.id, 0)

    def action_view_dunning_disputes(self):
        return self._dunning_arrangement_action(
            "dunning_advanced.dunning_dispute_action"
        )

    def action_view_dunning_promises(self):
        return self._dunning_arrangement_action(
            "dunning_advanced.dunning_promise_action"
        )

    def action_view_dunning_plans(self):
        return self._dunning_arrangement_action(
            "dunning_advanced.dunning_instalment_plan_action"
        )

    def _dunning_arrangement_action(self, xmlid):
        self.ensure_one()
        commercial = self.commercial_partner_id
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = [("partner_id", "=", commercial.id)]
        action["context"] = {"default_partner_id": commercial.id}
        return action

    @api.depends_context("company")
    def _compute_dunning_communication_count(self):
        groups = self.env["dunning.communication"]._read_group(
            [
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("state", "in", ("pending", "sent", "delivery_failed")),
                ("company_id", "=", self.env.company.id),
            ],
            ["partner_id"],
            ["__count"],
        )
        counts = {partner.id: count for partner, count in groups}
        for partner in self:
            partner.dunning_communication_count = counts.get(
                partner.commercial_partner_id.id, 0
            )

    @api.constrains("dunning_excluded", "dunning_exclusion_reason")
    def _check_dunning_exclusion(self):
        for partner in self:
            if partner.dunning_excluded and not partner.dunning_exclusion_reason:
                raise ValidationError(
                    _("Say why %s gets no reminders: fill in the reason.", partner.name)
                )

    def _dunning_responsible(self, company):
        """Who follows this customer's collections in ``company``: its collector,
        its salesperson, the user at work, or, under a scheduled action (run as
        OdooBot), the company's first credit manager."""
        partner = self.commercial_partner_id
        user = self.env.user
        if user.id == SUPERUSER_ID or user.share:
            user = company._dunning_credit_manager() or user
        return partner.dunning_collector_id or partner.user_id or user

    def _dunning_pec(self):
        """The customer's PEC address: the one set for formal notices, else
        the Italian localization's own (``l10n_it_pec_email``, l10n_it_edi)."""
        partner = self.commercial_partner_id.sudo()
        if partner.dunning_pec_email:
            return partner.dunning_pec_email
        if "l10n_it_pec_email" in partner._fields:
            return partner.l10n_it_pec_email or False
        return False

    def _dunning_email_to(self, level):
        """(address, by PEC) of a reminder: a formal notice goes to the PEC
        address when the customer has one."""
        self.ensure_one()
        pec = level.is_formal_notice and self._dunning_pec()
        if pec:
            return pec, True
        partner = self.commercial_partner_id
        return self.email or partner.email or False, False

    def action_view_dunning_communications(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "dunning_advanced.dunning_communication_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"search_default_sent": 1}
        return action

    @api.constrains("credit_limit")
    def _check_credit_limit(self):
        for partner in self:
            if partner.sudo().credit_limit < 0:
                raise ValidationError(
                    _(
                        "The credit limit of %s cannot be negative. Enter 0 for no "
                        "limit, or a positive amount.",
                        partner.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and not self.env.user.has_group(CREDIT_MANAGER):
            names = set().union(*vals_list) & CREDIT_MANAGER_FIELDS
            defaults = self.default_get(list(names)) if names else {}
            for vals in vals_list:
                changed = [
                    fname
                    for fname in names.intersection(vals)
                    if vals[fname] and vals[fname] != defaults.get(fname)
                ]
                if changed:
                    self._check_credit_manager(self._dunning_fields_text(changed))
        partners = super().create(vals_list)
        for partner, vals in zip(partners, vals_list, strict=True):
            changed = [
                fname
                for fname in CREDIT_MANAGER_FIELDS.intersection(vals)
                if vals[fname]
            ]
            if changed:
                partner._dunning_note_changes(changed, {})
        return partners

    def write(self, vals):
        sensitive = CREDIT_MANAGER_FIELDS.intersection(vals)
        if AGENCY_CONTACT_FIELDS.intersection(vals) and any(
            self.mapped("collection_agency_kind")
        ):
            sensitive |= AGENCY_CONTACT_FIELDS.intersection(vals)
        if sensitive:
            self._check_credit_manager(self._dunning_fields_text(sensitive))
        before = {}
        if sensitive:
            before = {
                partner.id: {
                    fname: partner.sudo()[fname] for fname in sensitive - SECRET_FIELDS
                }
                for partner in self
            }
        held = {}
        left = self.browse()
        if COMMERCIAL_FIELDS.intersection(vals):
            held = self._dunning_holds_to_carry()
            left = self.commercial_partner_id
        res = super().write(vals)
        if left:
            # The customer a contact leaves keeps no trace of its invoices:
            # score it again (the new one sees the contact's write date).
            self.env["dunning.credit.profile"]._mark_risk_stale(left)
        if sensitive:
            for partner in self:
                partner._dunning_note_changes(sensitive, before[partner.id])
        if held:
            self._dunning_carry_holds(held)
        return res

    def _dunning_fields_text(self, fnames):
        labels = sorted(
            self._fields[fname]._description_string(self.env) for fname in fnames
        )
        return _("change %s", ", ".join(labels))

    def _dunning_note_changes(self, fnames, before):
        """A chatter note of what a credit manager changed, old and new values,
        in which company (for the company-dependent ones); secrets are only said
        to have changed."""
        self.ensure_one()
        partner = self.sudo()
        lines = []
        for fname in sorted(fnames):
            field = self._fields[fname]
            label = field._description_string(self.env)
            if fname in SECRET_FIELDS:
                text = _("%s changed", label)
            else:
                old = partner._dunning_value_text(fname, before.get(fname))
                new = partner._dunning_value_text(fname, partner[fname])
                text = _("%(field)s: %(old)s → %(new)s", field=label, old=old, new=new)
            if field.company_dependent:
                text = _(
                    "%(change)s (in %(company)s)",
                    change=text,
                    company=self.env.company.name,
                )
            lines.append(text)
        body = Markup("<p>%s</p><ul>%s</ul>") % (
            _("Changed by %s:", self.env.user.name),
            Markup().join(Markup("<li>%s</li>") % line for line in lines),
        )
        partner.message_post(
            body=body,
            subtype_xmlid="mail.mt_note",
            author_id=self.env.user.partner_id.id,
        )

    def _dunning_value_text(self, fname, value):
        field = self._fields[fname]
        if value is None or value is False or value == "":
            if field.type == "boolean":
                return _("No")
            return "-"
        if field.type == "boolean":
            return _("Yes") if value else _("No")
        if field.type == "many2one":
            return value.display_name
        if field.type == "selection":
            return dict(field._description_selection(self.env)).get(value, value)
        return str(value)

    def _dunning_holds_to_carry(self):
        """{partner id: (old commercial partner, [(company, reasons)])}: the
        holds of each partner's commercial entity, before it changes."""
        Profile = self.env["dunning.credit.profile"].sudo()
        result = {}
        commercials = self.sudo().commercial_partner_id
        profiles = Profile.search([("partner_id", "in", commercials.ids)])
        for company, company_profiles in profiles.grouped("company_id").items():
            Company = Profile.with_company(company)
            exposures = Company._get_exposure(company_profiles.partner_id, company)
            for profile in company_profiles.with_company(company):
                state, reasons = profile._evaluate_hold(
                    exposures[profile.partner_id.id]
                )
                if state != "hold":
                    continue
                for partner in self.filtered(
                    lambda p, c=profile.partner_id: p.commercial_partner_id == c
                ):
                    entry = result.setdefault(partner.id, (profile.partner_id, []))
                    entry[1].append((company, reasons))
        return result

    def _dunning_carry_holds(self, held):
        """A customer on hold stays on hold when it moves under another company
        (or becomes one): the new commercial entity is put on hold in the same
        companies, with the audit log entry and a chatter note."""
        Profile = self.env["dunning.credit.profile"].sudo()
        for partner in self.sudo():
            old, holds = held.get(partner.id, (None, []))
            new = partner.commercial_partner_id
            if not holds or new == old:
                continue
            for company, reasons in holds:
                profile = Profile.with_company(company)._get_or_create(new, company)
                if profile.manual_hold:
                    continue
                reason = _(
                    "%(partner)s was on credit hold in %(company)s when it moved "
                    "under %(new)s: the hold follows it. %(reasons)s",
                    partner=partner.display_name,
                    company=company.name,
                    new=new.display_name,
                    reasons=reasons,
                )
                profile.write(
                    {
                        "manual_hold": True,
                        "manual_hold_reason": reason,
                        "release_until": False,
                        "release_reason": False,
                    }
                )
                self.env["dunning.credit.override"].sudo().create(
                    {
                        "override_type": "hold",
                        "partner_id": new.id,
                        "company_id": company.id,
                        "user_id": self.env.user.id,
                        "reason": reason,
                    }
                )
                new.message_post(
                    body=reason,
                    subtype_xmlid="mail.mt_note",
                    author_id=self.env.user.partner_id.id,
                )
                profile._refresh_hold()

    def _check_credit_manager(self, what):
        """Raise AccessError unless the user is a credit manager (or superuser)."""
        if not self.env.su and not self.env.user.has_group(CREDIT_MANAGER):
            raise AccessError(
                _(
                    "Only a Credit Manager can %(what)s (user: %(user)s).",
                    what=what,
                    user=self.env.user.name,
                )
            )

    def _check_dunning_user(self, what):
        """Raise AccessError unless the user is a Dunning User (or superuser)."""
        if not self.env.su and not self.env.user.has_group(DUNNING_USER):
            raise AccessError(
                _(
                    "Only a Dunning User can %(what)s (user: %(user)s).",
                    what=what,
                    user=self.env.user.name,
                )
            )

    def _get_credit_limit_currency(self):
        """Currency of the credit limit in the current company."""
        self.ensure_one()
        return self.sudo().credit_limit_currency_id or self.env.company.currency_id

    # ------------------------------------------------------------------
    # Credit check of documents
    # ------------------------------------------------------------------

    def _credit_check_document(self, document, extra_amount=0.0, currency=None):
        """Raise UserError when ``document`` may not go on for this customer.

        ``extra_amount`` (in ``currency``) is the part of the document that the
        exposure does not hold yet: a sale order's total before confirmation.
        A credit manager's approval of the document lets it through.
        """
        self.ensure_one()
        company = document.company_id
        if not company.credit_hold_enforced:
            return
        # Documents the system makes for the dunning itself (fee and interest
        # invoices): only honoured as superuser, which RPC cannot be.
        if self.env.su and self.env.context.get("dunning_credit_check_bypass"):
            return
        commercial = self.commercial_partner_id.sudo().with_company(company)
        Profile = self.env["dunning.credit.profile"].sudo().with_company(company)
        profile = Profile._get_or_create(commercial, company)
        exposure = Profile._get_exposure(commercial, company)[commercial.id]
        extra = 0.0
        if extra_amount and currency:
            today = company._dunning_today()
            extra = currency._convert(extra_amount, exposure.currency, company, today)
        state, reasons = profile._evaluate_hold(exposure, extra_amount=extra)
        profile._refresh_hold({commercial.id: exposure})
        if state != "hold" or document._credit_approval_covers(commercial):
            return
        money = exposure.currency

        def amount(value):
            return format_amount(self.env, value, money)

        # One exposure figure: the one the hold was judged on, this document
        # included (the reasons above quote the same).
        figures = _(
            "Exposure with this document: %(exposure)s; credit limit %(limit)s.",
            exposure=amount(exposure.total + extra),
            limit=amount(exposure.limit) if exposure.limit else _("none"),
        )
        if extra:
            figures += " " + _("This document adds %s.", amount(extra))
        raise UserError(
            _(
                "%(document)s cannot go on: %(partner)s is on credit hold in "
                "%(company)s.\n"
                "%(reasons)s\n%(figures)s\n"
                "A credit manager can release the hold or approve this document.",
                document=document.display_name,
                partner=commercial.display_name,
                company=company.name,
                reasons=reasons,
                figures=figures,
            )
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_credit_hold(self):
        self.ensure_one()
        return self._credit_hold_wizard("hold")

    def action_credit_release(self):
        self.ensure_one()
        return self._credit_hold_wizard("release")

    def _credit_hold_wizard(self, action):
        self._check_credit_manager(_("put a customer on hold or release it"))
        return {
            "type": "ir.actions.act_window",
            "name": _("Put on Credit Hold")
            if action == "hold"
            else _("Release Credit Hold"),
            "res_model": "res.partner.credit.hold",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_partner_id": self.commercial_partner_id.id,
                "default_action": action,
            },
        }

    def action_compute_risk_score(self):
        self.env["dunning.credit.profile"]._check_dunning_user()
        profiles = (
            self.env["dunning.credit.profile"]
            .sudo()
            ._get_or_create(self.commercial_partner_id, self.env.company)
        )
        profiles.with_env(self.env).action_compute_risk_score()
        return True

    def action_view_credit_items(self):
        """The customer's open items: due date, days late, level reached and
        dispute of each invoice, credit note and unapplied payment."""
        self.ensure_one()
        return self.env["dunning.aged.receivable"]._action_open(partner=self)

    def action_view_prescription_events(self):
        self.ensure_one()
        return self.env["dunning.prescription.event"]._action_open(self)


class ResPartnerCollection(models.Model):
    """Lawyers and collection agencies that collection cases are handed to."""

    _inherit = "res.partner"

    collection_agency_kind = fields.Selection(
        [("lawyer", "Lawyer"), ("agency", "Collection Agency")],
        string="Collects Credits As",
        help="Set for a lawyer or agency that collection cases can be handed to.",
    )
    collection_handoff_channel = fields.Selection(
        [("email", "Email"), ("rest", "REST API")],
        string="Handoff Channel",
        default="email",
        help="How case files reach them: an email with the ZIP, or their API.",
    )
    # Per company: each company has its own contract, account and keys with the
    # agency; a credit manager of one company neither reads nor changes those
    # of another.
    collection_endpoint_url = fields.Char(
        string="API Endpoint",
        company_dependent=True,
        groups=CREDIT_MANAGER,
        help="Base URL of their API (https), e.g. https://api.agency.example/v1; "
        "cases are posted to <URL>/cases.",
    )
    collection_api_token = fields.Char(
        string="API Token", company_dependent=True, groups=CREDIT_MANAGER, copy=False
    )
    collection_webhook_secret = fields.Char(
        string="Webhook Secret",
        company_dependent=True,
        groups=CREDIT_MANAGER,
        copy=False,
        help="Shared secret of the HMAC-SHA256 signature of their status updates.",
    )
    collection_fee_terms = fields.Text(string="Fee Terms")
    collection_fee_percent = fields.Float(string="Fee (% of Collected)", digits=(5, 2))
    collection_case_count = fields.Integer(
        compute="_compute_collection_case_count",
        groups="dunning_advanced.group_dunning_user",
    )

    @api.depends_context("company")
    def _compute_collection_case_count(self):
        groups = self.env["dunning.collection.case"]._read_group(
            [("partner_id", "in", self.commercial_partner_id.ids)],
            ["partner_id"],
            ["__count"],
        )
        counts = {partner.id: count for partner, count in groups}
        for partner in self:
            partner.collection_case_count = counts.get(
                partner.commercial_partner_id.id, 0
            )

    def action_view_collection_cases(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "dunning_advanced.dunning_collection_case_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def action_open_collection_case(self):
        """Open a case by hand on the customer's open invoices (wizard)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Open a Collection Case"),
            "res_model": "dunning.collection.case.open",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.commercial_partner_id.id},
        }

    def action_export_collection_cases(self):
        """Every collection case of the customer as JSON (data subject request)."""
        self.ensure_one()
        if not self.env.user.has_group(CREDIT_MANAGER):
            raise AccessError(_("Only Credit Managers can export collection cases."))
        attachment = self.env["dunning.collection.case"]._export_partner_cases(self)
        self.commercial_partner_id.sudo().message_post(
            body=_(
                "Collection cases exported by %s (request of the data subject).",
                self.env.user.name,
            ),
            subtype_xmlid="mail.mt_note",
            author_id=self.env.user.partner_id.id,
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }
