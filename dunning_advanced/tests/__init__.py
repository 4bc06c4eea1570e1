from . import test_lib_risk_score
