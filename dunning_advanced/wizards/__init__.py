from . import dunning_document_approve, res_partner_credit_hold
