from decimal import Decimal

import pytz
from stdnum import iban
from stdnum.exceptions import ValidationError as StdnumValidationError

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib.credit_hold import HoldSettings
from ..lib.epc_qr import epc_qr_payload
from ..lib.gpd_client import ENVIRONMENTS as GPD_ENVIRONMENTS
from ..lib.gpd_client import GpdClient
from ..lib.pagopa import validate_creditor_fiscal_code
from ..lib.risk_score import RiskPolicy, RiskScale, RiskThresholds, RiskWeights
from ..lib.sepa_sdd import (
    PAIN_008_001_02,
    PAIN_008_001_08,
    validate_creditor_identifier,
)

RISK_WEIGHT_FIELDS = {
    "days_late": "risk_weight_days_late",
    "late_share": "risk_weight_late_share",
    "overdue_ratio": "risk_weight_overdue_ratio",
    "limit_usage": "risk_weight_limit_usage",
    "dunning_level": "risk_weight_dunning_level",
    "broken_promises": "risk_weight_broken_promises",
    "external_rating": "risk_weight_external_rating",
}


class ResCompany(models.Model):
    _inherit = "res.company"

    # Credit holds
    credit_hold_enforced = fields.Boolean(
        string="Enforce Credit Holds",
        default=True,
        help="Block confirming sale orders and posting customer invoices of "
        "customers on credit hold.",
    )
    credit_warning_percent = fields.Float(
        string="Warning at % of Limit",
        default=90.0,
        help="A customer whose exposure exceeds this share of its credit limit "
        "gets a warning. 0 disables the warning.",
    )
    credit_warning_overdue_days = fields.Integer(
        string="Warning After Days Overdue",
        default=15,
        help="A customer with an invoice overdue by more days than this gets a "
        "warning. 0 disables it.",
    )
    credit_overdue_tolerance = fields.Monetary(
        string="Overdue Tolerance",
        currency_field="currency_id",
        default=5.0,
        help="Open items of this amount or less (in company currency) do not count "
        "when looking for the oldest overdue invoice: a few cents left by a "
        "payment do not put a customer on hold.",
    )
    credit_hold_overdue_days = fields.Integer(
        string="Hold After Days Overdue",
        default=60,
        help="A customer with an invoice overdue by more days than this is put on "
        "hold. 0 disables it.",
    )

    # Risk score: weights add up to 100
    risk_weight_days_late = fields.Integer(string="Weight: Days Late", default=25)
    risk_weight_late_share = fields.Integer(
        string="Weight: Share Paid Late", default=20
    )
    risk_weight_overdue_ratio = fields.Integer(
        string="Weight: Overdue Ratio", default=20
    )
    risk_weight_limit_usage = fields.Integer(string="Weight: Limit Usage", default=10)
    risk_weight_dunning_level = fields.Integer(
        string="Weight: Dunning Level", default=10
    )
    risk_weight_broken_promises = fields.Integer(
        string="Weight: Broken Promises", default=10
    )
    risk_weight_external_rating = fields.Integer(
        string="Weight: External Rating", default=5
    )
    risk_days_late_full = fields.Integer(
        string="Days Late for Full Risk",
        default=60,
        help="An average delay of this many days or more counts as the full risk "
        "for the days-late factor.",
    )
    risk_dunning_level_full = fields.Integer(
        string="Dunning Level for Full Risk", default=4
    )
    risk_broken_promises_full = fields.Integer(
        string="Broken Promises for Full Risk", default=3
    )
    risk_class_b_threshold = fields.Float(string="Class B From Score", default=25.0)
    risk_class_c_threshold = fields.Float(string="Class C From Score", default=50.0)
    risk_class_d_threshold = fields.Float(string="Class D From Score", default=75.0)
    risk_min_history = fields.Integer(
        string="Invoices Paid Before Rating",
        default=1,
        help="A customer with fewer invoices paid in the last 12 months has too "
        "little history for a score: it is unrated, or gets the default class.",
    )
    risk_unrated_class = fields.Selection(
        [("A", "A"), ("B", "B"), ("C", "C"), ("D", "D")],
        string="Class Until Rated",
        help="Class of customers with too little history; empty: unrated.",
    )
    risk_floor_legal = fields.Selection(
        [("A", "A"), ("B", "B"), ("C", "C"), ("D", "D")],
        string="Class at Legal Stage",
        default="D",
        help="Lowest class of a customer with an open collection case, whatever "
        "its score; empty: no floor.",
    )
    risk_floor_hold = fields.Selection(
        [("A", "A"), ("B", "B"), ("C", "C"), ("D", "D")],
        string="Class on Credit Hold",
        default="C",
        help="Lowest class of a customer on credit hold, whatever its score; "
        "empty: no floor.",
    )

    # Payments: EPC QR code on reminders, RF references, SEPA Direct Debit
    dunning_bank_id = fields.Many2one(
        "res.partner.bank",
        string="Bank Account for Reminders",
        check_company=True,
        domain="[('partner_id', '=', partner_id)]",
        help="The account printed on reminders and in their EPC QR code, and "
        "credited by SEPA direct debits. Empty: the company's first bank account.",
    )
    dunning_rf_reference = fields.Boolean(
        string="RF Creditor References",
        help="Invoices of the sales journals get an ISO 11649 structured "
        "creditor reference (RF...) as payment reference, and reminders of "
        "several invoices one of their own in their EPC QR code.",
    )
    dunning_sdd_creditor_identifier = fields.Char(
        string="SEPA Creditor Identifier",
        help="The company's SEPA creditor identifier (AT-02), e.g. IT66ZZZ "
        "followed by the tax code, as given by the bank.",
    )
    dunning_sdd_pain_version = fields.Selection(
        [
            (PAIN_008_001_02, "pain.008.001.02 (2009)"),
            (PAIN_008_001_08, "pain.008.001.08 (2019)"),
        ],
        string="SEPA Direct Debit File Version",
        default=PAIN_008_001_02,
        required=True,
        help="The pain.008 version your bank accepts.",
    )

    # Prescription
    prescription_horizon_days = fields.Integer(
        string="Prescription Horizon (Days)",
        default=90,
        help="Invoices whose prescription ends within this many days are listed "
        "as near prescription.",
    )
    prescription_lead_days = fields.Integer(
        string="Prescription Alert (Days Before)",
        default=120,
        help="A to-do is planned for the responsible this many days before an "
        "open invoice prescribes.",
    )
    prescription_user_id = fields.Many2one(
        "res.users",
        string="Prescription Responsible",
        help="Gets the to-dos about invoices near prescription; the first credit "
        "manager of the company when empty.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        self.env["dunning.policy"]._ensure_default_policies(companies)
        return companies

    @api.constrains(*RISK_WEIGHT_FIELDS.values())
    def _check_risk_weights(self):
        for company in self:
            try:
                company._risk_weights().validate()
            except ValueError as error:
                raise ValidationError(
                    _(
                        "Risk score settings of %(company)s: %(error)s",
                        company=company.name,
                        error=error,
                    )
                ) from error

    @api.constrains(
        "risk_days_late_full",
        "risk_dunning_level_full",
        "risk_broken_promises_full",
        "risk_class_b_threshold",
        "risk_class_c_threshold",
        "risk_class_d_threshold",
    )
    def _check_risk_scale(self):
        for company in self:
            try:
                company._risk_scale().validate()
                company._risk_thresholds().validate()
            except ValueError as error:
                raise ValidationError(
                    _(
                        "Risk score settings of %(company)s: %(error)s",
                        company=company.name,
                        error=error,
                    )
                ) from error

    @api.constrains(
        "credit_warning_percent",
        "credit_warning_overdue_days",
        "credit_hold_overdue_days",
        "credit_overdue_tolerance",
    )
    def _check_credit_hold_settings(self):
        for company in self:
            if (
                company.currency_id.compare_amounts(company.credit_overdue_tolerance, 0)
                < 0
            ):
                raise ValidationError(
                    _(
                        "Credit hold settings of %(company)s: the overdue tolerance "
                        "is an amount of 0 or more (%(amount)s given).",
                        company=company.name,
                        amount=company.credit_overdue_tolerance,
                    )
                )
            try:
                company._credit_hold_settings().validate()
            except ValueError as error:
                raise ValidationError(
                    _(
                        "Credit hold settings of %(company)s: %(error)s",
                        company=company.name,
                        error=error,
                    )
                ) from error

    @api.constrains("dunning_bank_id", "name")
    def _check_dunning_bank(self):
        """The chosen account must make a valid EPC QR code (EPC069-12)."""
        for company in self.filtered("dunning_bank_id"):
            try:
                company._dunning_epc_check()
            except ValueError as error:
                raise ValidationError(
                    _(
                        "Bank account for reminders of %(company)s: %(error)s",
                        company=company.name,
                        error=error,
                    )
                ) from error

    @api.constrains("dunning_sdd_creditor_identifier")
    def _check_dunning_sdd_creditor_identifier(self):
        for company in self.filtered("dunning_sdd_creditor_identifier"):
            try:
                validate_creditor_identifier(company.dunning_sdd_creditor_identifier)
            except ValueError as error:
                raise ValidationError(
                    _(
                        "SEPA direct debit settings of %(company)s: %(error)s",
                        company=company.name,
                        error=error,
                    )
                ) from error

    def write(self, vals):
        res = super().write(vals)
        if vals.get("dunning_rf_reference"):
            self._dunning_set_rf_journals()
        return res

    def _dunning_set_rf_journals(self):
        """Odoo's own RF references (journal communication standard
        'European'): set on the sales journals of these companies."""
        journals = (
            self.env["account.journal"]
            .sudo()
            .search([("company_id", "in", self.ids), ("type", "=", "sale")])
        )
        journals.filtered(lambda j: j.invoice_reference_model != "euro").write(
            {"invoice_reference_model": "euro"}
        )

    def _dunning_bank(self):
        """The bank account of reminders and direct debits."""
        self.ensure_one()
        return self.dunning_bank_id or self.partner_id.bank_ids[:1]

    def _dunning_sdd_creditor_identifier(self):
        """The SEPA creditor identifier; UserError when it is not set."""
        self.ensure_one()
        if not self.dunning_sdd_creditor_identifier:
            raise UserError(
                _(
                    "%s has no SEPA creditor identifier: set it in the settings "
                    "(Accounting, Reminder Payments).",
                    self.name,
                )
            )
        return validate_creditor_identifier(self.dunning_sdd_creditor_identifier)

    def _dunning_epc_check(self):
        """Raise ValueError when the name or the account cannot be in an
        EPC QR code; checked with a 1 euro transfer."""
        self.ensure_one()
        bank = self._dunning_bank()
        if not bank:
            raise ValueError(_("The company has no bank account."))
        epc_qr_payload(
            self.name, bank.acc_number, Decimal("1.00"), bic=bank.bank_bic or None
        )

    @api.constrains("prescription_horizon_days", "prescription_lead_days")
    def _check_prescription_settings(self):
        for company in self:
            if (
                company.prescription_horizon_days < 0
                or company.prescription_lead_days < 0
            ):
                raise ValidationError(
                    _(
                        "Prescription settings of %s: the horizon and the alert "
                        "days must be 0 or more.",
                        company.name,
                    )
                )

    def _prescription_responsible(self):
        """Who is warned of invoices near prescription: the chosen user, or the
        company's first credit manager."""
        self.ensure_one()
        return self.prescription_user_id or self._dunning_credit_manager()

    def _dunning_credit_manager(self):
        """The credit manager of the company with the smallest id (OdooBot
        aside): who gets the work a scheduled action cannot give a person."""
        self.ensure_one()
        group = self.env.ref("dunning_advanced.group_dunning_credit_manager")
        return (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("groups_id", "in", group.id),
                    ("company_ids", "in", self.id),
                    ("id", "!=", SUPERUSER_ID),
                    ("share", "=", False),
                ],
                order="id",
                limit=1,
            )
        )

    def _risk_weights(self):
        self.ensure_one()
        return RiskWeights(
            **{code: self[fname] for code, fname in RISK_WEIGHT_FIELDS.items()}
        )

    def _risk_scale(self):
        self.ensure_one()
        return RiskScale(
            days_late_full=self.risk_days_late_full,
            dunning_level_full=self.risk_dunning_level_full,
            broken_promises_full=self.risk_broken_promises_full,
        )

    def _risk_thresholds(self):
        self.ensure_one()
        return RiskThresholds(
            b=self.risk_class_b_threshold,
            c=self.risk_class_c_threshold,
            d=self.risk_class_d_threshold,
        )

    def _risk_policy(self):
        self.ensure_one()
        return RiskPolicy(
            min_history=self.risk_min_history,
            unrated_class=self.risk_unrated_class or None,
            legal_floor=self.risk_floor_legal or None,
            hold_floor=self.risk_floor_hold or None,
        )

    def _credit_hold_settings(self):
        self.ensure_one()
        return HoldSettings(
            warning_percent=self.credit_warning_percent,
            warning_overdue_days=self.credit_warning_overdue_days,
            hold_overdue_days=self.credit_hold_overdue_days,
        )

    # pagoPA (payment notices through GPD)
    pagopa_enabled = fields.Boolean(
        string="Issue pagoPA Notices",
        help="Reminders in euro get a pagoPA payment notice for the invoices they "
        "remind, published on GPD, printed with the letter and attached to the "
        "email.",
    )
    pagopa_creditor_fiscal_code = fields.Char(
        string="pagoPA Creditor Fiscal Code",
        size=11,
        help="The 11-digit codice fiscale of the creditor entity registered on "
        "pagoPA.",
    )
    pagopa_aux_digit = fields.Selection(
        [
            ("0", "0 - with application code"),
            ("2", "2 - without segregation code"),
            ("3", "3 - with segregation code"),
        ],
        string="pagoPA Aux Digit",
        default="3",
        help="First digit of the notice codes; PagoPA gives new creditors aux "
        "digit 3 with a segregation code.",
    )
    pagopa_segregation_code = fields.Char(
        string="pagoPA Segregation Code", size=2, help="Two digits, for aux digit 3."
    )
    pagopa_application_code = fields.Char(
        string="pagoPA Application Code", size=2, help="Two digits, for aux digit 0."
    )
    pagopa_cbill = fields.Char(
        string="CBILL Code", size=5, help="Printed on the notice for home banking."
    )
    pagopa_iban = fields.Char(
        string="pagoPA IBAN", help="Account the payments are transferred to."
    )
    pagopa_postal_account = fields.Char(
        string="pagoPA Postal Account",
        help="Conto corrente postale: the notice then carries the Bollettino "
        "Postale PA.",
    )
    pagopa_postal_account_holder = fields.Char(
        string="Postal Account Holder",
        size=50,
        help="Holder of the postal account as Poste knows it (intestatario del "
        "c/c postale), printed on the Bollettino Postale PA.",
    )
    pagopa_postal_authorisation = fields.Char(
        string="Poste Authorisation to Print",
        help="Poste Italiane's authorisation to print postal bulletins, as it "
        "is to be printed, e.g. AUT. DB/SSIC/E 12345 DEL 01/01/2024.",
    )
    pagopa_creditor_info = fields.Char(
        string="pagoPA Contacts for Debtors",
        help="Website, phone or email for debtors, printed under the creditor on "
        "the notice (Ente.Info).",
    )
    pagopa_taxonomy = fields.Char(
        string="pagoPA Taxonomy Code",
        default="9/0101108TS/",
        help="Taxonomy code of the service (dati specifici di incasso).",
    )
    pagopa_environment = fields.Selection(
        [("uat", "Test (UAT)"), ("prod", "Production")],
        string="GPD Environment",
        default="uat",
    )
    pagopa_gpd_url = fields.Char(
        string="GPD URL",
        help="Leave empty to use the standard URL of the environment.",
    )
    pagopa_receipts_url = fields.Char(
        string="GPD Receipts URL",
        help="Leave empty to use the standard URL of the environment.",
    )
    pagopa_subscription_key = fields.Char(
        string="GPD Subscription Key",
        groups="dunning_advanced.group_dunning_credit_manager",
        copy=False,
    )
    pagopa_checkout_url = fields.Char(
        string="Checkout URL",
        help="pagoPA Checkout carts API; leave empty to use the standard URL of "
        "the environment.",
    )
    pagopa_checkout_key = fields.Char(
        string="Checkout Subscription Key",
        groups="dunning_advanced.group_dunning_credit_manager",
        copy=False,
        help="Key of the pagoPA Checkout API, for the pay-now link of emails.",
    )
    pagopa_journal_id = fields.Many2one(
        "account.journal",
        string="pagoPA Payment Journal",
        domain="[('type', 'in', ('bank', 'cash')), ('company_id', '=', id)]",
        help="Journal of the payments registered from pagoPA receipts.",
    )

    @api.constrains(
        "pagopa_enabled",
        "pagopa_creditor_fiscal_code",
        "pagopa_aux_digit",
        "pagopa_segregation_code",
        "pagopa_application_code",
        "pagopa_cbill",
        "pagopa_iban",
        "pagopa_postal_account",
    )
    def _check_pagopa_settings(self):
        for company in self:
            problems = company._pagopa_setting_problems()
            if problems:
                raise ValidationError(
                    _(
                        "pagoPA settings of %(company)s:\n%(problems)s",
                        company=company.name,
                        problems="\n".join(problems),
                    )
                )

    def _pagopa_setting_problems(self, complete=False):
        """What is wrong in the pagoPA settings, one line per field. Filled
        fields are always checked; ``complete`` also asks for the required
        ones (when a notice is issued)."""
        self.ensure_one()
        problems = []
        fiscal_code = (self.pagopa_creditor_fiscal_code or "").strip()
        if fiscal_code:
            try:
                validate_creditor_fiscal_code(fiscal_code)
            except ValueError as error:
                problems.append(_("Creditor Fiscal Code: %s", error))
        elif complete:
            problems.append(_("Creditor Fiscal Code: it is missing."))
        aux = self.pagopa_aux_digit
        for fname, label, needed in (
            ("pagopa_segregation_code", _("Segregation Code"), aux == "3"),
            ("pagopa_application_code", _("Application Code"), aux == "0"),
        ):
            value = (self[fname] or "").strip()
            if value and not (len(value) == 2 and value.isdigit()):
                problems.append(
                    _("%(field)s: %(value)s is not 2 digits.", field=label, value=value)
                )
            elif not value and needed and (complete or self.pagopa_enabled):
                problems.append(
                    _("%(field)s: aux digit %(aux)s needs it.", field=label, aux=aux)
                )
        cbill = (self.pagopa_cbill or "").strip()
        if cbill and not (len(cbill) == 5 and cbill.isalnum()):
            problems.append(_("CBILL Code: %s is not 5 letters or digits.", cbill))
        if self.pagopa_iban:
            try:
                iban.validate(self.pagopa_iban)
            except StdnumValidationError as error:
                problems.append(
                    _(
                        "IBAN: %(iban)s is not valid (%(error)s).",
                        iban=self.pagopa_iban,
                        error=error.message,
                    )
                )
        elif complete:
            problems.append(_("IBAN: it is missing."))
        postal = (self.pagopa_postal_account or "").strip()
        if postal and not (postal.isdigit() and len(postal) <= 12):
            problems.append(
                _("Postal Account: %s is not a number of at most 12 digits.", postal)
            )
        if postal and complete and not self.pagopa_postal_authorisation:
            problems.append(
                _(
                    "Poste Authorisation to Print: the Bollettino Postale PA needs "
                    "Poste's authorisation number."
                )
            )
        if complete and not self.sudo().pagopa_subscription_key:
            problems.append(_("GPD Subscription Key: it is missing."))
        if complete and not self.pagopa_journal_id:
            problems.append(
                _("Payment Journal: choose the journal of pagoPA payments.")
            )
        return problems

    def _pagopa_gpd_client(self, attempts=None):
        """The GPD client of this company; UserError naming what to set when
        the settings are incomplete. Reads the key as superuser: the caller
        never sees it."""
        self.ensure_one()
        company = self.sudo()
        problems = company._pagopa_setting_problems(complete=True)
        if problems:
            raise UserError(
                _(
                    "Complete the pagoPA settings of %(company)s (Accounting > "
                    "Configuration > Settings):\n%(problems)s",
                    company=company.name,
                    problems="\n".join(problems),
                )
            )
        params = self.env["ir.config_parameter"].sudo()
        read_timeout = float(params.get_param("dunning_advanced.gpd_timeout", "30"))
        if attempts is None:
            attempts = int(params.get_param("dunning_advanced.gpd_attempts", "4"))
        backoff = float(params.get_param("dunning_advanced.gpd_backoff", "1"))
        base_url, receipts_url = GPD_ENVIRONMENTS[company.pagopa_environment or "uat"]
        try:
            return GpdClient(
                (company.pagopa_gpd_url or base_url).strip(),
                company.pagopa_subscription_key.strip(),
                company.pagopa_creditor_fiscal_code.strip(),
                receipts_url=(company.pagopa_receipts_url or receipts_url).strip(),
                timeout=(min(5.0, read_timeout), read_timeout),
                attempts=attempts,
                backoff=backoff,
            )
        except ValueError as error:
            raise UserError(
                _(
                    "pagoPA settings of %(company)s: %(error)s",
                    company=company.name,
                    error=error,
                )
            ) from error


