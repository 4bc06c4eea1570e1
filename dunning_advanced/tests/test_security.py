from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import DUNNING_USER, DunningTestCommon, d


@tagged("post_install", "-at_install")
@freeze_time("2026-03-10")
class TestDunningSecurity(DunningTestCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.setup_other_company(name="Altra Azienda S.r.l.")[
            "company"
        ]
        cls.other_user = new_test_user(
            cls.env,
            login="other_dunning_user",
            groups=f"{DUNNING_USER},sales_team.group_sale_salesman",
            company_id=cls.other_company.id,
            company_ids=[Command.set(cls.other_company.ids)],
        )
        cls._invoice(cls.customer, 400, d("2026-01-01"), d("2026-01-31"))
        cls.env["dunning.credit.profile"]._compute_risk_scores(
            cls.customer, cls.company
        )
        cls.profile = cls.env["dunning.credit.profile"].search(
            [("partner_id", "=", cls.customer.id), ("company_id", "=", cls.company.id)]
        )

    def test_salesperson_and_invoicing_user_cannot_read_credit_profiles(self):
        for user in (self.salesperson, self.invoicing_user):
            with self.assertRaises(AccessError):
                self.env["dunning.credit.profile"].with_user(user).search([])

    def test_dunning_user_reads_but_cannot_change_profiles(self):
        profile = self.profile.with_user(self.dunning_user)
        self.assertEqual(profile.exposure_amount, 400)
        self.assertEqual(profile.overdue_amount, 400)
        with self.assertRaises(AccessError):
            profile.write({"manual_hold": True})
        with self.assertRaises(AccessError):
            profile.unlink()
        with self.assertRaises(AccessError):
            self.env["res.partner.credit.hold"].with_user(self.dunning_user).create(
                {"partner_id": self.customer.id, "action": "hold", "reason": "x"}
            )

    def test_other_company_user_sees_nothing_of_this_company(self):
        Profile = self.env["dunning.credit.profile"].with_user(self.other_user)
        self.assertFalse(Profile.search([("partner_id", "=", self.customer.id)]))
        with self.assertRaises(AccessError):
            self.profile.with_user(self.other_user).read(["risk_score"])
        partner = self.customer.with_user(self.other_user).with_company(
            self.other_company
        )
        self.assertFalse(partner.risk_class)
        self.assertEqual(partner.credit_exposure, 0)
        self.assertEqual(partner.credit_hold_state, "none")
        self.assertFalse(
            self.env["dunning.credit.override"].with_user(self.other_user).search([])
        )

    def test_other_company_user_cannot_switch_into_this_company(self):
        with self.assertRaises(AccessError):
            self.customer.with_user(self.other_user).with_company(self.company).read(
                ["credit_exposure"]
            )

    def test_dunning_user_sees_risk_in_own_company(self):
        partner = self.customer.with_user(self.dunning_user).with_company(self.company)
        self.assertEqual(partner.risk_class, self.profile.risk_class)
        self.assertTrue(partner.risk_explanation)
