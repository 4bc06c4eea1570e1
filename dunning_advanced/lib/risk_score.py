"""Credit risk score of a customer from its payment behaviour.

Pure Python, no ORM: the models gather the figures with SQL and call
:func:`compute_risk`. The score goes from 0 (no sign of risk) to 100 (every
factor at its worst). Each factor is first turned into a risk between 0 and 1,
then weighted::

    points(factor) = 100 * weight(factor) * risk(factor) / sum(applicable weights)
    score          = sum(points)

A factor without data (no invoice paid in the last 12 months, no credit limit,
no external rating) is *not applicable*: its weight is shared by the others in
proportion. The points of each factor are returned, so that a user can see
why a customer is in its class; they are rounded once, to the hundredth, by the
largest remainder, so that the points shown add up to the score shown.

Two rules come on top of the score (:class:`RiskPolicy`):

* too little history: a customer with fewer invoices paid in the last 12 months
  than ``min_history`` is *unrated* (or gets the configured default class):
  a score of 0 from missing data would read as the best class;
* facts set a floor: a customer at the legal stage (an open collection case)
  is at least class D, one on credit hold at least class C (configurable); a
  floor also classes an unrated customer.
"""

import math
from dataclasses import dataclass, field

FACTORS = (
    "days_late",
    "late_share",
    "overdue_ratio",
    "limit_usage",
    "dunning_level",
    "broken_promises",
    "external_rating",
)
CLASSES = ("A", "B", "C", "D")
UNRATED = "unrated"


@dataclass(frozen=True)
class RiskWeights:
    """Weight of each factor; they must add up to 100."""

    days_late: int = 25
    late_share: int = 20
    overdue_ratio: int = 20
    limit_usage: int = 10
    dunning_level: int = 10
    broken_promises: int = 10
    external_rating: int = 5

    def validate(self):
        """Raise ValueError when a weight is negative or the total is not 100."""
        values = {name: getattr(self, name) for name in FACTORS}
        negative = [name for name, value in values.items() if value < 0]
        if negative:
            raise ValueError(
                "Risk weights cannot be negative: %s." % ", ".join(negative)
            )
        total = sum(values.values())
        if total != 100:
            raise ValueError(
                "The risk weights add up to %s; they must add up to 100." % total
            )


@dataclass(frozen=True)
class RiskScale:
    """Where each open-ended factor reaches its full risk of 1."""

    days_late_full: float = 60.0
    dunning_level_full: int = 4
    broken_promises_full: int = 3

    def validate(self):
        if self.days_late_full <= 0:
            raise ValueError("The days late for full risk must be more than 0.")
        if self.dunning_level_full <= 0:
            raise ValueError("The dunning level for full risk must be at least 1.")
        if self.broken_promises_full <= 0:
            raise ValueError("The broken promises for full risk must be at least 1.")


@dataclass(frozen=True)
class RiskThresholds:
    """Lowest score of classes B, C and D; below ``b`` a customer is A."""

    b: float = 25.0
    c: float = 50.0
    d: float = 75.0

    def validate(self):
        if not 0 < self.b < self.c < self.d <= 100:
            raise ValueError(
                "Risk class thresholds must rise strictly between 0 and 100 "
                "(B %s, C %s, D %s)." % (self.b, self.c, self.d)
            )


@dataclass(frozen=True)
class RiskPolicy:
    """History needed before rating, and the floors that facts set."""

    min_history: int = 1
    unrated_class: str | None = None  # None: "unrated"; else A-D
    legal_floor: str | None = "D"
    hold_floor: str | None = "C"

    def validate(self):
        if self.min_history < 0:
            raise ValueError("The invoices needed before rating cannot be negative.")
        for label, value in (
            ("default class", self.unrated_class),
            ("legal stage floor", self.legal_floor),
            ("credit hold floor", self.hold_floor),
        ):
            if value is not None and value not in CLASSES:
                raise ValueError(
                    "The %s must be one of %s, not %r."
                    % (label, ", ".join(CLASSES), value)
                )


@dataclass(frozen=True)
class RiskInputs:
    """Payment behaviour of one customer in one company.

    ``avg_days_late`` and ``late_share`` are None when no invoice was paid in the
    last 12 months; ``credit_limit`` is None or 0 when there is no limit;
    ``external_rating`` (0 best, 100 worst) is None when there is none.
    Amounts are in one currency (the limit's).
    """

    avg_days_late: float | None = None
    late_share: float | None = None
    overdue: float = 0.0
    exposure: float = 0.0
    credit_limit: float | None = None
    dunning_level: int = 0
    broken_promises: int = 0
    external_rating: int | None = None
    # History and facts for :class:`RiskPolicy`; ``paid_count`` None: rated.
    paid_count: int | None = None
    legal_stage: bool = False
    on_hold: bool = False


