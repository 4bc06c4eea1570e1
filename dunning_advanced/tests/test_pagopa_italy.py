from odoo.tests import Form, tagged

from .common import DunningTestCommon
from .fake_gpd import IBAN, KEY, ORG


@tagged("post_install", "-at_install")
class TestPagopaSettingsForm(DunningTestCommon):
    """pagoPA is switched on from Settings as an administrator does it."""

    def _settings(self, aux, segregation=None, application=None):
        form = Form(self.env["res.config.settings"])
        form.pagopa_enabled = True
        form.pagopa_creditor_fiscal_code = ORG
        form.pagopa_aux_digit = aux
        if segregation is not None:
            form.pagopa_segregation_code = segregation
        if application is not None:
            form.pagopa_application_code = application
        form.pagopa_iban = IBAN
        form.pagopa_subscription_key = KEY
        form.pagopa_journal_id = self.company_data["default_journal_bank"]
        form.save().execute()

    def test_aux_digit_3_with_segregation_code_saves(self):
        self._settings("3", segregation="02")
        self.assertTrue(self.company.pagopa_enabled)
        self.assertEqual(self.company.pagopa_aux_digit, "3")
        self.assertEqual(self.company.pagopa_segregation_code, "02")
        self.assertEqual(self.company._pagopa_setting_problems(complete=True), [])

    def test_aux_digit_2_saves_without_segregation_code(self):
        self._settings("2")
        self.assertTrue(self.company.pagopa_enabled)
        self.assertEqual(self.company.pagopa_aux_digit, "2")

    def test_aux_digit_0_with_application_code_saves(self):
        self._settings("0", application="05")
        self.assertEqual(
            (self.company.pagopa_aux_digit, self.company.pagopa_application_code),
            ("0", "05"),
        )
