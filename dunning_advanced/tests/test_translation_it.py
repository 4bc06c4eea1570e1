from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.dunning_advanced.report.letter_renderer import letter_labels

from .test_dunning_engine import DunningEngineCommon


@tagged("post_install", "-at_install")
@freeze_time("2026-01-01")
class TestTranslationIt(DunningEngineCommon):
    """An Italian customer gets Italian reminders, letters and level texts from
    the addon's it.po; an English one still gets English.

    The test company's policy is a copy of the standard one made before Italian
    was loaded: loading the terms must translate the copy too."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("it_IT")
        cls.env["ir.module.module"]._load_module_terms(
            ["dunning_advanced"], ["it_IT"], overwrite=True
        )
        cls.customer.lang = "it_IT"
        cls.english = cls._create_customer(
            "Smith Builders Ltd", email="accounts@smith.example.com", lang="en_US"
        )

    def _firm_reminder(self, partner):
        """Due 31 January: friendly on 7 Feb (+7), firm on 20 Feb (+20)."""
        invoice = self._invoice(partner, 1000.0, "2026-01-01", "2026-01-31")
        self._run_on("2026-02-07", "2026-02-20")
        firm = self._communications(partner)[-1]
        self.assertEqual(firm.level_id, self.firm)
        return invoice, firm

    def test_company_copy_of_the_policy_is_translated(self):
        it = self.levels.with_context(lang="it_IT")
        self.assertEqual(
            it.mapped("name"),
            [
                "Sollecito di cortesia",
                "Primo sollecito",
                "Secondo sollecito",
                "Diffida e messa in mora",
                "Fase legale",
            ],
        )
        self.assertEqual(
            it[3].subject,
            "Diffida ad adempiere e costituzione in mora (art. 1219 c.c.)",
        )
        # English stays the source text.
        self.assertEqual(
            self.levels.with_context(lang="en_US").mapped("name")[2], "Firm reminder"
        )

    def test_company_wording_is_not_replaced(self):
        """A level the company reworded keeps its own text on a new load."""
        self.firm.with_context(lang="en_US").letter_opening = "Pay within a week."
        self.firm.with_context(lang="it_IT").letter_opening = "Pagate entro 7 giorni."
        self.env["ir.module.module"]._load_module_terms(
            ["dunning_advanced"], ["it_IT"], overwrite=True
        )
        self.assertEqual(
            self.firm.with_context(lang="it_IT").letter_opening,
            "Pagate entro 7 giorni.",
        )
        # The untouched closing is still the shipped Italian text.
        self.assertTrue(
            self.firm.with_context(lang="it_IT").letter_closing.startswith(
                "In mancanza di pagamento saremo costretti"
            )
        )

    def test_italian_customer_gets_the_firm_reminder_in_italian(self):
        invoice, firm = self._firm_reminder(self.customer)
        mail = self._mails(firm)
        self.assertEqual(
            mail.subject,
            f"{self.company.name}: secondo sollecito, fatture scadute ({firm.name})",
        )
        body = str(mail.body_html)
        self.assertIn("Spettabile", body)
        self.assertIn(
            "Nonostante il nostro precedente sollecito, le seguenti fatture "
            "risultano ancora insolute.",
            body,
        )
        self.assertIn("Distinti saluti", body)
        self.assertIn(invoice.name, body)
        self.assertNotIn("Despite our previous reminder", body)
        self.assertEqual(mail.attachment_ids, firm.letter_attachment_id)

        letter = firm._prepare_letter()
        self.assertEqual(letter.lang, "it_IT")
        self.assertEqual(letter.level_name, "Secondo sollecito")
        self.assertEqual(letter.subject, "Secondo sollecito: fatture scadute")
        self.assertEqual(
            letter.opening_text,
            "Nonostante il nostro precedente sollecito, le fatture sotto elencate "
            "risultano ancora insolute. Vi chiediamo di saldarle entro 10 giorni "
            "dalla data della presente.",
        )
        self.assertTrue(letter.closing_text.startswith("In mancanza di pagamento"))
        self.assertEqual(
            letter.payment_instructions[-1], f"Indicare nella causale: {invoice.name}"
        )
        self.assertEqual(letter.signature_title, "Ufficio Crediti")
        labels = letter_labels(letter.lang)
        self.assertEqual(labels["due_date"], "Scadenza")
        self.assertEqual(labels["total_due"], "Totale dovuto")

    def test_italian_formal_notice_charges(self):
        """2026-H1 B2B rate 10.15 %, 1 Feb - 7 Mar = 35 days:
        1000 * 10.15 % * 35 / 365 = 9.73, plus the 40 EUR compensation."""
        self._invoice(self.customer, 1000.0, "2026-01-01", "2026-01-31")
        self._walk_to_notice()
        notice = self._communications()[-1]
        self.assertEqual(notice.level_id, self.notice)
        letter = notice._prepare_letter()
        self.assertEqual(
            [(c.label, str(c.amount)) for c in letter.charges],
            [
                (
                    "Interessi di mora su ciascuna fattura scaduta, dalla scadenza "
                    "al 7 marzo 2026 (D.Lgs. 231/2002: tasso BCE + 8 punti)",
                    "9.73",
                ),
                (
                    "Indennizzo forfettario per i costi di recupero "
                    "(art. 6 D.Lgs. 231/2002): 1 x 40 EUR",
                    "40.00",
                ),
            ],
        )
        self.assertTrue(
            letter.opening_text.startswith(
                "Con la presente Vi diffidiamo formalmente e Vi costituiamo in mora"
            )
        )
        mail = self._mails(notice)
        self.assertEqual(
            mail.subject,
            f"{self.company.name}: diffida e messa in mora ({notice.name})",
        )
        self.assertIn("Indennizzo forfettario per i costi di recupero", mail.body_html)

    def test_english_customer_still_gets_english(self):
        invoice, firm = self._firm_reminder(self.english)
        mail = self._mails(firm)
        self.assertEqual(
            mail.subject,
            f"{self.company.name}: second reminder, overdue invoices ({firm.name})",
        )
        self.assertIn("Despite our previous reminder", str(mail.body_html))
        self.assertNotIn("Spettabile", str(mail.body_html))
        letter = firm._prepare_letter()
        self.assertEqual(letter.level_name, "Firm reminder")
        self.assertTrue(letter.opening_text.startswith("Despite our previous reminder"))
        self.assertEqual(
            letter.payment_instructions[-1], f"Please quote: {invoice.name}"
        )
        self.assertEqual(letter_labels(letter.lang)["due_date"], "Due date")

    def test_accountant_ui_in_italian(self):
        env_it = self.env(context=dict(self.env.context, lang="it_IT"))
        fields = env_it["dunning.communication"].fields_get(
            ["amount_total", "compensation_amount"], ["string"]
        )
        self.assertEqual(fields["amount_total"]["string"], "Da pagare ora")
        self.assertEqual(
            fields["compensation_amount"]["string"], "Indennizzo forfettario"
        )
        self.assertEqual(
            env_it.ref("dunning_advanced.dunning_menu_root").name,
            "Crediti e solleciti",
        )
        state = dict(
            env_it["res.partner"]
            ._fields["credit_hold_state"]
            ._description_selection(env_it)
        )
        self.assertEqual(state["warning"], "Avviso")