@dataclass(frozen=True)
class FactorResult:
    code: str
    value: float | None  # the measured value, in the factor's own unit
    risk: float  # 0..1
    weight: int  # the configured weight
    applicable: bool
    points: float  # contribution to the score


@dataclass(frozen=True)
class RiskResult:
    score: float
    risk_class: str  # A-D, or UNRATED
    factors: tuple = field(default_factory=tuple)
    rated: bool = True
    floor: str | None = None  # "legal_stage" or "on_hold" when a floor decided

    def factor(self, code):
        return next(f for f in self.factors if f.code == code)


def _clamp(value):
    return max(0.0, min(1.0, value))


def _factor_values(inputs, scale):
    """Return {code: (value, risk or None when not applicable)}."""
    ratio = inputs.overdue / inputs.exposure if inputs.exposure > 0 else 0.0
    has_limit = bool(inputs.credit_limit) and inputs.credit_limit > 0
    usage = inputs.exposure / inputs.credit_limit if has_limit else None
    rating = inputs.external_rating
    if rating is not None and not 0 <= rating <= 100:
        raise ValueError("An external rating goes from 0 (best) to 100 (worst).")
    return {
        "days_late": (
            inputs.avg_days_late,
            None
            if inputs.avg_days_late is None
            else _clamp(inputs.avg_days_late / scale.days_late_full),
        ),
        "late_share": (
            inputs.late_share,
            None if inputs.late_share is None else _clamp(inputs.late_share),
        ),
        "overdue_ratio": (ratio, _clamp(ratio)),
        "limit_usage": (usage, None if usage is None else _clamp(usage)),
        "dunning_level": (
            inputs.dunning_level,
            _clamp(inputs.dunning_level / scale.dunning_level_full),
        ),
        "broken_promises": (
            inputs.broken_promises,
            _clamp(inputs.broken_promises / scale.broken_promises_full),
        ),
        "external_rating": (rating, None if rating is None else rating / 100.0),
    }


DEFAULT_WEIGHTS = RiskWeights()
DEFAULT_SCALE = RiskScale()
DEFAULT_THRESHOLDS = RiskThresholds()


DEFAULT_POLICY = RiskPolicy()


def risk_class(score, thresholds=DEFAULT_THRESHOLDS):
    """Class A (best) to D (worst) of a score."""
    if score >= thresholds.d:
        return "D"
    if score >= thresholds.c:
        return "C"
    if score >= thresholds.b:
        return "B"
    return "A"


def _largest_remainder(values, places=2):
    """``values`` rounded to ``places`` decimals so that they add up to their
    sum rounded once (Hamilton's largest remainder method)."""
    unit = 10**places
    scaled = [value * unit for value in values]
    floors = [math.floor(value) for value in scaled]
    total = round(sum(scaled))
    order = sorted(
        range(len(values)), key=lambda i: (scaled[i] - floors[i], -i), reverse=True
    )
    for index in order[: max(total - sum(floors), 0)]:
        floors[index] += 1
    return [value / unit for value in floors]


def _worse(klass, floor):
    """The worse of a class and a floor (an unrated customer takes the floor)."""
    if not floor:
        return klass
    if klass not in CLASSES:
        return floor
    return max(klass, floor, key=CLASSES.index)


def compute_risk(
    inputs,
    weights=DEFAULT_WEIGHTS,
    scale=DEFAULT_SCALE,
    thresholds=DEFAULT_THRESHOLDS,
    policy=DEFAULT_POLICY,
):
    """Score, class and per-factor explanation of one customer."""
    values = _factor_values(inputs, scale)
    applicable_weight = sum(
        getattr(weights, code)
        for code, (_v, risk) in values.items()
        if risk is not None
    )
    exact = []
    for code in FACTORS:
        _value, risk = values[code]
        points = 0.0
        if risk is not None and applicable_weight:
            points = 100.0 * getattr(weights, code) * risk / applicable_weight
        exact.append(points)
    rounded = _largest_remainder(exact)
    score = round(sum(rounded), 2)
    factors = tuple(
        FactorResult(
            code=code,
            value=values[code][0],
            risk=values[code][1] or 0.0,
            weight=getattr(weights, code),
            applicable=values[code][1] is not None,
            points=points,
        )
        for code, points in zip(FACTORS, rounded, strict=True)
    )
    rated = inputs.paid_count is None or inputs.paid_count >= policy.min_history
    klass = (
        risk_class(score, thresholds) if rated else (policy.unrated_class or UNRATED)
    )
    floor = None
    for fact, level in (
        ("legal_stage", policy.legal_floor if inputs.legal_stage else None),
        ("on_hold", policy.hold_floor if inputs.on_hold else None),
    ):
        worse = _worse(klass, level)
        if worse != klass:
            klass, floor = worse, fact
    return RiskResult(
        score=score, risk_class=klass, factors=factors, rated=rated, floor=floor
    )
