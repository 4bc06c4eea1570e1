import base64
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount, format_date

from ..lib.epc_qr import epc_qr_payload, epc_qr_png
from ..lib.portal_token import TokenError, derive_key, make_token, read_token
from .dunning_portal_request import MAX_PLAN_INSTALMENTS

LANGS = ("it_IT", "en_US")
# Instalments of a plan are payable online from this many days before their date.
INSTALMENT_PAYABLE_DAYS = 15
KEY_VERSION_PARAM = "dunning_advanced.portal_key_version"

# Status of an open item on the page, from what pauses it in the engine.
PAUSE_STATUS = {
    "dunning.dispute": "disputed",
    "dunning.promise": "promised",
    "dunning.instalment.plan": "plan",
    "dunning.portal.request": "review",
    "dunning.collection.case": "legal",
}


def _decimal(value):
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


@dataclass
class PortalItem:
    """One open item of the customer as its page shows it."""

    line: models.BaseModel
    move: models.BaseModel
    number: str
    date: object
    due_date: object
    days_late: int
    currency: models.BaseModel
    amount: float
    residual: float
    status: str
    status_label: str
    payable: bool
    disputable: bool


class DunningPortal(models.AbstractModel):
    """The customer's page, without the HTTP: signed links, what the page
    shows (open items and their status, how to pay, requests and their
    answers, payment education), and the checks of what the customer sends.

    Called by controllers/portal.py as superuser once the link is checked; a
    link gives its customer and company, and nothing else is ever looked up
    from what the browser sends except within them.
    """

    _name = "dunning.portal"
    _description = "Customer Page"

    # ------------------------------------------------------------------
    # Links
    # ------------------------------------------------------------------

    @api.model
    def _key(self):
        """The key signing the links: derived from the database secret;
        changing the system parameter dunning_advanced.portal_key_version voids
        every link given out."""
        params = self.env["ir.config_parameter"].sudo()
        return derive_key(
            params.get_param("database.secret"),
            params.get_param(KEY_VERSION_PARAM, "1"),
        )

    @api.model
    def _expiry(self, company, start=None):
        start = start or company._dunning_today()
        return start + timedelta(days=max(company.dunning_portal_validity_days, 1))

    @api.model
    def _token(self, partner, company, expires_on, communication=None):
        return make_token(
            self._key(),
            partner.commercial_partner_id.id,
            company.id,
            expires_on,
            communication.id if communication else 0,
        )

    @api.model
    def _url(self, token, company=None):
        base = (company or self.env.company).get_base_url()
        return f"{base}/d/{token}"

    @api.model
    def _claims(self, token):
        """(partner, company, communication) of a genuine, unexpired link;
        raises lib.portal_token.TokenError otherwise (reason ``unknown`` when
        the customer or the company is gone)."""
        claims = read_token(self._key(), token, fields.Date.today())
        partner = self.env["res.partner"].sudo().browse(claims.partner_id).exists()
        company = self.env["res.company"].sudo().browse(claims.company_id).exists()
        if not partner or not company or partner != partner.commercial_partner_id:
            raise TokenError("unknown", "This link opens nothing any more.")
        communication = self.env["dunning.communication"].sudo()
        if claims.communication_id:
            communication = communication.browse(claims.communication_id).exists()
            if communication and (
                communication.partner_id.commercial_partner_id != partner
                or communication.company_id != company
            ):
                communication = communication.browse()
        return partner, company, communication

    @api.model
    def _partner_link(self, partner, company):
        """A fresh link for a portal user's own page (no reminder)."""
        return self._url(self._token(partner, company, self._expiry(company)), company)

    # ------------------------------------------------------------------
    # Language
    # ------------------------------------------------------------------

    @api.model
    def _page_lang(self, partner, asked=None):
        """The page's language: the one asked for (Italian or English, when
        installed), else the customer's, else English."""
        installed = {code for code, _name in self.env["res.lang"].get_installed()}
        for lang in (asked, partner.lang):
            if lang and lang in installed:
                for code in LANGS:
                    if code[:2] == lang[:2] and code in installed:
                        return code
        return "en_US" if "en_US" in installed else next(iter(installed))

    @api.model
    def _page_langs(self):
        installed = dict(self.env["res.lang"].get_installed())
        names = {"it_IT": "Italiano", "en_US": "English"}
        return [(code, names[code]) for code in LANGS if code in installed]

    # ------------------------------------------------------------------
    # Open items
    # ------------------------------------------------------------------

    @api.model
    def _open_lines(self, partner, company):
        """Every open receivable item of the customer in the company, credits
        included, oldest due first."""
        return (
            self.env["account.move.line"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("partner_id", "child_of", partner.id),
                    ("account_type", "=", "asset_receivable"),
                    ("parent_state", "=", "posted"),
                    ("reconciled", "=", False),
                    ("amount_residual", "!=", 0),
                ],
                order="date_maturity, id",
            )
        )

    @api.model
    def _items(self, partner, company):
        """The page's open items (PortalItem), with their status."""
        today = company._dunning_today()
        lines = self._open_lines(partner, company)
        paused = (
            self.env["dunning.run"]
            .sudo()
            ._paused_line_reasons(company, today, lines.ids)
        )
        promises, plans = self._arrangements(partner, company)
        items = []
        for line in lines:
            move = line.move_id
            due = line.date_maturity or line.date
            residual = line.amount_residual_currency
            currency = line.currency_id
            if currency.compare_amounts(residual, 0) < 0:
                status = "credit"
            elif line.id in paused:
                status = PAUSE_STATUS.get(paused[line.id][0], "review")
            else:
                status = "overdue" if due < today else "due"
            label = self._status_label(status, move, promises, plans)
            items.append(
                PortalItem(
                    line=line,
                    move=move,
                    number=move.name or line.name or "",
                    date=move.invoice_date or move.date,
                    due_date=due,
                    days_late=max((today - due).days, 0),
                    currency=currency,
                    amount=abs(line.amount_currency),
                    residual=residual,
                    status=status,
                    status_label=label,
                    payable=status not in ("credit", "disputed"),
                    disputable=status not in ("credit", "disputed", "legal")
                    and move.move_type == "out_invoice",
                )
            )
        return items

    @api.model
    def _arrangements(self, partner, company):
        """Open promises and active plans of the customer."""
        promises = (
            self.env["dunning.promise"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", partner.id),
                    ("company_id", "=", company.id),
                    ("state", "=", "open"),
                ]
            )
        )
        plans = (
            self.env["dunning.instalment.plan"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", partner.id),
                    ("company_id", "=", company.id),
                    ("state", "=", "active"),
                ]
            )
        )
        return promises, plans

    @api.model
    def _status_label(self, status, move, promises, plans):
        if status == "promised":
            promise = promises.filtered(lambda p: move in p.move_ids)[:1]
            if promise:
                return _("Promised for %s", format_date(self.env, promise.date))
        if status == "plan":
            plan = plans.filtered(lambda p: move in p.move_ids)[:1]
            if plan:
                return _("In instalment plan %s", plan.name)
        return {
            "credit": _("Credit in your favour"),
            "overdue": _("Overdue"),
            "due": _("Falling due"),
            "disputed": _("Disputed"),
            "promised": _("Promised"),
            "plan": _("In an instalment plan"),
            "review": _("Being checked"),
            "legal": _("With our legal office"),
        }[status]

    @api.model
    def _pick(self, partner, company, line_ids, payable=False):
        """The receivable lines ``line_ids`` among the customer's open items
        (payable ones only when asked); None when one of them is not, so that
        the caller refuses the whole request."""
        try:
            wanted = {int(value) for value in line_ids if str(value).strip()}
        except (TypeError, ValueError):
            return None
        items = {item.line.id: item for item in self._items(partner, company)}
        if not wanted or not wanted <= set(items):
            return None
        if payable and not all(items[line_id].payable for line_id in wanted):
            return None
        return self.env["account.move.line"].sudo().browse(sorted(wanted))

    @api.model
    def _check_statuses(self, partner, company, lines, allowed):
        """UserError naming the chosen items whose status does not allow what
        the customer asks (e.g. a promise on a disputed invoice)."""
        items = {item.line.id: item for item in self._items(partner, company)}
        wrong = [
            items[line.id] for line in lines if items[line.id].status not in allowed
        ]
        if wrong:
            raise UserError(
                _(
                    "This is not possible for %(items)s: %(status)s.",
                    items=", ".join(item.number for item in wrong),
                    status=", ".join(sorted({item.status_label for item in wrong})),
                )
            )

    @api.model
    def _company_of(self, partner, user):
        """The company whose page a portal user opens: the first where it has
        open items, else the user's own."""
        lines = (
            self.env["account.move.line"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", partner.id),
                    ("account_type", "=", "asset_receivable"),
                    ("parent_state", "=", "posted"),
                    ("reconciled", "=", False),
                    ("amount_residual", ">", 0),
                ],
                order="company_id",
                limit=1,
            )
        )
        return lines.company_id or user.company_id

    @api.model
    def _open_count(self, partner):
        """How many items the customer still has to pay (portal home)."""
        return (
            self.env["account.move.line"]
            .sudo()
            .search_count(
                [
                    ("partner_id", "child_of", partner.id),
                    ("account_type", "=", "asset_receivable"),
                    ("parent_state", "=", "posted"),
                    ("reconciled", "=", False),
                    ("amount_residual", ">", 0),
                ]
            )
        )

    @api.model
    def _customer_document(self, partner, company, move_id):
        """The customer's own posted invoice or credit note ``move_id`` in the
        company, or an empty recordset."""
        move = self.env["account.move"].sudo().browse(int(move_id)).exists()
        if (
            not move
            or move.company_id != company
            or move.commercial_partner_id != partner
            or move.state != "posted"
            or move.move_type not in ("out_invoice", "out_refund")
        ):
            return self.env["account.move"].sudo().browse()
        return move

    # ------------------------------------------------------------------
    # The page
    # ------------------------------------------------------------------

    @api.model
    def _page_values(self, partner, company, communication, lang):
        """Everything the page shows, in ``lang`` (the caller's context
        language is ``lang`` too)."""
        items = self._items(partner, company)
        today = company._dunning_today()
        totals = {}
        for item in items:
            money = totals.setdefault(
                item.currency,
                {"overdue": 0.0, "due": 0.0, "owed": 0.0, "currency": item.currency},
            )
            if item.status != "disputed":
                money["owed"] += item.residual
            if item.status == "overdue":
                money["overdue"] += item.residual
            elif item.status == "due":
                money["due"] += item.residual
        promises, plans = self._arrangements(partner, company)
        contact = (
            self.env["dunning.communication"]
            .new({"partner_id": partner.id, "company_id": company.id})
            ._letter_contact()
        )
        return {
            "partner": partner,
            "company": company,
            "res_company": company,
            "communication": communication,
            "lang": lang,
            "langs": self._page_langs(),
            "today": today,
            "items": items,
            "totals": list(totals.values()),
            "contact": [value for value in contact if value],
            "education": company._dunning_portal_education(lang),
            "bank": self._bank_transfer(partner, company, items),
            "notices": self._pagopa_notices(partner, company),
            "plans": self._plan_instalments(plans, today),
            "promises": promises,
            "requests": self._requests(partner, company),
            "reasons": self.env["dunning.portal.request"]
            ._fields["reason_code"]
            ._description_selection(self.env),
            "money": lambda amount, currency: format_amount(self.env, amount, currency),
            "date": lambda day: format_date(self.env, day) if day else "",
            "plan_max": MAX_PLAN_INSTALMENTS,
        }

    @api.model
    def _bank_transfer(self, partner, company, items):
        """IBAN, BIC and an EPC QR code (EUR) for what is overdue."""
        bank = company._dunning_bank()
        if not bank:
            return False
        eur = self.env.ref("base.EUR")
        overdue = [
            item for item in items if item.status == "overdue" and item.currency == eur
        ]
        amount = _decimal(sum(item.residual for item in overdue))
        values = {
            "beneficiary": company.name,
            "iban": bank.acc_number,
            "bic": bank.bank_bic or "",
            "amount": float(amount),
            "currency": eur,
            "reference": ", ".join(item.number for item in overdue)[:140],
            "qr": False,
        }
        if amount > 0:
            try:
                payload = epc_qr_payload(
                    company.name,
                    bank.acc_number,
                    amount,
                    bic=bank.bank_bic or None,
                    remittance_text=values["reference"] or None,
                )
                values["qr"] = "data:image/png;base64," + base64.b64encode(
                    epc_qr_png(payload, box_size=6)
                ).decode("ascii")
            except ValueError:
                values["qr"] = False  # the details are still given
        return values

    @api.model
    def _pagopa_notices(self, partner, company):
        """The customer's published pagoPA notices, with their pay link."""
        notices = (
            self.env["dunning.pagopa.notice"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", partner.id),
                    ("company_id", "=", company.id),
                    ("state", "=", "published"),
                ],
                order="date_due, id",
            )
        )
        return [
            {
                "notice": notice,
                "pay_url": notice.communication_id.pagopa_pay_url
                if notice.communication_id
                else False,
            }
            for notice in notices
        ]

    @api.model
    def _plan_instalments(self, plans, today):
        """Each active plan with its instalments; those falling due soon or
        late and not paid can be paid online."""
        result = []
        for plan in plans:
            rows = []
            for line in plan.line_ids.sorted(lambda li: (li.date, li.sequence)):
                left = line.amount - line.amount_paid
                rows.append(
                    {
                        "line": line,
                        "left": left,
                        "payable": line.state != "paid"
                        and line.date <= today + timedelta(days=INSTALMENT_PAYABLE_DAYS)
                        and plan.currency_id.compare_amounts(left, 0) > 0,
                    }
                )
            result.append({"plan": plan, "rows": rows})
        return result

    @api.model
    def _requests(self, partner, company):
        return (
            self.env["dunning.portal.request"]
            .sudo()
            .search(
                [("partner_id", "=", partner.id), ("company_id", "=", company.id)],
                limit=30,
            )
        )

    @api.model
    def _payable_instalment(self, partner, company, line_id):
        """The plan instalment ``line_id`` of this customer, payable now; None
        when it is not one of its instalments, UserError when it is but is not
        payable yet (or any more)."""
        try:
            line = self.env["dunning.instalment.plan.line"].sudo().browse(int(line_id))
        except (TypeError, ValueError):
            return None
        line = line.exists()
        if (
            not line
            or line.plan_id.partner_id != partner
            or line.plan_id.company_id != company
        ):
            return None
        today = company._dunning_today()
        rows = self._plan_instalments(line.plan_id, today)[0]["rows"]
        row = next((row for row in rows if row["line"] == line), None)
        if line.plan_id.state != "active" or not row or not row["payable"]:
            raise UserError(
                _(
                    "Instalment %(number)s of %(plan)s can be paid online from "
                    "%(date)s, while the plan runs and until it is paid.",
                    number=line.sequence,
                    plan=line.plan_id.name,
                    date=format_date(
                        self.env, line.date - timedelta(days=INSTALMENT_PAYABLE_DAYS)
                    ),
                )
            )
        return line
