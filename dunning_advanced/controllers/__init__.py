from . import main
from . import pagopa
