from . import res_partner_credit_hold
from . import dunning_document_approve
from . import dunning_run_wizard
from . import account_move_interest_invoice
from . import dunning_collection_case_open
from . import dunning_collection_case_stage
from . import dunning_collection_case_settle
from . import dunning_pagopa_notice_check
