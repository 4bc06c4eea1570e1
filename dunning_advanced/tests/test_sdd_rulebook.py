from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import d
from .test_sdd_batch import SddCommon

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}
SWISS_IBAN = "CH9300762011623852957"
FR_IBAN = "FR7630006000011234567890189"


@tagged("post_install", "-at_install")
@freeze_time("2026-03-20 09:00:00")
class TestSddRulebook(SddCommon):
    """The SEPA rulebook in the collection file the batch writes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Europe/Rome"
        cls.swiss = cls._create_customer(
            "Müller Maschinen AG",
            street="Bahnhofstrasse 12",
            zip="8001",
            city="Zürich",
            country_id=cls.env.ref("base.ch").id,
        )
        bank = cls.env["res.partner.bank"].create(
            {
                "acc_number": SWISS_IBAN,
                "partner_id": cls.swiss.id,
                "bank_id": cls.env["res.bank"]
                .create({"name": "PostFinance", "bic": "POFICHBEXXX"})
                .id,
            }
        )
        cls.mandate_ch = cls.env["dunning.sdd.mandate"].create(
            {
                "name": "MANDATE-CH-001",
                "partner_id": cls.swiss.id,
                "partner_bank_id": bank.id,
                "signature_date": d("2025-06-01"),
            }
        )
        cls.mandate_ch.action_activate()

    def _file(self, invoices):
        action = self.env["dunning.sdd.batch"].action_create_from_invoices(invoices)
        batch = self.env["dunning.sdd.batch"].browse(action["res_id"])
        batch.action_generate()  # validates against the XSD
        return etree.fromstring(batch.attachment_id.raw)

    def test_swiss_debtor_has_the_address_and_the_file_validates(self):
        invoice = self._invoice(
            self.swiss, 300, d("2026-01-10"), d("2026-02-10"), currency=self.eur
        )
        root = self._file(invoice)
        debtor = root.find(".//p:DrctDbtTxInf/p:Dbtr", NS)
        self.assertEqual(debtor.findtext("p:Nm", namespaces=NS), "Muller Maschinen AG")
        self.assertEqual(
            [element.text for element in debtor.find("p:PstlAdr", NS)],
            ["CH", "Bahnhofstrasse 12", "8001 Zurich"],
        )
        self.assertEqual(
            root.findtext(
                ".//p:DrctDbtTxInf/p:DbtrAgt/p:FinInstnId/p:BIC", namespaces=NS
            ),
            "POFICHBEXXX",
        )
        # 09:00 UTC is 10:00 in Rome (CET): the offset is written.
        self.assertEqual(
            root.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:CreDtTm", namespaces=NS),
            "2026-03-20T10:00:00+01:00",
        )

    def test_iban_outside_sepa_is_refused_on_the_mandate(self):
        bank = self.env["res.partner.bank"].create(
            {"acc_number": "TR330006100519786457841326", "partner_id": self.customer.id}
        )
        with self.assertRaisesRegex(ValidationError, "is of TR, outside SEPA"):
            self.mandate_a.partner_bank_id = bank

    def test_new_account_amends_the_mandate_instead_of_replacing_it(self):
        self.mandate_b.last_debit_date = d("2026-02-01")
        old_iban = self.mandate_b.partner_bank_id.acc_number
        new_bank = self.env["res.partner.bank"].create(
            {"acc_number": FR_IBAN, "partner_id": self.customer_b.id}
        )
        self.mandate_b.partner_bank_id = new_bank
        self.assertEqual(self.mandate_b.name, "MANDATE-B-001")
        self.assertEqual(self.mandate_b.original_iban, old_iban)
        self.assertEqual(self.mandate_b.amendment_date, d("2026-03-20"))
        invoice = self._invoice(
            self.customer_b, 80, d("2026-01-10"), d("2026-02-10"), currency=self.eur
        )
        root = self._file(invoice)
        mandate = root.find(".//p:MndtRltdInf", NS)
        self.assertEqual(mandate.findtext("p:MndtId", namespaces=NS), "MANDATE-B-001")
        self.assertEqual(mandate.findtext("p:AmdmntInd", namespaces=NS), "true")
        # Another bank (La Banque Postale, was Commerzbank): SMNDA.
        self.assertEqual(
            mandate.findtext(
                "p:AmdmntInfDtls/p:OrgnlDbtrAcct/p:Id/p:Othr/p:Id", namespaces=NS
            ),
            "SMNDA",
        )
        # Once a collection on the new account is collected, no more amendment.
        self.mandate_b.last_debit_date = d("2026-03-25")
        self.assertEqual(self.mandate_b._amendment_values(), {})
