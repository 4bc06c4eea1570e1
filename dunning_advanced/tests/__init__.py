from . import (
    test_credit_exposure,
    test_credit_hold,
    test_dunning_customer_message,
    test_dunning_engine,
    test_dunning_letters_file,
    test_lib_agency_client,
    test_lib_case_file,
    test_lib_dunning_levels,
    test_lib_epc_qr,
    test_lib_gpd_client,
    test_lib_late_interest,
    test_lib_letter_renderer,
    test_lib_pagopa,
    test_lib_pdf_stream,
    test_lib_prescription,
    test_lib_rf_reference,
    test_lib_risk_score,
    test_lib_sepa_sdd,
    test_lib_webhook_signature,
    test_risk_incremental,
    test_risk_score,
    test_security,
    test_translation_it,
)
from . import test_dispute
from . import test_payment_promise
from . import test_instalment_plan
from . import test_epc_qr_reminder
from . import test_sdd_batch
from . import test_prescription
from . import test_late_interest_invoice
from . import test_collection_case
from . import test_collection_webhook
from . import test_pagopa_notice
from . import test_lib_pagopa_checkout
from . import test_lib_datamatrix
from . import test_migration
from . import test_statutory_interest
from . import test_pagopa_italy
from . import test_sdd_rulebook
from . import test_collection_court
from . import test_security_collection
from . import test_security_webhook
from . import test_security_credit
from . import test_security_payments
from . import test_input_validation
from . import test_access_matrix
from . import test_lib_credit_kpi
from . import test_lib_statement_renderer
from . import test_aged_receivables
from . import test_kpi_snapshot
from . import test_worklist
from . import test_customer_statement
from . import test_approval_request
from . import test_screens
from . import test_tours
from . import test_lib_portal_token
from . import test_lib_portal_rules
from . import test_portal_requests
from . import test_portal_http
from . import test_portal_tour
from . import test_bulk_drafts
