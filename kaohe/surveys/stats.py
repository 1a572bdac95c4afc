"""The arithmetic of survey results, pure: an index and its Wilson interval.

An index is 100 × favourable answers / answers; its 95% interval is Wilson's score
interval on the same counts (it stays inside 0–100 and is honest for small counts and
for 0 or n of n, where the normal approximation collapses to a point). Percentages are
Decimals of two places, rounded half up, as every score of kaohe.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
Z95 = Decimal("1.96")


def percent(value: Decimal) -> Decimal:
    """A share (0–1) as a percentage of two places."""
    return (value * HUNDRED).quantize(CENT, ROUND_HALF_UP)


def index(favourable: int, answers: int) -> Decimal | None:
    """100 × favourable / answers, two places; None without answers."""
    if answers <= 0:
        return None
    if not 0 <= favourable <= answers:
        raise ValueError(f"favourable {favourable} of {answers} answers")
    return (HUNDRED * favourable / answers).quantize(CENT, ROUND_HALF_UP)


def wilson(favourable: int, answers: int, z: Decimal = Z95) -> tuple[Decimal, Decimal] | None:
    """Wilson's score interval of favourable / answers, as two percentages; None
    without answers.

    low, high = (p + z²/2n ∓ z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n)."""
    if answers <= 0:
        return None
    if not 0 <= favourable <= answers:
        raise ValueError(f"favourable {favourable} of {answers} answers")
    with localcontext() as ctx:
        ctx.prec = 34
        n = Decimal(answers)
        p = Decimal(favourable) / n
        z2 = z * z
        denominator = 1 + z2 / n
        centre = p + z2 / (2 * n)
        margin = z * (p * (1 - p) / n + z2 / (4 * n * n)).sqrt()
        low = max(Decimal(0), (centre - margin) / denominator)
        high = min(Decimal(1), (centre + margin) / denominator)
    return percent(low), percent(high)
