"""The access matrix of the addon, as a test (issue 11; SECURITY.md shows it).

Two tables, each cell "allowed" or "refused" (AccessError), tried over the ORM
as a user of each role on records of the company, each try rolled back:

- role by model by read / write / create / unlink;
- role by every action that moves money or changes a state.

Then a few cells again over HTTP JSON-RPC, as the web client calls them.
The engine's models (dunning.run, dunning.communication and its lines, the
run wizard) are in both tables: reminders and runs are made by the engine
only, a Dunning User changes a draft's channels and items and sends it, a
Credit Manager approves.
"""

import json
from contextlib import closing

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import DunningTestCommon, d
from .common_security import make_role_users
from .fake_gpd import IBAN, KEY, ORG

ROLES = (
    "public",
    "portal",
    "salesperson",
    "invoicing",
    "dunning_user",
    "credit_manager",
    "other_manager",
)
# Letters a role may do on a record of the company: r(ead) w(rite) c(reate)
# u(nlink); one column per role, in the order of ROLES. "other_manager" is a
# credit manager of another company. Creations are tried in the company (its
# allowed_company_ids), as a user working there would make them.
MODEL_MATRIX = {
    # Credit standing and its audit log: written by the system only.
    "dunning.credit.profile": ("", "", "", "", "r", "r", ""),
    "dunning.credit.override": ("", "", "", "", "r", "r", ""),
    "dunning.risk.class": ("", "", "r", "r", "r", "r", "r"),
    # Configuration: credit managers of the company.
    "dunning.policy": ("", "", "", "", "r", "rwcu", ""),
    "dunning.level": ("", "", "", "", "r", "rwcu", ""),
    # Statutory rates are the law's, shared by every company: any credit
    # manager keeps them (creating one while working in another company's
    # context is refused like every creation there).
    "dunning.interest.rate": ("", "", "", "", "r", "rwcu", "rwu"),
    "dunning.collection.stage": ("", "", "", "", "r", "rwcu", ""),
    # Collections work.
    "dunning.dispute": ("", "", "", "", "rwc", "rwcu", ""),
    "dunning.promise": ("", "", "", "", "rwc", "rwcu", ""),
    "dunning.instalment.plan": ("", "", "", "", "rwc", "rwcu", ""),
    "dunning.instalment.plan.line": ("", "", "", "", "rwcu", "rwcu", ""),
    "dunning.prescription.event": ("", "", "", "", "rc", "rwcu", ""),
    # Payments.
    "dunning.sdd.mandate": ("", "", "", "", "r", "rwcu", ""),
    "dunning.sdd.batch": ("", "", "", "", "rwcu", "rwcu", ""),
    "dunning.sdd.batch.line": ("", "", "", "", "rwcu", "rwcu", ""),
    "dunning.pagopa.notice": ("", "", "", "", "rw", "rwc", ""),
    # Legal stage: cases open through the legal level or the Open wizard only.
    "dunning.collection.case": ("", "", "", "", "rw", "rw", ""),
    "dunning.collection.case.line": ("", "", "", "", "r", "ru", ""),
    "dunning.collection.stage.log": ("", "", "", "", "r", "r", ""),
    "dunning.collection.handoff": ("", "", "", "", "r", "r", ""),
    "dunning.collection.webhook.event": ("", "", "", "", "", "r", ""),
    # Wizards (create is what matters: their action checks again). The credit
    # manager of another company cannot work in this company at all.
    "res.partner.credit.hold": ("", "", "", "", "", "c", ""),
    "dunning.document.approve": ("", "", "", "", "", "c", ""),
    "res.company.credit.settings": ("", "", "", "", "", "c", ""),
    "dunning.collection.case.settle": ("", "", "", "", "", "c", ""),
    "dunning.collection.case.open": ("", "", "", "", "c", "c", ""),
    "dunning.collection.case.stage": ("", "", "", "", "c", "c", ""),
    "account.move.interest.invoice": ("", "", "", "", "c", "c", ""),
    "dunning.pagopa.notice.check": ("", "", "", "", "c", "c", ""),
    # The dunning engine: runs and reminders are made by runs only (never
    # created, never deleted by a user); a draft's channels and items change.
    "dunning.run": ("", "", "", "", "rw", "rw", ""),
    "dunning.communication": ("", "", "", "", "rw", "rw", ""),
    "dunning.communication.line": ("", "", "", "", "rw", "rw", ""),
    "dunning.run.wizard": ("", "", "", "", "c", "c", ""),
}
# Fields of customers and agencies only a credit manager of the company sets.
FIELD_MATRIX = {
    "credit_limit": ("", "", "", "", "", "w", ""),
    "dunning_excluded": ("", "", "", "", "", "w", ""),
    "dunning_pec_email": ("", "", "", "", "", "w", ""),
    "risk_external_rating": ("", "", "", "", "", "w", ""),
    "collection_endpoint_url": ("", "", "", "", "", "w", ""),
    "collection_api_token": ("", "", "", "", "", "w", ""),
    "collection_webhook_secret": ("", "", "", "", "", "w", ""),
    # The fields a salesperson keeps.
    "phone": ("", "", "w", "w", "w", "w", ""),
}
# Actions that move money or change a state: "x" where the role may run it.
ACTION_MATRIX = {
    "res.partner.credit.hold: put on hold": ("", "", "", "", "", "x", ""),
    "res.partner.credit.hold: release": ("", "", "", "", "", "x", ""),
    "dunning.document.approve: approve an order": ("", "", "", "", "", "x", ""),
    "res.company.credit.settings: save": ("", "", "", "", "", "x", ""),
    "res.partner: recompute the risk score": ("", "", "", "", "x", "x", ""),
    "res.partner: export collection cases": ("", "", "", "", "", "x", ""),
    "dunning.collection.case.open: open a case": ("", "", "", "", "", "x", ""),
    "dunning.collection.case.stage: move a case": ("", "", "", "", "x", "x", ""),
    "dunning.collection.case.settle: settle": ("", "", "", "", "", "x", ""),
    "dunning.collection.case.settle: write off": ("", "", "", "", "", "x", ""),
    "dunning.collection.case: check payments": ("", "", "", "", "x", "x", ""),
    "dunning.collection.case: reopen": ("", "", "", "", "", "x", ""),
    "dunning.collection.case: build case file": ("", "", "", "", "x", "x", ""),
    "dunning.collection.case: hand over": ("", "", "", "", "x", "x", ""),
    "dunning.sdd.batch: generate": ("", "", "", "", "x", "x", ""),
    "dunning.sdd.batch: mark sent": ("", "", "", "", "x", "x", ""),
    "dunning.sdd.batch: reset to draft": ("", "", "", "", "x", "x", ""),
    "dunning.sdd.batch: confirm collected": ("", "", "", "", "", "x", ""),
    "dunning.pagopa.notice: withdraw": ("", "", "", "", "x", "x", ""),
    "dunning.promise: cancel": ("", "", "", "", "x", "x", ""),
    "dunning.instalment.plan: activate": ("", "", "", "", "x", "x", ""),
    "dunning.instalment.plan: cancel": ("", "", "", "", "x", "x", ""),
    "dunning.dispute: resolve": ("", "", "", "", "x", "x", ""),
    "account.move.interest.invoice: invoice interest": ("", "", "", "", "x", "x", ""),
    "dunning.run.wizard: preview a run": ("", "", "", "", "x", "x", ""),
    "dunning.run: refresh preview": ("", "", "", "", "x", "x", ""),
    "dunning.run: send": ("", "", "", "", "x", "x", ""),
    "dunning.run: discard": ("", "", "", "", "x", "x", ""),
    "dunning.communication: send": ("", "", "", "", "x", "x", ""),
    "dunning.communication: cancel": ("", "", "", "", "x", "x", ""),
    "dunning.communication: approve": ("", "", "", "", "", "x", ""),
    "dunning.communication: retry": ("", "", "", "", "x", "x", ""),
}


