"""How sure a grade is: a seeded bootstrap of the held-out examples.

The held-out set is one sample of what the model will meet; drawing it
again (with replacement) many times shows how much the metric, and the
marks, move with the luck of the draw. The resampling is vectorised: the
means of all resamples come from one matrix of indices per chunk, so it
costs a small fraction of running the model.

Example:
>>> from zoo.task import Steps
>>> confidence = bootstrap(np.r_[np.ones(85), np.zeros(15)], Steps(0.83, 0.02))
>>> confidence.held_out, confidence.marks, confidence.describe_shares()
(100, 5, '5/5 in 79%, 4/5 in 11%, ≤3/5 in 10%')
"""

import dataclasses
import time

import numpy as np

RESAMPLES = 1000
SEED = 0
LEVEL = 0.95
# Index matrices are built this many resamples at a time, to bound memory.
CHUNK = 64


@dataclasses.dataclass
class Confidence:
    """The bootstrap of a metric on the held-out set.

    Args:
        held_out: number of held-out examples.
        marks: the marks of the metric on the held-out set itself.
        low: lower end of the interval.
        high: upper end of the interval.
        level: the interval's coverage, e.g. 0.95.
        resamples: number of resamples.
        seed: the generator's seed (the same seed gives the same numbers).
        shares: `{marks: fraction of resamples}` for every marks seen.
        seconds: how long the bootstrap took.
    """

    held_out: int
    marks: int
    low: float
    high: float
    level: float
    resamples: int
    seed: int
    shares: dict
    seconds: float

    def describe_shares(self):
        """Returns the shares in words around the grade's own marks.

        Marks above the grade's are grouped, then the grade's and the next
        lower are shown alone, then the rest grouped, leaving out empty
        groups: `"5/5 in 59%, 4/5 in 29%, ≤3/5 in 12%"` for a 5/5 grade.
        """
        s = self.marks
        groups = [
            (f"≥{s + 1}/5", [m for m in self.shares if m > s]),
            (f"{s}/5", [s]),
            (f"{s - 1}/5", [s - 1]),
            (f"≤{s - 2}/5", [m for m in self.shares if m < s - 1]),
        ]
        if s == 4:
            groups[0] = ("5/5", [5])
        parts = [
            (label, sum(self.shares.get(m, 0.0) for m in members)) for label, members in groups
        ]
        return ", ".join(f"{label} in {_percent(share)}" for label, share in parts if share)

    def facts(self):
        """Returns the JSON-ready facts."""
        return {
            "level": self.level,
            "interval": [self.low, self.high],
            "resamples": self.resamples,
            "seed": self.seed,
            "shares": {str(m): share for m, share in sorted(self.shares.items(), reverse=True)},
            "seconds": round(self.seconds, 4),
        }


def _percent(share):
    # A share that rounds to 0% or 100% but is neither says so: 0.5% would print "0%".
    text = f"{share:.0%}"
    if share > 0 and text == "0%":
        return "<1%"
    if share < 1 and text == "100%":
        return ">99%"
    return text


def resampled_means(values, resamples=RESAMPLES, seed=SEED):
    """Means of `values` over bootstrap resamples.

    Args:
        values: 1-D array, one number per held-out example.
        resamples: number of resamples.
        seed: seed of the generator.

    Returns:
        A float64 array `(resamples,)`.

    Example:
    >>> resampled_means(np.array([1.0, 1.0]), resamples=3).tolist()
    [1.0, 1.0, 1.0]
    """
    values = np.asarray(values, dtype="float64").reshape(-1)
    rng = np.random.default_rng(seed)
    means = np.empty(resamples)
    for start in range(0, resamples, CHUNK):
        stop = min(start + CHUNK, resamples)
        indices = rng.integers(0, len(values), size=(stop - start, len(values)), dtype=np.int32)
        means[start:stop] = values[indices].mean(axis=1)
    return means


def bootstrap(per_example, rule, resamples=RESAMPLES, seed=SEED, level=LEVEL):
    """Bootstraps a mean metric and the marks it earns.

    Args:
        per_example: the metric's number for each held-out example (the
            metric is their mean).
        rule: the score rule (`zoo.task.Steps` or `Formula`).
        resamples: number of resamples.
        seed: seed of the generator.
        level: coverage of the percentile interval.

    Returns:
        A `Confidence`.

    Raises:
        ValueError: for no examples or no resamples.
    """
    started = time.perf_counter()
    if len(per_example) == 0 or resamples < 1:
        raise ValueError("A bootstrap needs at least one example and one resample.")
    means = resampled_means(per_example, resamples, seed)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    marks, counts = np.unique([rule.score(float(m)) for m in means], return_counts=True)
    shares = {int(m): float(c) / resamples for m, c in zip(marks, counts)}
    observed = rule.score(float(np.mean(per_example)))
    return Confidence(
        held_out=len(per_example),
        marks=observed,
        low=float(low),
        high=float(high),
        level=level,
        resamples=resamples,
        seed=seed,
        shares=shares,
        seconds=time.perf_counter() - started,
    )
