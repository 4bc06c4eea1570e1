import logging
from datetime import timedelta
from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_repr

from ..lib.gpd_client import GpdError, build_debt_position
from ..lib.pagopa import (
    ANONYMOUS_DEBTOR,
    amount_to_cents,
    format_notice_code_groups,
    iuv_from_notice_code,
    make_notice_code,
    poste_datamatrix_payload,
    qr_payload,
    validate_debtor_fiscal_code,
)
from ..lib.pagopa_checkout import (
    CHECKOUT_ENVIRONMENTS,
    CartNotice,
    CheckoutClient,
    CheckoutError,
    build_cart,
)
from ..report import pagopa_notice_renderer as nr

_logger = logging.getLogger(__name__)

SEQUENCE_CODE = "dunning.pagopa.notice"
CHECK_INTERVAL_MINUTES = 30
# Publication is queued: one try per call of the cron, then back-off
# (1, 2, 4 ... minutes, at most 6 hours) until MAX_PUBLISH_ATTEMPTS.
MAX_PUBLISH_ATTEMPTS = 10
MAX_BACKOFF_MINUTES = 360
STATES = [
    ("draft", "To Publish"),
    ("published", "Published"),
    ("paid", "Paid"),
    ("invalidated", "Invalidated"),
    ("error", "Error"),
]


def to_cents(amount):
    """Euro ``amount`` (a float of Odoo, already rounded to the cent) as exact
    integer cents: 0.1 + 0.2 becomes 30, not 30.000000000000004."""
    return amount_to_cents(Decimal(float_repr(amount, 2)))