class MatrixCommon(DunningTestCommon):
    """A company with one record of each model, and a user of each role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.company.currency_id = cls.eur
        cls.other_company = cls.setup_other_company(name="Altra Azienda S.r.l.")[
            "company"
        ]
        cls.roles = make_role_users(cls.env, cls.company, cls.other_company, "mx")
        company_bank = cls.env["res.partner.bank"].create(
            {"acc_number": IBAN, "partner_id": cls.company.partner_id.id}
        )
        cls.company.write(
            {
                "dunning_bank_id": company_bank.id,
                "dunning_sdd_creditor_identifier": "DE98ZZZ09999999999",
                "dunning_collection_writeoff_account_id": cls.company_data[
                    "default_account_expense"
                ].id,
                "pagopa_enabled": True,
                "pagopa_creditor_fiscal_code": ORG,
                "pagopa_aux_digit": "3",
                "pagopa_segregation_code": "01",
                "pagopa_iban": IBAN,
                "pagopa_journal_id": cls.company_data["default_journal_bank"].id,
                "pagopa_subscription_key": KEY,
            }
        )
        italy = cls.env.ref("base.it")
        address = {"street": "Via Roma 1", "zip": "20121", "city": "Milano"}
        cls.company.partner_id.write({**address, "country_id": italy.id})
        cls.customer.write({**address, "country_id": italy.id, "vat": "IT12345670017"})
        cls.invoice = cls._invoice(
            cls.customer, 1000.0, d("2026-01-01"), d("2026-01-31")
        )
        cls.receivable_line = cls.invoice.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )
        cls.agency = cls.env["res.partner"].create(
            {
                "name": "Avv. Maria Verdi",
                "email": "verdi@studiolegale.example.com",
                "collection_agency_kind": "lawyer",
            }
        )
        cls.records = cls._make_records()

    @classmethod
    def _make_records(cls):
        env = cls.env
        company = cls.company
        Profile = env["dunning.credit.profile"].sudo()
        profile = Profile._get_or_create(cls.customer, company)
        override = (
            env["dunning.credit.override"]
            .sudo()
            .create(
                {
                    "override_type": "hold",
                    "partner_id": cls.customer.id,
                    "company_id": company.id,
                    "reason": "Matrix",
                }
            )
        )
        policy = env["dunning.policy"].search(
            [("company_id", "=", company.id)], limit=1
        )
        stage = env["dunning.collection.stage"].create(
            {"name": "Matrix stage", "company_id": company.id, "sequence": 99}
        )
        plan = env["dunning.instalment.plan"].create(
            {
                "partner_id": cls.customer.id,
                "move_ids": [Command.set(cls.invoice.ids)],
                "first_date": d("2026-04-01"),
            }
        )
        plan.action_compute_instalments()
        bank = env["res.partner.bank"].create(
            {"acc_number": "DE89370400440532013000", "partner_id": cls.customer.id}
        )
        mandate = env["dunning.sdd.mandate"].create(
            {
                "name": "MATRIX-001",
                "partner_id": cls.customer.id,
                "partner_bank_id": bank.id,
                "signature_date": d("2025-06-01"),
            }
        )
        mandate.action_activate()
        unused_mandate = env["dunning.sdd.mandate"].create(
            {
                "name": "MATRIX-000",
                "partner_id": cls.customer.id,
                "partner_bank_id": bank.id,
                "signature_date": d("2025-06-01"),
            }
        )
        batch = env["dunning.sdd.batch"].create({"company_id": company.id})
        batch_line = env["dunning.sdd.batch.line"].create(
            {
                "batch_id": batch.id,
                "invoice_id": cls.invoice.id,
                "mandate_id": mandate.id,
            }
        )
        case = (
            env["dunning.collection.case"]
            .with_company(company)
            ._open_or_update(cls.customer, company, cls.receivable_line)
        )
        notice = env["dunning.pagopa.notice"].create(
            {
                "partner_id": cls.customer.id,
                "move_ids": [Command.set(cls.invoice.ids)],
                "amount": 100.0,
                "date_due": d("2026-04-15"),
            }
        )
        event = (
            env["dunning.collection.webhook.event"]
            .sudo()
            ._claim(cls.agency, company, "evt-matrix")
        )
        return {
            "dunning.credit.profile": profile,
            "dunning.credit.override": override,
            "dunning.risk.class": env["dunning.risk.class"].search([], limit=1),
            "dunning.policy": policy,
            "dunning.level": policy.level_ids[:1],
            "dunning.interest.rate": env["dunning.interest.rate"].create(
                {
                    "kind": "b2b",
                    "date_from": d("2040-01-01"),
                    "date_to": d("2040-06-30"),
                    "rate": 8.0,
                    "source": "Matrix",
                }
            ),
            "dunning.collection.stage": stage,
            "dunning.dispute": env["dunning.dispute"].create(
                {"move_id": cls.invoice.id, "reason": "Damaged goods"}
            ),
            "dunning.promise": env["dunning.promise"].create(
                {
                    "partner_id": cls.customer.id,
                    "move_ids": [Command.set(cls.invoice.ids)],
                    "date": d("2026-03-20"),
                    "amount": 500.0,
                }
            ),
            "dunning.instalment.plan": plan,
            "dunning.instalment.plan.line": plan.line_ids[:1],
            "dunning.prescription.event": env["dunning.prescription.event"].create(
                {
                    "partner_id": cls.customer.id,
                    "move_ids": [Command.set(cls.invoice.ids)],
                    "kind": "other",
                    "date": d("2026-03-01"),
                    "note": "Phone call: the owner admits the debt",
                }
            ),
            "dunning.sdd.mandate": unused_mandate,
            "dunning.sdd.batch": batch,
            "dunning.sdd.batch.line": batch_line,
            "dunning.pagopa.notice": notice,
            "dunning.collection.case": case,
            "dunning.collection.case.line": case.line_ids[:1],
            "dunning.collection.stage.log": case.stage_log_ids[:1],
            "dunning.collection.handoff": env["dunning.collection.handoff"]
            .sudo()
            .create(
                {
                    "case_id": case.id,
                    "agency_id": cls.agency.id,
                    "user_id": env.user.id,
                    "channel": "email",
                }
            ),
            "dunning.collection.webhook.event": event,
            **cls._engine_records(),
        }

    @classmethod
    def _engine_records(cls):
        """A preview of today with one draft reminder (another customer: the
        first one's credit is in a case)."""
        debtor = cls._create_customer("Verdi S.p.A.", email="verdi@example.com")
        # A policy of its own: the default one is deleted by a matrix cell.
        policy = cls.env["dunning.policy"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        debtor.with_company(cls.company).dunning_policy_id = policy.copy(
            {"is_default": False, "name": "Matrix engine"}
        )
        cls._invoice(debtor, 300.0, d("2026-02-01"), d("2026-02-20"))
        run = (
            cls.env["dunning.run"]
            .sudo()
            .create({"company_id": cls.company.id, "date": d("2026-03-10")})
        )
        run.action_preview()
        draft = run.communication_ids
        return {
            "dunning.run": run,
            "dunning.communication": draft,
            "dunning.communication.line": draft.line_ids[:1],
        }

    def _attempt(self, attempt):
        """ "allowed" or "refused" (AccessError) for ``attempt``, rolled back."""
        with closing(self.env.cr.savepoint()):
            try:
                attempt()
                self.env.flush_all()
            except AccessError:
                return "refused"
        return "allowed"


@tagged("post_install", "-at_install")
@freeze_time("2026-03-10")
class TestAccessMatrix(MatrixCommon):
    # ------------------------------------------------------------------
    # role by model by read / write / create / unlink
    # ------------------------------------------------------------------

    def _write_vals(self, model):
        return {
            "dunning.credit.profile": {"manual_hold": True},
            "dunning.credit.override": {"reason": "Changed"},
            "dunning.risk.class": {"name": "Changed"},
            "dunning.policy": {"name": "Changed"},
            "dunning.level": {"name": "Changed"},
            "dunning.interest.rate": {"source": "Changed"},
            "dunning.collection.stage": {"description": "Changed"},
            "dunning.dispute": {"reason": "Changed"},
            "dunning.promise": {"note": "Changed"},
            "dunning.instalment.plan": {"note": "Changed"},
            "dunning.instalment.plan.line": {"sequence": 7},
            "dunning.prescription.event": {"note": "Changed"},
            "dunning.sdd.mandate": {"signature_date": d("2025-07-01")},
            "dunning.sdd.batch": {"collection_date": d("2026-03-30")},
            "dunning.sdd.batch.line": {"collection_date": d("2026-03-30")},
            "dunning.pagopa.notice": {"date_due": d("2026-04-30")},
            "dunning.collection.case": {"user_id": self.roles["dunning_user"].id},
            "dunning.collection.case.line": {"amount_original": 1.0},
            "dunning.collection.stage.log": {"note": "Changed"},
            "dunning.collection.handoff": {"message": "Changed"},
            "dunning.collection.webhook.event": {"message": "Changed"},
            "dunning.run": {
                "communication_ids": [
                    Command.update(
                        self.records["dunning.communication"].id, {"send_letter": True}
                    )
                ]
            },
            "dunning.communication": {"send_letter": True},
            "dunning.communication.line": {"include": False},
        }[model]

    def _create_vals(self, model):
        customer, invoice, company = self.customer, self.invoice, self.company
        records = self.records
        case = records["dunning.collection.case"]
        return {
            "dunning.credit.profile": {
                "partner_id": self._create_customer("Nuovo").id,
                "company_id": company.id,
            },
            "dunning.credit.override": {
                "override_type": "release",
                "partner_id": customer.id,
                "company_id": company.id,
                "reason": "Forged",
            },
            "dunning.risk.class": {"name": "E", "code": "A"},
            "dunning.policy": {"name": "New policy", "company_id": company.id},
            "dunning.level": {
                "policy_id": records["dunning.policy"].id,
                "name": "New level",
                "rank": 9,
                "delay_days": 200,
                "send_email": False,
                "send_letter": True,
            },
            "dunning.interest.rate": {
                "kind": "b2b",
                "date_from": d("2041-01-01"),
                "date_to": d("2041-06-30"),
                "rate": 8.0,
                "source": "New",
            },
            "dunning.collection.stage": {"name": "New", "company_id": company.id},
            "dunning.dispute": {"move_id": invoice.id, "reason": "Wrong price"},
            "dunning.promise": {
                "partner_id": customer.id,
                "move_ids": [Command.set(invoice.ids)],
                "date": d("2026-03-25"),
                "amount": 100.0,
                "company_id": company.id,
            },
            "dunning.instalment.plan": {
                "partner_id": customer.id,
                "move_ids": [Command.set(invoice.ids)],
                "first_date": d("2026-05-01"),
                "company_id": company.id,
            },
            "dunning.instalment.plan.line": {
                "plan_id": records["dunning.instalment.plan"].id,
                "date": d("2026-09-01"),
                "amount": 1.0,
            },
            "dunning.prescription.event": {
                "partner_id": customer.id,
                "move_ids": [Command.set(invoice.ids)],
                "kind": "other",
                "note": "Letter from the debtor",
                "company_id": company.id,
            },
            "dunning.sdd.mandate": {
                "name": "MATRIX-002",
                "partner_id": customer.id,
                "partner_bank_id": records["dunning.sdd.mandate"].partner_bank_id.id,
                "signature_date": d("2025-06-01"),
                "company_id": company.id,
            },
            "dunning.sdd.batch": {"company_id": company.id},
            "dunning.sdd.batch.line": {
                "batch_id": records["dunning.sdd.batch"].id,
                "invoice_id": self._invoice(customer, 50.0, d("2026-02-01")).id,
                "mandate_id": records["dunning.sdd.mandate"].id,
            },
            "dunning.pagopa.notice": {
                "partner_id": customer.id,
                "move_ids": [Command.set(invoice.ids)],
                "amount": 50.0,
                "date_due": d("2026-04-15"),
                "company_id": company.id,
            },
            "dunning.collection.case": {
                "partner_id": customer.id,
                "company_id": company.id,
            },
            "dunning.collection.case.line": {
                "case_id": case.id,
                "move_line_id": self._invoice(customer, 70.0, d("2026-02-02"))
                .line_ids.filtered(lambda ml: ml.account_type == "asset_receivable")
                .id,
            },
            "dunning.collection.stage.log": {
                "case_id": case.id,
                "user_id": self.env.user.id,
                "stage_to_id": case.stage_id.id,
            },
            "dunning.collection.handoff": {
                "case_id": case.id,
                "agency_id": self.agency.id,
                "user_id": self.env.user.id,
                "channel": "email",
            },
            "dunning.collection.webhook.event": {
                "agency_id": self.agency.id,
                "company_id": company.id,
                "event_id": "forged",
            },
            "res.partner.credit.hold": {
                "partner_id": customer.id,
                "action": "hold",
                "reason": "x",
            },
            "dunning.document.approve": {
                "res_model": "account.move",
                "res_id": invoice.id,
                "reason": "x",
            },
            "res.company.credit.settings": {},
            "dunning.collection.case.settle": {
                "case_id": case.id,
                "action": "write_off",
                "note": "x",
            },
            "dunning.collection.case.open": {"partner_id": customer.id},
            "dunning.collection.case.stage": {
                "case_id": case.id,
                "stage_id": case.stage_id.id,
                "note": "x",
            },
            "account.move.interest.invoice": {
                "date_to": d("2026-03-10"),
                "invoice_date": d("2026-03-10"),
            },
            "dunning.pagopa.notice.check": {"code": "301000000000000144"},
            "dunning.run": {"company_id": company.id, "date": d("2026-03-10")},
            "dunning.communication": {
                "partner_id": customer.id,
                "level_id": records["dunning.policy"].level_ids[-1:].id,
                "currency_id": company.currency_id.id,
                "date": d("2026-03-10"),
            },
            "dunning.communication.line": {
                "communication_id": records["dunning.communication"].id,
                "move_line_id": self.receivable_line.id,
                "date_maturity": d("2026-01-31"),
            },
            "dunning.run.wizard": {"date": d("2026-03-10")},
        }[model]

    def _model_cell(self, user, model):
        letters = ""
        record = self.records.get(model)
        if record:
            as_user = record.with_user(user)
            if self._attempt(lambda: as_user.read(["display_name"])) == "allowed":
                letters += "r"
            vals = self._write_vals(model)
            if self._attempt(lambda: as_user.write(vals)) == "allowed":
                letters += "w"
        Model = (
            self.env[model]
            .with_user(user)
            .with_context(allowed_company_ids=[self.company.id])
        )
        if self._attempt(lambda: Model.create(self._create_vals(model))) == "allowed":
            letters += "c"
        if record and self._attempt(lambda: as_user.unlink()) == "allowed":
            letters += "u"
        return letters

    def test_role_model_matrix(self):
        actual = {
            model: tuple(self._model_cell(self.roles[role], model) for role in ROLES)
            for model in MODEL_MATRIX
        }
        self.assertEqual(actual, MODEL_MATRIX)

    def test_sensitive_partner_fields_matrix(self):
        values = {
            "credit_limit": 1e9,
            "dunning_excluded": True,
            "dunning_pec_email": "me@evil.example",
            "risk_external_rating": 0,
            "collection_endpoint_url": "https://evil.example/v1",
            "collection_api_token": "stolen",
            "collection_webhook_secret": "stolen",
            "phone": "+39 011 000 0000",
        }
        targets = {
            "collection_endpoint_url": self.agency,
            "collection_api_token": self.agency,
            "collection_webhook_secret": self.agency,
        }
        actual = {}
        for fname in FIELD_MATRIX:
            vals = {fname: values[fname]}
            if fname == "dunning_excluded":
                vals["dunning_exclusion_reason"] = "Friend of the owner"
            target = targets.get(fname, self.customer)
            row = []
            for role in ROLES:
                partner = target.with_user(self.roles[role]).with_company(self.company)
                ok = self._attempt(lambda p=partner, v=vals: p.write(v)) == "allowed"
                row.append("w" if ok else "")
            actual[fname] = tuple(row)
        self.assertEqual(actual, FIELD_MATRIX)

    # ------------------------------------------------------------------
    # role by action
    # ------------------------------------------------------------------

    def _actions(self):
        """{label: callable(user)}: each runs the action as ``user`` on the
        company's records, as the button or its wizard would."""
        records = self.records
        case = records["dunning.collection.case"]
        batch = records["dunning.sdd.batch"]
        company = self.company

        def env(user):
            return self.env(user=user, context={"allowed_company_ids": [company.id]})

        def wizard(user, model, vals, method="action_confirm"):
            def run():
                getattr(env(user)[model].create(vals), method)()

            return run

        def customer(user):
            return self.customer.with_user(user).with_company(company)

        def on(record, method, *args):
            return lambda user: getattr(record.with_user(user), method)(*args)

        def generated(user):
            batch.action_generate()
            return batch.with_user(user)

        def sent(user):
            batch.action_generate()
            batch.action_mark_sent()
            return batch.with_user(user)

        def paid_case(user):
            payment = self._pay(self.invoice, 1000.0, d("2026-03-09"))
            case.action_check_payments()
            payment.action_draft()
            return case.with_user(user)

        run = records["dunning.run"]
        draft = records["dunning.communication"]

        def in_state(reminder, state):
            reminder.sudo()._write_controlled({"state": state})
            return reminder

        order = self._sale_order(self.customer, 100.0, user=self.roles["salesperson"])
        return {
            "res.partner.credit.hold: put on hold": lambda user: wizard(
                user,
                "res.partner.credit.hold",
                {"partner_id": self.customer.id, "action": "hold", "reason": "x"},
            )(),
            "res.partner.credit.hold: release": lambda user: wizard(
                user,
                "res.partner.credit.hold",
                {"partner_id": self.customer.id, "action": "release", "reason": "x"},
            )(),
            "dunning.document.approve: approve an order": lambda user: wizard(
                user,
                "dunning.document.approve",
                {"res_model": "sale.order", "res_id": order.id, "reason": "x"},
            )(),
            "res.company.credit.settings: save": lambda user: wizard(
                user,
                "res.company.credit.settings",
                {"company_id": company.id, "credit_hold_overdue_days": 30},
                "action_save",
            )(),
            "res.partner: recompute the risk score": lambda user: customer(
                user
            ).action_compute_risk_score(),
            "res.partner: export collection cases": lambda user: customer(
                user
            ).action_export_collection_cases(),
            "dunning.collection.case.open: open a case": lambda user: wizard(
                user,
                "dunning.collection.case.open",
                {
                    "partner_id": self.customer.id,
                    "move_ids": [
                        Command.set(
                            self._invoice(
                                self.customer, 10.0, d("2026-01-05"), d("2026-02-05")
                            ).ids
                        )
                    ],
                },
            )(),
            "dunning.collection.case.stage: move a case": lambda user: wizard(
                user,
                "dunning.collection.case.stage",
                {
                    "case_id": case.id,
                    "stage_id": records["dunning.collection.stage"].id,
                    "note": "x",
                },
            )(),
            "dunning.collection.case.settle: settle": lambda user: wizard(
                user,
                "dunning.collection.case.settle",
                {"case_id": case.id, "action": "settle", "amount": 700, "note": "x"},
            )(),
            "dunning.collection.case.settle: write off": lambda user: wizard(
                user,
                "dunning.collection.case.settle",
                {"case_id": case.id, "action": "write_off", "note": "x"},
            )(),
            "dunning.collection.case: check payments": on(
                case, "action_check_payments"
            ),
            "dunning.collection.case: reopen": lambda user: paid_case(
                user
            ).action_reopen(),
            "dunning.collection.case: build case file": on(
                case, "action_build_case_file"
            ),
            "dunning.collection.case: hand over": lambda user: (
                case.write({"agency_id": self.agency.id}),
                case.with_user(user).action_handoff(),
            ),
            "dunning.sdd.batch: generate": on(batch, "action_generate"),
            "dunning.sdd.batch: mark sent": lambda user: generated(
                user
            ).action_mark_sent(),
            "dunning.sdd.batch: reset to draft": lambda user: generated(
                user
            ).action_reset_draft(),
            "dunning.sdd.batch: confirm collected": lambda user: sent(
                user
            ).action_confirm_collected(),
            "dunning.pagopa.notice: withdraw": on(
                records["dunning.pagopa.notice"], "action_invalidate"
            ),
            "dunning.promise: cancel": on(records["dunning.promise"], "action_cancel"),
            "dunning.instalment.plan: activate": on(
                records["dunning.instalment.plan"], "action_activate"
            ),
            "dunning.instalment.plan: cancel": on(
                records["dunning.instalment.plan"], "action_cancel"
            ),
            "dunning.dispute: resolve": lambda user: records["dunning.dispute"]
            .with_user(user)
            .write({"resolution_note": "Replaced"})
            or records["dunning.dispute"].with_user(user).action_resolve(),
            "account.move.interest.invoice: invoice interest": lambda user: wizard(
                user,
                "account.move.interest.invoice",
                {
                    "date_to": d("2026-03-10"),
                    "invoice_date": d("2026-03-10"),
                    "move_ids": [Command.set(self.invoice.ids)],
                },
                "action_create_invoices",
            )(),
            "dunning.run.wizard: preview a run": lambda user: wizard(
                user, "dunning.run.wizard", {"date": d("2026-03-10")}
            )(),
            "dunning.run: refresh preview": on(run, "action_preview"),
            "dunning.run: send": on(run, "action_send"),
            "dunning.run: discard": on(run, "action_cancel"),
            "dunning.communication: send": on(draft, "action_send"),
            "dunning.communication: cancel": on(draft, "action_cancel"),
            "dunning.communication: approve": lambda user: in_state(draft, "to_approve")
            .with_user(user)
            .action_approve(),
            "dunning.communication: retry": lambda user: in_state(draft, "error")
            .with_user(user)
            .action_retry(),
        }

    def test_role_action_matrix(self):
        actions = self._actions()
        self.assertEqual(set(actions), set(ACTION_MATRIX))
        actual = {}
        for label in ACTION_MATRIX:
            row = []
            for role in ROLES:
                user = self.roles[role]
                outcome = self._attempt(lambda a=actions[label], u=user: a(u))
                row.append("x" if outcome == "allowed" else "")
            actual[label] = tuple(row)
        self.assertEqual(actual, ACTION_MATRIX)


@tagged("post_install", "-at_install")
@freeze_time("2026-03-10")
class TestAccessMatrixJsonRpc(MatrixCommon, HttpCase):
    """A few cells as the web client reaches them: /web/dataset/call_kw."""

    def _call(self, role, model, method, args, kwargs=None):
        self.authenticate(self.roles[role].login, self.roles[role].login)
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "model": model,
                "method": method,
                "args": args,
                "kwargs": {
                    "context": {"allowed_company_ids": [self.company.id]},
                    **(kwargs or {}),
                },
            },
        }
        # Odoo logs each refusal it answers as a warning: expected here.
        with mute_logger("odoo.http"):
            response = self.url_open(
                "/web/dataset/call_kw/%s/%s" % (model, method),
                data=json.dumps(payload),
                headers={"Content-Type": "application/json"},
            )
        return response.json()

    def _refused(self, answer):
        error = answer.get("error") or {}
        return error.get("data", {}).get("name") == "odoo.exceptions.AccessError"

    def test_dunning_user_cannot_close_a_case_over_rpc(self):
        case = self.records["dunning.collection.case"]
        paid = self.env.ref("dunning_advanced.dunning_collection_stage_paid")
        answer = self._call(
            "dunning_user",
            "dunning.collection.case",
            "web_save",
            [[case.id], {"stage_id": paid.id}],
            {"specification": {"stage_id": {}}},
        )
        self.assertTrue(self._refused(answer), answer)
        case.invalidate_recordset()
        self.assertFalse(case.is_closed)

    def test_salesperson_cannot_set_a_credit_limit_at_creation_over_rpc(self):
        answer = self._call(
            "salesperson",
            "res.partner",
            "create",
            [{"name": "Nuovo Cliente", "credit_limit": 1e9}],
        )
        self.assertTrue(self._refused(answer), answer)
        self.assertFalse(
            self.env["res.partner"].search([("name", "=", "Nuovo Cliente")])
        )

    def test_credit_manager_cannot_forge_the_override_log_over_rpc(self):
        answer = self._call(
            "credit_manager",
            "dunning.credit.override",
            "create",
            [
                {
                    "override_type": "release",
                    "partner_id": self.customer.id,
                    "reason": "Approved by the CEO",
                    "date": "2020-01-01 09:00:00",
                }
            ],
        )
        self.assertTrue(self._refused(answer), answer)

    def test_dunning_user_cannot_book_a_direct_debit_over_rpc(self):
        batch = self.records["dunning.sdd.batch"]
        answer = self._call(
            "dunning_user",
            "dunning.sdd.batch",
            "write",
            [[batch.id], {"state": "sent"}],
        )
        self.assertTrue(self._refused(answer), answer)
        answer = self._call(
            "dunning_user",
            "dunning.sdd.batch",
            "action_confirm_collected",
            [[batch.id]],
        )
        self.assertTrue(self._refused(answer), answer)
        batch.invalidate_recordset()
        self.assertEqual(batch.state, "draft")

    def test_credit_manager_reads_the_audit_log_over_rpc(self):
        answer = self._call(
            "credit_manager",
            "dunning.credit.override",
            "search_read",
            [[("partner_id", "=", self.customer.id)], ["reason"]],
        )
        self.assertEqual(answer["result"][0]["reason"], "Matrix")
        answer = self._call(
            "salesperson",
            "dunning.credit.override",
            "search_read",
            [[], ["reason"]],
        )
        self.assertTrue(self._refused(answer), answer)
