from odoo.tests import BaseCase, tagged

from ..lib.rf_reference import (
    format_rf_reference,
    is_rf_reference,
    rf_reference,
    validate_rf_reference,
)


@tagged("post_install", "-at_install", "dunning_lib")
class TestLibRfReference(BaseCase):
    def test_iso_11649_annex_b_worked_example(self):
        """ISO 11649 Annex B.1: the creditor reference 2348231 gets check digits
        71 (2348231 + RF00 -> 2348231271500, mod 97 = 27, 98 - 27 = 71)."""
        self.assertEqual(rf_reference("2348231"), "RF712348231")
        self.assertEqual(format_rf_reference("RF712348231"), "RF71 2348 231")

    def test_well_known_example_rf18(self):
        """RF18 5390 0754 7034, the example of ISO 11649 quoted by EPC069-12
        users and python-stdnum, comes from the reference 5390 0754 7034."""
        self.assertEqual(rf_reference("5390 0754 7034"), "RF18539007547034")
        self.assertEqual(
            validate_rf_reference("RF18 5390 0754 7034"), "RF18539007547034"
        )
        self.assertEqual(format_rf_reference("RF18539007547034"), "RF18 5390 0754 7034")

    def test_invoice_number_loses_separators_and_gets_capitals(self):
        """An Odoo invoice name keeps only its letters and digits."""
        self.assertEqual(rf_reference("INV/2024/0001"), "RF17INV20240001")
        self.assertEqual(rf_reference("inv-2024-0001"), "RF17INV20240001")
        self.assertEqual(format_rf_reference("rf17inv20240001"), "RF17 INV2 0240 001")

    def test_references_with_letters_validate(self):
        """Letters count as 10 to 35 in the check (ISO 11649 section 6.2.3)."""
        self.assertEqual(validate_rf_reference("RF45 G72U UR"), "RF45G72UUR")
        self.assertEqual(validate_rf_reference("rf6518k5"), "RF6518K5")
        self.assertTrue(is_rf_reference("RF18539007547034"))

    def test_twenty_one_characters_is_the_most(self):
        reference = rf_reference("A" * 21)
        self.assertEqual(len(reference), 25)
        self.assertTrue(is_rf_reference(reference))
        with self.assertRaisesRegex(
            ValueError, "has 22 letters and digits; .* at most 21"
        ):
            rf_reference("FATT/2024/" + "9" * 14)  # 4 + 4 + 14 = 22

    def test_reference_without_letters_or_digits_is_refused(self):
        with self.assertRaisesRegex(ValueError, "no letter or digit"):
            rf_reference("//--")
        with self.assertRaisesRegex(ValueError, "no letter or digit"):
            rf_reference("")

    def test_wrong_check_digits_are_refused(self):
        with self.assertRaisesRegex(ValueError, "check digits do not match"):
            validate_rf_reference("RF17 5390 0754 7034")
        with self.assertRaisesRegex(ValueError, "check digits do not match"):
            validate_rf_reference("RF18 5390 0754 7043")  # swapped digits
        self.assertFalse(is_rf_reference("RF19539007547034"))

    def test_invalid_layouts_say_what_is_wrong(self):
        with self.assertRaisesRegex(ValueError, "must start with RF"):
            validate_rf_reference("18539007547034")
        with self.assertRaisesRegex(
            ValueError, "is 26 characters; it must have 5 to 25"
        ):
            validate_rf_reference("RF00" + "1" * 22)
        with self.assertRaisesRegex(ValueError, "is 4 characters"):
            validate_rf_reference("RF18")
        with self.assertRaisesRegex(ValueError, "only letters and digits"):
            validate_rf_reference("RF18-5390-0754-7034")
        with self.assertRaisesRegex(ValueError, "cannot have check digits 00"):
            validate_rf_reference("RF00539007547034")
        self.assertFalse(is_rf_reference(None))
