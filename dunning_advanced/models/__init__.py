from . import (
    account_move,
    dunning_credit_document_mixin,
    dunning_credit_override,
    dunning_credit_profile,
    dunning_demo,
    res_company,
    res_config_settings,
    res_partner,
    sale_order,
)