class ResCompanyCollection(models.Model):
    _inherit = "res.company"

    dunning_collection_writeoff_account_id = fields.Many2one(
        "account.account",
        string="Collection Write-off Account",
        help="Expense account debited when a collection case is settled for less "
        "or written off (e.g. losses on receivables).",
    )


class ResCompanyDunningEngine(models.Model):
    """What the dunning engine needs of the company: its day, who signs, how
    formal notices go by PEC and how long an email waits for its pagoPA
    notice."""

    _inherit = "res.company"

    dunning_contact_name = fields.Char(
        string="Credit Contact",
        help="Named on reminders for questions when the customer has no "
        "collector, e.g. 'Credit Office - Anna Bianchi'.",
    )
    dunning_contact_phone = fields.Char(string="Credit Contact Phone")
    dunning_contact_email = fields.Char(string="Credit Contact Email")
    dunning_pec_email_from = fields.Char(
        string="PEC Sender Address",
        help="The company's PEC address: formal notices to a customer's PEC go "
        "from it, so that the delivery receipts prove them.",
    )
    dunning_pec_mail_server_id = fields.Many2one(
        "ir.mail_server",
        string="PEC Outgoing Server",
        help="The outgoing server of the company's PEC mailbox; formal notices to "
        "a PEC address go through it.",
    )
    pagopa_email_wait_hours = fields.Integer(
        string="Wait for the pagoPA Notice (hours)",
        default=24,
        help="A reminder's email and letter wait for its pagoPA notice to be "
        "published; after this many hours they go out without it, saying so.",
    )

    @api.constrains("pagopa_email_wait_hours")
    def _check_pagopa_email_wait_hours(self):
        for company in self:
            if not 0 <= company.pagopa_email_wait_hours <= 24 * 14:
                raise ValidationError(
                    _(
                        "%s: an email waits for its pagoPA notice between 0 hours "
                        "and 14 days.",
                        company.name,
                    )
                )

    def _dunning_tz(self):
        """The company's time zone: its address's, else its working hours',
        else Italy's (the addon's home), never the server's."""
        self.ensure_one()
        calendar = "resource_calendar_id" in self and self["resource_calendar_id"]
        name = self.partner_id.tz or (calendar and calendar.tz) or "Europe/Rome"
        try:
            return pytz.timezone(name)
        except pytz.UnknownTimeZoneError:
            return pytz.timezone("Europe/Rome")

    def _dunning_today(self):
        """Today in the company's time zone: the day of its reminders, their
        letters and their interest."""
        self.ensure_one()
        now = fields.Datetime.now()
        return pytz.utc.localize(now).astimezone(self._dunning_tz()).date()