class DunningPagopaNotice(models.Model):
    """A pagoPA payment notice (avviso di pagamento) for open invoices.

    Its number comes from a sequence of the company and is never reused (a
    PostgreSQL sequence: a rolled back transaction burns its number). The
    debt position with the same IUV is created on GPD with the notice code as
    IUPD, so sending it again after a timeout finds the first one (GPD answers
    409 and the client reads it back) instead of creating a second position.
    """

    _name = "dunning.pagopa.notice"
    _description = "pagoPA Payment Notice"
    _inherit = [
        "mail.thread",
        "dunning.controlled.fields.mixin",
        "dunning.batch.job.mixin",
    ]
    _order = "id desc"
    _rec_name = "notice_code"
    _check_company_auto = True
    # Issued by the sequence and changed by GPD's answers only.
    _dunning_controlled_fields = (
        "notice_code",
        "iuv",
        "iupd",
        "state",
        "last_error",
        "gpd_checked_at",
        "payment_id",
        "paid_date",
        "receipt_id",
        "attachment_id",
    )

    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Debtor",
        required=True,
        readonly=True,
        index=True,
        check_company=True,
    )
    move_ids = fields.Many2many(
        "account.move",
        "dunning_pagopa_notice_move_rel",
        "notice_id",
        "move_id",
        string="Invoices",
        readonly=True,
        check_company=True,
    )
    communication_id = fields.Many2one(
        "dunning.communication",
        string="Reminder",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        check_company=True,
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        readonly=True,
        default=lambda self: self.env.ref("base.EUR"),
    )
    amount = fields.Monetary(required=True, tracking=True)
    amount_cents = fields.Integer(
        compute="_compute_amount_cents", store=True, string="Amount (cents)"
    )
    date_due = fields.Date(string="Due Date", required=True, tracking=True)
    notice_code = fields.Char(readonly=True, copy=False, index=True)
    notice_code_display = fields.Char(
        string="Notice Code (printed)", compute="_compute_notice_code_display"
    )
    iuv = fields.Char(string="IUV", readonly=True, copy=False)
    iupd = fields.Char(string="IUPD", readonly=True, copy=False)
    state = fields.Selection(
        STATES, default="draft", required=True, readonly=True, tracking=True
    )
    last_error = fields.Text(readonly=True, copy=False)
    gpd_checked_at = fields.Datetime(string="Last Checked on GPD", readonly=True)
    payment_id = fields.Many2one("account.payment", readonly=True, copy=False)
    paid_date = fields.Date(readonly=True, copy=False)
    receipt_id = fields.Char(string="Receipt", readonly=True, copy=False)
    attachment_id = fields.Many2one(
        "ir.attachment", string="Notice PDF", readonly=True, copy=False
    )
    publish_attempts = fields.Integer(readonly=True, copy=False)
    publish_next_try = fields.Datetime(
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="When the notice cron tries to publish (or withdraw) it again.",
    )
    withdraw_reason = fields.Char(
        readonly=True,
        copy=False,
        help="Queued for withdrawal from GPD, for this reason.",
    )

    _sql_constraints = [
        (
            "notice_code_company_uniq",
            "unique(company_id, notice_code)",
            "A notice code is issued once per company.",
        ),
        (
            "iupd_company_uniq",
            "unique(company_id, iupd)",
            "A debt position identifier (IUPD) is used once per company.",
        ),
        ("amount_positive", "CHECK(amount > 0)", "A notice is for more than 0."),
    ]

    @api.depends("amount")
    def _compute_amount_cents(self):
        for notice in self:
            notice.amount_cents = to_cents(notice.amount) if notice.amount > 0 else 0

    @api.depends("notice_code")
    def _compute_notice_code_display(self):
        for notice in self:
            notice.notice_code_display = (
                format_notice_code_groups(notice.notice_code)
                if notice.notice_code
                else False
            )

    @api.model_create_multi
    def create(self, vals_list):
        eur = self.env.ref("base.EUR")
        for vals in vals_list:
            company = self.env["res.company"].browse(
                vals.get("company_id") or self.env.company.id
            )
            if company.currency_id != eur and not vals.get("currency_id"):
                vals["currency_id"] = eur.id
        # The record first, its number after: a creation refused (rights,
        # amount, company) must not burn a notice number, which is never
        # given again.
        notices = super().create(vals_list)
        for notice in notices:
            code = self._next_notice_code(notice.company_id)
            notice._write_controlled(
                {
                    "notice_code": code,
                    "iuv": iuv_from_notice_code(code),
                    "iupd": "DUN-" + code,
                }
            )
        return notices

    def write(self, vals):
        # What GPD holds (amount, due date, debtor, invoices) changes with the
        # notice's own synchronisation only, once it is published.
        frozen = {"amount", "date_due", "partner_id", "move_ids", "currency_id"}
        if not self.env.su and frozen.intersection(vals):
            for notice in self:
                if notice.state not in ("draft", "error"):
                    raise UserError(
                        _(
                            "Notice %s is on pagoPA: withdraw it and issue a new "
                            "one to change its amount, due date or invoices.",
                            notice.notice_code,
                        )
                    )
        return super().write(vals)

    @api.model
    def _next_notice_code(self, company):
        """A new notice code from the company's sequence (created at first
        use), laid out as its aux digit asks (SACI § 2.2.2)."""
        # Complete settings before a number is drawn: a notice that could not
        # be published would use up its IUV for nothing.
        problems = company.sudo()._pagopa_setting_problems(complete=True)
        aux = company.pagopa_aux_digit or "3"
        if problems:
            raise UserError(
                _(
                    "Complete the pagoPA settings of %(company)s before issuing "
                    "notices (no notice code was used):%(problems)s",
                    company=company.name,
                    problems="".join("\n" + p for p in problems),
                )
            )
        Sequence = self.env["ir.sequence"].sudo()
        sequence = Sequence.search(
            [("code", "=", SEQUENCE_CODE), ("company_id", "=", company.id)], limit=1
        )
        if not sequence:
            sequence = Sequence.create(
                {
                    "name": _("pagoPA notices of %s", company.name),
                    "code": SEQUENCE_CODE,
                    "company_id": company.id,
                    "implementation": "standard",
                    "padding": 1,
                }
            )
        number = sequence.next_by_id()
        try:
            return make_notice_code(
                aux,
                number,
                segregation_code=company.pagopa_segregation_code
                if aux == "3"
                else None,
                application_code=company.pagopa_application_code
                if aux == "0"
                else None,
            )
        except ValueError as error:
            raise UserError(
                _(
                    "pagoPA notice of %(company)s: %(error)s",
                    company=company.name,
                    error=error,
                )
            ) from error

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_publish(self):
        """Queue the debt positions for publication on GPD: the notice cron
        publishes them after this transaction (never a call to GPD, with its
        retries, inside the user's transaction); the outcome shows on each
        notice."""
        self._check_dunning_user()
        todo = self.filtered(lambda n: n.state in ("draft", "error"))
        todo._write_controlled(
            {"state": "draft", "publish_attempts": 0, "publish_next_try": False}
        )
        self.env.ref("dunning_advanced.ir_cron_publish_pagopa_notices")._trigger()
        return self._notify(
            [], _("Queued: the notices are published on pagoPA in a moment.")
        )

    def action_sync(self):
        """Read the positions on GPD now: register paid ones, follow amounts."""
        self._check_dunning_user()
        # One call per notice, no retries, in the user's transaction; the
        # hourly job does the patient work.
        errors = self.filtered(lambda n: n.state == "published")._gpd_sync(attempts=1)
        return self._notify(errors, _("Checked on pagoPA."))

    def action_invalidate(self):
        self._check_dunning_user()
        self.filtered(
            lambda n: n.state in ("published", "error", "draft")
        ).sudo()._queue_withdrawal(_("withdrawn by %s", self.env.user.name))
        return self._notify([], _("Queued: the notices are withdrawn in a moment."))

    def action_download_pdf(self):
        self.ensure_one()
        attachment = self._notice_attachment()
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    def _check_dunning_user(self):
        if not self.env.su and not self.env.user.has_group(
            "dunning_advanced.group_dunning_user"
        ):
            raise AccessError(_("Only Dunning Users can act on pagoPA notices."))
        self.check_access("write")

    def _notify(self, errors, success):
        if not errors:
            message, kind = success, "success"
        else:
            message, kind = "\n".join(errors), "danger"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("pagoPA"),
                "message": message,
                "type": kind,
                "sticky": bool(errors),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    # ------------------------------------------------------------------
    # GPD
    # ------------------------------------------------------------------

    def _debtor(self):
        """Debtor type (F person, G entity), fiscal code and name for GPD.

        The fiscal code is the localization's (l10n_it_edi's codice fiscale),
        else the Italian VAT number (an entity's fiscal code is its VAT number);
        ``ANONIMO`` only when neither is a valid Italian code. A 16-character
        code is a person's (a sole trader too), 11 digits an entity's."""
        partner = self.partner_id.commercial_partner_id
        candidates = []
        if "l10n_it_codice_fiscale" in partner._fields:
            candidates.append(partner.l10n_it_codice_fiscale or "")
        vat = (partner.vat or "").replace(" ", "").upper()
        candidates.append(vat[2:] if vat.startswith("IT") else vat)
        code = ANONYMOUS_DEBTOR
        for candidate in candidates:
            try:
                code = validate_debtor_fiscal_code(candidate)
                break
            except ValueError:
                continue
        if len(code) == 16:
            kind = "F"
        elif code != ANONYMOUS_DEBTOR:
            kind = "G"
        else:
            kind = "F" if partner.dunning_debtor_type == "consumer" else "G"
        return kind, code, partner.name

    def _subject(self):
        invoices = ", ".join(self.move_ids.mapped("name"))
        return _("Invoices %s", invoices) if invoices else self.display_name

    def _prepare_debt_position(self, amount_cents=None):
        self.ensure_one()
        company = self.company_id.sudo()
        debtor_type, debtor_code, debtor_name = self._debtor()
        return build_debt_position(
            iupd=self.iupd,
            debtor_type=debtor_type,
            debtor_fiscal_code=debtor_code,
            debtor_name=debtor_name[:70],
            iuv=self.iuv,
            amount_cents=amount_cents or self.amount_cents,
            due_date=self.date_due,
            description=self._subject()[:140],
            creditor_fiscal_code=company.pagopa_creditor_fiscal_code,
            creditor_name=company.name[:140],
            iban=company.pagopa_iban,
            taxonomy=company.pagopa_taxonomy or "9/0101108TS/",
            debtor_email=self.partner_id.email or None,
        )

    def _queue_withdrawal(self, reason):
        """Withdraw these notices from GPD at the next call of the notice cron
        (a draft never sent to GPD is just invalidated)."""
        never_sent = self.filtered(
            lambda n: n.state == "draft" and not n.publish_attempts
        )
        never_sent._write_controlled({"state": "invalidated", "last_error": False})
        for notice in never_sent:
            notice.message_post(body=_("Notice withdrawn: %s.", reason))
        (self - never_sent).write(
            {"withdraw_reason": reason, "publish_next_try": False}
        )
        if self - never_sent:
            self.env.ref("dunning_advanced.ir_cron_publish_pagopa_notices")._trigger()

    @api.model
    def _cron_publish_pending(self, batch_size=20):
        """Scheduled, and triggered after reminders are sent: publish the
        queued notices and withdraw the replaced ones, one try each, with
        back-off on the errors worth retrying; then let the reminders that
        waited for them go out."""
        now = fields.Datetime.now()
        due = [
            "|",
            ("publish_next_try", "=", False),
            ("publish_next_try", "<=", now),
        ]
        domain = [
            "|",
            ("state", "=", "draft"),
            "&",
            ("withdraw_reason", "!=", False),
            ("state", "in", ("published", "error")),
            *due,
        ]
        notices = self.sudo().search(domain, order="publish_next_try, id")

        def batches():
            todo = notices
            while todo:
                batch = todo[:batch_size]
                for notice in batch:
                    notice._publish_or_withdraw_once(now)
                todo -= batch
                yield len(batch), len(todo)

        if self._run_batches(
            "dunning_advanced.ir_cron_publish_pagopa_notices", batches()
        ):
            self.env["dunning.communication"]._cron_send_pending()

    def _publish_or_withdraw_once(self, now):
        """One call to GPD for this notice; errors stay on the notice."""
        self.ensure_one()
        if self.withdraw_reason:
            errors = self._gpd_invalidate(self.withdraw_reason, attempts=1)
            if not errors:
                self.withdraw_reason = False
            return
        try:
            client = self.company_id._pagopa_gpd_client(attempts=1)
            body = self._prepare_debt_position()
            position = client.create_position(body, publish=True)
            if position.get("status") == "DRAFT":
                position = client.publish_position(self.iupd)
        except (GpdError, UserError, ValueError) as error:
            attempts = self.publish_attempts + 1
            retry = getattr(error, "retryable", False) or (
                isinstance(error, GpdError) and error.status is None
            )
            message = self._log_error(_("publishing"), error, keep_draft=retry)
            vals = {"publish_attempts": attempts, "last_error": message}
            if retry and attempts < MAX_PUBLISH_ATTEMPTS:
                minutes = min(2 ** (attempts - 1), MAX_BACKOFF_MINUTES)
                vals["publish_next_try"] = now + timedelta(minutes=minutes)
            else:
                vals["state"] = "error"
            self._write_controlled(vals)
            return
        self._write_controlled(
            {
                "state": "published",
                "last_error": False,
                "publish_attempts": self.publish_attempts + 1,
                "publish_next_try": False,
                "gpd_checked_at": fields.Datetime.now(),
            }
        )

    def _gpd_invalidate(self, reason, attempts=None):
        errors = []
        for notice in self:
            if notice.state in ("published", "error"):
                client = notice.company_id._pagopa_gpd_client(attempts=attempts)
                try:
                    client.invalidate_position(notice.iupd)
                except GpdError as error:
                    if error.status != 404:  # never created on GPD: nothing to do
                        errors.append(notice._log_error(_("withdrawing"), error))
                        continue
            notice._write_controlled({"state": "invalidated", "last_error": False})
            notice.message_post(body=_("Notice withdrawn: %s.", reason))
        return errors

    def _gpd_sync(self, attempts=None):
        """Follow each published position: a payment on pagoPA is registered
        in Odoo; invoices paid another way or cancelled withdraw the notice;
        a partial payment lowers its amount."""
        errors = []
        for notice in self:
            client = notice.company_id._pagopa_gpd_client(attempts=attempts)
            try:
                status = client.payment_status(notice.iupd)
            except GpdError as error:
                errors.append(notice._log_error(_("checking"), error))
                continue
            notice._write_controlled({"gpd_checked_at": fields.Datetime.now()})
            if status.paid or any(option.paid for option in status.options):
                notice._register_payment(status)
                continue
            open_moves = notice.move_ids.filtered(
                lambda m: m.state == "posted" and m.payment_state != "paid"
            )
            residual = sum(open_moves.mapped("amount_residual"))
            if not open_moves or notice.currency_id.is_zero(residual):
                errors += notice._gpd_invalidate(
                    _("the invoices were paid another way or cancelled")
                )
                continue
            cents = to_cents(residual)
            if cents < notice.amount_cents:
                try:
                    client.update_position(
                        notice._prepare_debt_position(cents), publish=True
                    )
                except (GpdError, ValueError) as error:
                    errors.append(notice._log_error(_("updating"), error))
                    continue
                old = notice.amount
                notice.sudo().amount = float(Decimal(cents) / 100)
                notice.message_post(
                    body=_(
                        "Partial payment received: amount lowered from %(old)s to "
                        "%(new)s on pagoPA.",
                        old=float_repr(old, 2),
                        new=float_repr(notice.amount, 2),
                    )
                )
        return errors

    def _register_payment(self, status):
        """Register the pagoPA payment on the invoices, reconciled, in the
        journal of the settings; the notice becomes paid."""
        self.ensure_one()
        option = next((o for o in status.options if o.paid), None)
        cents = (option.amount_cents if option else None) or self.amount_cents
        paid_on = (option.payment_date if option else None) or status.payment_date
        paid_date = (
            fields.Date.to_date(paid_on[:10])
            if paid_on
            else self.company_id._dunning_today()
        )
        moves = self.move_ids.filtered(
            lambda m: m.state == "posted"
            and m.payment_state not in ("paid", "in_payment")
        )
        payment = self.env["account.payment"]
        if moves:
            company = self.company_id
            wizard = (
                self.env["account.payment.register"]
                .sudo()
                .with_company(company)
                .with_context(active_model="account.move", active_ids=moves.ids)
                .create(
                    {
                        "journal_id": company.pagopa_journal_id.id,
                        "payment_date": paid_date,
                        "amount": float(Decimal(cents) / 100),
                        "currency_id": self.currency_id.id,
                        "group_payment": True,
                        "communication": _("pagoPA %s", self.notice_code),
                    }
                )
            )
            payment = wizard._create_payments()
        self._write_controlled(
            {
                "state": "paid",
                "payment_id": payment[:1].id,
                "paid_date": paid_date,
                "receipt_id": option.receipt_id if option else False,
                "last_error": False,
            }
        )
        body = _(
            "Paid on pagoPA (notice %(code)s, %(amount)s EUR, receipt %(receipt)s).",
            code=self.notice_code,
            amount=float_repr(cents / 100, 2),
            receipt=(option.receipt_id if option else None) or "-",
        )
        self.message_post(body=body)
        self.move_ids.sudo()._message_log_batch(
            bodies=dict.fromkeys(self.move_ids.ids, body)
        )

    def _log_error(self, doing, error, keep_draft=False):
        """Keep ``error`` on the notice and on its invoices' chatter; returns
        the message shown to the user."""
        message = _(
            "pagoPA notice %(code)s: error while %(doing)s the debt position: "
            "%(error)s",
            code=self.notice_code,
            doing=doing,
            error=error,
        )
        request_id = getattr(error, "request_id", None)
        if request_id:
            message += " " + _("(request id %s)", request_id)
        self._write_controlled(
            {
                "state": "error"
                if self.state == "draft" and not keep_draft
                else self.state,
                "last_error": message,
            }
        )
        self.message_post(body=message)
        self.move_ids.sudo()._message_log_batch(
            bodies=dict.fromkeys(self.move_ids.ids, message)
        )
        _logger.info("%s", message)
        return message

    @api.model
    def _cron_sync_notices(self, batch_size=50):
        """Scheduled: read the published positions on GPD, register the paid
        ones. One batch per call in a scheduled run (the runner commits and
        calls again while work remains), all batches in one call otherwise."""
        now = fields.Datetime.now()
        # Checked in the last half hour (by this job's previous batches or by
        # hand): skipped, so the batches of one run never loop.
        domain = [
            ("state", "=", "published"),
            "|",
            ("gpd_checked_at", "=", False),
            ("gpd_checked_at", "<", now - timedelta(minutes=CHECK_INTERVAL_MINUTES)),
        ]
        notices = self.sudo().search(domain, order="gpd_checked_at, id")

        def batches():
            todo = notices
            while todo:
                batch = todo[:batch_size]
                for company, part in batch.grouped("company_id").items():
                    try:
                        part.with_company(company)._gpd_sync()
                    except UserError as error:  # settings incomplete: say it, go on
                        part._write_controlled({"last_error": str(error)})
                    part.filtered(lambda n: n.state == "published")._write_controlled(
                        {"gpd_checked_at": now}
                    )
                todo -= batch
                yield len(batch), len(todo)

        self._run_batches("dunning_advanced.ir_cron_sync_pagopa_notices", batches())

    def _checkout_url(self, email=None, cart_id=None):
        """Address of the pagoPA Checkout page where these notices (at most 5,
        one company) are paid together (see :mod:`..lib.pagopa_checkout`)."""
        company = self.company_id.sudo()
        company.ensure_one()
        key = (company.pagopa_checkout_key or "").strip()
        if not key:
            raise UserError(
                _("Set the pagoPA Checkout subscription key of %s.", company.name)
            )
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        try:
            cart = build_cart(
                [
                    CartNotice(
                        notice_code=notice.notice_code,
                        creditor_fiscal_code=company.pagopa_creditor_fiscal_code,
                        amount_cents=notice.amount_cents,
                        company_name=company.name,
                        description=notice._subject(),
                    )
                    for notice in self
                ],
                return_ok_url=base_url,
                return_cancel_url=base_url,
                return_error_url=base_url,
                email=email or None,
                cart_id=cart_id,
            )
            client = CheckoutClient(
                (
                    company.pagopa_checkout_url
                    or CHECKOUT_ENVIRONMENTS[company.pagopa_environment or "uat"]
                ).strip(),
                key,
                timeout=(5.0, 15.0),
            )
            return client.create_cart(cart)
        except (CheckoutError, ValueError) as error:
            raise UserError(
                _("pagoPA payment of %(ref)s: %(error)s", ref=cart_id, error=error)
            ) from error

    # ------------------------------------------------------------------
    # Printed notice
    # ------------------------------------------------------------------

    def _qr_payload(self):
        self.ensure_one()
        return qr_payload(
            self.notice_code,
            self.company_id.pagopa_creditor_fiscal_code,
            self.amount_cents,
        )

    def _prepare_notice_data(self):
        self.ensure_one()
        company = self.company_id
        _type, debtor_code, debtor_name = self._debtor()
        postal = (company.pagopa_postal_account or "").strip()
        datamatrix = ""
        if postal:
            datamatrix = poste_datamatrix_payload(
                self.notice_code,
                postal,
                self.amount_cents,
                company.pagopa_creditor_fiscal_code,
                debtor_code,
                debtor_name,
                self._subject(),
            )
        return nr.NoticeData(
            creditor_name=company.name,
            creditor_fiscal_code=company.pagopa_creditor_fiscal_code,
            creditor_info=company.pagopa_creditor_info or "",
            debtor_name=debtor_name,
            debtor_fiscal_code=debtor_code,
            debtor_address=self._debtor_address(),
            postal_account_holder=company.pagopa_postal_account_holder or "",
            postal_authorisation=company.pagopa_postal_authorisation or "",
            subject=self._subject(),
            amount=Decimal(self.amount_cents) / 100,
            due_date=self.date_due,
            notice_code=self.notice_code,
            qr_payload=self._qr_payload(),
            cbill=company.pagopa_cbill or "",
            postal_account=postal,
            datamatrix_text=datamatrix,
        )

    def _debtor_address(self):
        """The debtor's address lines (Destinatario.Indirizzo, 140 characters):
        the invoice address of the customer, else its own."""
        partner = self.partner_id.commercial_partner_id
        address = partner.address_get(["invoice"]).get("invoice")
        partner = self.env["res.partner"].browse(address) if address else partner
        city = " ".join(
            part
            for part in (
                partner.zip,
                partner.city,
                "(%s)" % partner.state_id.code if partner.state_id else "",
            )
            if part
        )
        lines = [partner.street, partner.street2, city]
        if partner.country_id and partner.country_id.code != "IT":
            lines.append(partner.country_id.name)
        return tuple(line for line in lines if line)

    def _render_pdf(self):
        return nr.render_notice(self._prepare_notice_data())

    def _notice_attachment(self):
        """The notice PDF, stored once per amount (a new amount prints anew)."""
        self.ensure_one()
        name = "Avviso pagoPA %s.pdf" % self.notice_code
        attachment = self.attachment_id
        if attachment and attachment.description == str(self.amount_cents):
            return attachment
        attachment = self.env["ir.attachment"].create(
            {
                "name": name,
                "raw": self._render_pdf(),
                "mimetype": "application/pdf",
                "res_model": self._name,
                "res_id": self.id,
                "description": str(self.amount_cents),
            }
        )
        self._write_controlled({"attachment_id": attachment.id})
        return attachment
