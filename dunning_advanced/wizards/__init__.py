from . import res_partner_credit_hold
from . import dunning_document_approve
from . import dunning_run_wizard
from . import account_move_interest_invoice
