from datetime import timedelta
from decimal import Decimal

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount, format_date

from ..lib.instalments import schedule
from ..lib.portal_rules import Ask, decide
from .dunning_portal_request import (
    DISPUTE_REASONS,
    MAX_FIRST_INSTALMENT_DAYS,
    MAX_PLAN_INSTALMENTS,
    MAX_PROMISE_DAYS,
)


def _decimal(value):
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


class DunningPortalRequestSubmit(models.Model):
    """What the customer sends from its page, checked value by value, and
    what follows at once: the rules of the company decide on a promise or a
    plan (lib/portal_rules.py), a dispute is opened, a reviewer gets an
    activity. The decisions of the collectors are in
    dunning_portal_request.py."""

    _inherit = "dunning.portal.request"

    # ------------------------------------------------------------------
    # What the customer asks (called by the page, as superuser, after the
    # link was checked; every value comes from the customer and is checked
    # here)
    # ------------------------------------------------------------------

    @api.model
    def _submit(
        self,
        kind,
        partner,
        company,
        lines,
        communication=None,
        attachment=None,
        **values,
    ):
        """Record the customer's request on ``lines`` (receivable lines of its
        own open items, checked by the caller) and act on it. Returns the
        request; UserError with what to correct when a value is wrong."""
        method = {
            "paid": self._prepare_paid,
            "promise": self._prepare_promise,
            "plan": self._prepare_plan,
            "dispute": self._prepare_dispute,
        }[kind]
        if not lines:
            raise UserError(_("Choose at least one invoice."))
        currencies = lines.currency_id
        if len(currencies) > 1:
            raise UserError(
                _(
                    "Choose invoices of one currency at a time: %s.",
                    currencies.mapped("name"),
                )
            )
        today = company._dunning_today()
        owed = sum(lines.mapped("amount_residual_currency"))
        vals = {
            "kind": kind,
            "company_id": company.id,
            "partner_id": partner.id,
            "communication_id": communication.id if communication else False,
            "move_ids": [Command.set(lines.move_id.ids)],
            "currency_id": currencies.id,
            "owed": owed,
            "lang": self.env.context.get("lang"),
        }
        vals.update(method(partner, company, lines, today, **values))
        request = self.sudo().create(vals)
        request._after_submit(lines, attachment)
        return request

    def _check_date(self, value, label):
        if not value:
            raise UserError(_("Give the %s.", label))
        try:
            return fields.Date.to_date(value)
        except ValueError:
            raise UserError(_("%s is not a date.", value)) from None

    def _check_amount(self, value, currency):
        try:
            amount = (
                Decimal(str(value).replace(",", "."))
                if value not in (None, "")
                else None
            )
        except ArithmeticError:
            amount = None
        if amount is None or not amount.is_finite():
            raise UserError(_("Give the amount as a number, e.g. 1250.50."))
        return float(amount.quantize(Decimal(1).scaleb(-currency.decimal_places)))

    @api.model
    def _prepare_paid(
        self,
        partner,
        company,
        lines,
        today,
        payment_date=None,
        amount=None,
        message=None,
    ):
        paid_on = self._check_date(payment_date, _("day you paid"))
        if paid_on > today:
            raise UserError(_("The day you paid cannot be in the future."))
        if paid_on < today - timedelta(days=366):
            raise UserError(
                _("The day you paid is more than a year ago: please call us.")
            )
        currency = lines.currency_id
        vals = {
            "payment_date": paid_on,
            "message": (message or "").strip()[:2000] or False,
            "pause_until": today + timedelta(days=company.dunning_portal_review_days),
            "user_id": partner._dunning_responsible(company).id,
        }
        if amount not in (None, ""):
            vals["amount"] = self._check_amount(amount, currency)
        else:
            vals["amount"] = sum(lines.mapped("amount_residual_currency"))
        return vals

    @api.model
    def _prepare_promise(
        self,
        partner,
        company,
        lines,
        today,
        promise_date=None,
        amount=None,
        message=None,
    ):
        currency = lines.currency_id
        day = self._check_date(promise_date, _("day you will pay"))
        if day < today:
            raise UserError(_("The day you will pay cannot be in the past."))
        if day > today + timedelta(days=MAX_PROMISE_DAYS):
            raise UserError(
                _("Promise a day within a year, or ask for an instalment plan.")
            )
        promised = self._check_amount(amount, currency)
        owed = sum(lines.mapped("amount_residual_currency"))
        if currency.compare_amounts(promised, 0) <= 0:
            raise UserError(_("The amount you will pay must be more than zero."))
        if currency.compare_amounts(promised, owed) > 0:
            raise UserError(
                _(
                    "You promise more than these invoices owe (%s).",
                    format_amount(self.env, owed, currency),
                )
            )
        decision = self._decide(
            "promise", partner, company, currency, today, promised, owed, day
        )
        return {
            "promise_date": day,
            "amount": promised,
            "message": (message or "").strip()[:2000] or False,
            **decision,
        }

    @api.model
    def _prepare_plan(
        self,
        partner,
        company,
        lines,
        today,
        instalment_count=None,
        first_date=None,
        message=None,
    ):
        currency = lines.currency_id
        try:
            count = int(instalment_count)
        except (TypeError, ValueError):
            count = 0
        if not 2 <= count <= MAX_PLAN_INSTALMENTS:
            raise UserError(
                _("Choose between 2 and %s instalments.", MAX_PLAN_INSTALMENTS)
            )
        first = self._check_date(first_date, _("day of the first instalment"))
        if first < today:
            raise UserError(_("The first instalment cannot be in the past."))
        if first > today + timedelta(days=MAX_FIRST_INSTALMENT_DAYS):
            raise UserError(
                _(
                    "The first instalment comes within %s days.",
                    MAX_FIRST_INSTALMENT_DAYS,
                )
            )
        if lines.filtered(
            lambda line: line.currency_id.compare_amounts(
                line.amount_residual_currency, 0
            )
            <= 0
        ):
            raise UserError(_("Choose invoices still to pay."))
        total = sum(lines.mapped("amount_residual_currency"))
        rows = schedule(
            Decimal(str(total)), count, first, 1, "months", currency.decimal_places
        )
        last = rows[-1][0]
        decision = self._decide(
            "plan", partner, company, currency, today, total, total, last, count
        )
        return {
            "instalment_count": count,
            "first_date": first,
            "amount": total,
            "message": (message or "").strip()[:2000] or False,
            **decision,
        }

    @api.model
    def _prepare_dispute(
        self, partner, company, lines, today, reason_code=None, message=None
    ):
        reasons = dict(DISPUTE_REASONS)
        if reason_code not in reasons:
            raise UserError(_("Choose the reason of the dispute."))
        text = (message or "").strip()
        if not text:
            raise UserError(_("Tell us what is wrong, in a few words."))
        if len(lines) != 1:
            raise UserError(_("Dispute one invoice at a time."))
        return {
            "reason_code": reason_code,
            "message": text[:4000],
            "move_line_id": lines.id,
            "amount": lines.amount_residual_currency,
            "state": "accepted",
        }

    @api.model
    def _decide(
        self, kind, partner, company, currency, today, amount, owed, last_date, count=1
    ):
        """The company's rules on this promise or plan: accepted at once, or
        pending with the reasons and a reviewer."""
        rules = (
            self.env["dunning.portal.rule"]
            .sudo()
            .search([("company_id", "=", company.id), ("kind", "=", kind)])
        )
        profile = (
            self.env["dunning.credit.profile"]
            .sudo()
            .search(
                [("partner_id", "=", partner.id), ("company_id", "=", company.id)],
                limit=1,
            )
        )

        def in_company(value):
            value = currency._convert(value, company.currency_id, company, today)
            return _decimal(value)

        decision = decide(
            rules._limits(),
            Ask(
                kind=kind,
                risk_class=profile.risk_class or None,
                today=today,
                amount=in_company(amount),
                owed=in_company(owed),
                last_date=last_date,
                instalments=count,
            ),
        )
        if decision.accepted:
            return {"state": "accepted", "rule_id": decision.key}
        reviewer = (
            company._dunning_credit_manager()
            if kind == "plan"
            else partner._dunning_responsible(company)
        )
        return {
            "state": "pending",
            "review_note": "\n".join(
                self._reason_text(code, values, company)
                for code, values in decision.reasons
            ),
            "pause_until": today + timedelta(days=company.dunning_portal_review_days),
            "user_id": reviewer.id,
        }

    def _reason_text(self, code, values, company):
        money = company.currency_id
        texts = {
            "no_rule": lambda: self.env._(
                "No rule of the company accepts such requests at once."
            ),
            "unrated": lambda: self.env._("The customer has no risk class yet."),
            "risk_class": lambda: self.env._(
                "Risk class %(risk_class)s; the rules accept %(allowed)s.",
                risk_class=values["risk_class"],
                allowed=", ".join(values["allowed"]) or "-",
            ),
            "days": lambda: self.env._(
                "%(days)s days away; the rules accept %(max_days)s at most.",
                days=values["days"],
                max_days=values["max_days"],
            ),
            "amount": lambda: self.env._(
                "%(amount)s; the rules accept %(max_amount)s at most.",
                amount=format_amount(self.env, float(values["amount"]), money),
                max_amount=format_amount(self.env, float(values["max_amount"]), money),
            ),
            "instalments": lambda: self.env._(
                "%(count)s instalments; the rules accept %(max_count)s at most.",
                count=values["count"],
                max_count=values["max_count"],
            ),
            "share": lambda: self.env._(
                "The promise covers %(share)s %% of the invoices; the rules ask "
                "for %(min_share)s %% at least.",
                share=values["share"],
                min_share=values["min_share"],
            ),
        }
        return texts[code]()

    def _after_submit(self, lines, attachment=None):
        """The remittance file, the promise, plan or dispute opened at once,
        the reviewer's activity, the notes in the chatters, the customer's
        confirmation. ``attachment``: (file name, bytes, mimetype)."""
        self.ensure_one()
        if attachment:
            self._attach_remittance(attachment)
        if self.kind == "dispute":
            self._open_dispute(lines)
        elif self.state == "accepted":
            self._accept(None)
            return
        else:
            self._schedule_review()
        self._log_on_customer()
        self._notify_customer()

    def _attach_remittance(self, upload):
        """The customer's proof of payment, kept on the request."""
        name, content, mimetype = upload
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": name,
                    "raw": content,
                    "mimetype": mimetype,
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )
        self._write_controlled({"attachment_id": attachment.id})

    def _schedule_review(self):
        self.ensure_one()
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        if self.kind == "paid":
            summary = _(
                "%(customer)s says it paid on %(date)s: find the payment",
                customer=self.partner_id.display_name,
                date=format_date(self.env, self.payment_date),
            )
        else:
            summary = _(
                "%(kind)s asked by %(customer)s: accept or refuse",
                kind=kinds[self.kind],
                customer=self.partner_id.display_name,
            )
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=self.company_id._dunning_today(),
            user_id=(self.user_id or self.company_id._dunning_credit_manager()).id,
            summary=summary,
            note=self._summary_text(),
        )

    def _open_dispute(self, lines):
        """The dispute of the item, owned by the customer's collector (who
        gets its activity): the item is left out of dunning at once."""
        reasons = dict(self._fields["reason_code"]._description_selection(self.env))
        owner = self.partner_id._dunning_responsible(self.company_id)
        dispute = (
            self.env["dunning.dispute"]
            .sudo()
            .with_company(self.company_id)
            .create(
                {
                    "company_id": self.company_id.id,
                    "move_id": lines.move_id.id,
                    "move_line_id": lines.id if self._is_instalment(lines) else False,
                    "reason": _(
                        "%(reason)s (from the customer's page): %(message)s",
                        reason=reasons[self.reason_code],
                        message=self.message,
                    ),
                    "user_id": owner.id,
                }
            )
        )
        self._write_controlled({"dispute_id": dispute.id, "user_id": owner.id})

    @api.model
    def _is_instalment(self, line):
        """Whether the receivable line is one of several of its invoice (a
        payment term with instalments): then only it is disputed."""
        siblings = line.move_id.line_ids.filtered(
            lambda other: other.account_id == line.account_id
        )
        return len(siblings) > 1
