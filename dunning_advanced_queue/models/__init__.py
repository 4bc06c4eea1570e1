from . import dunning_run
from . import dunning_run_chunk
from . import res_config_settings
