from . import res_company
from . import res_config_settings
from . import dunning_credit_profile
from . import dunning_credit_override
from . import dunning_credit_document_mixin
from . import res_partner
from . import sale_order
from . import account_move
