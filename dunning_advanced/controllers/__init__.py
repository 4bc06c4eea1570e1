from . import main
from . import collection_webhook
from . import pagopa
from . import statement
from . import portal
