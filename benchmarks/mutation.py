"""The killed share of each mutated module, from the results of the last `mutmut run`.

mutmut keeps one result per mutant in `mutants/<module path>.meta`; this
reads them and prints a Markdown table, one row per module that has any
mutant checked: mutants, killed (a test failed, or ran past its time
limit), survived (every test passed), no tests (no selected test runs the
mutated function) and the killed share of all of its mutants.

Usage:
    python benchmarks/mutation.py [--mutants mutants] [--survivors]
"""

import argparse
import json
from collections import Counter
from pathlib import Path

# mutmut's exit codes: 1 and 3 a failing test, 0 all passing, 5 and 33 no test
# selected; the rest a time limit or crash, which a test caught too.
KILLED, SURVIVED, NO_TESTS, NOT_CHECKED = "killed", "survived", "no tests", "not checked"


def outcome(exit_code):
    """Returns what a mutant's exit code says about it."""
    if exit_code is None:
        return NOT_CHECKED
    if exit_code == 0:
        return SURVIVED
    if exit_code in (5, 33):
        return NO_TESTS
    return KILLED


def tally(folder):
    """Returns `{module path: Counter of outcomes}` for every module with a checked mutant."""
    counts = {}
    for meta in sorted(Path(folder).rglob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"].values()
        outcomes = Counter(outcome(code) for code in codes)
        if sum(outcomes.values()) > outcomes[NOT_CHECKED]:
            counts[str(meta.relative_to(folder))[: -len(".meta")]] = outcomes
    return counts


def survivors(folder):
    """Returns the names of the mutants that survived or that no test runs."""
    names = []
    for meta in sorted(Path(folder).rglob("*.py.meta")):
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            if outcome(code) in (SURVIVED, NO_TESTS):
                names.append(f"{name} ({outcome(code)})")
    return names


def main():
    """Prints the table (and with `--survivors`, the mutants left alive)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutants", default="mutants", help="mutmut's output folder")
    parser.add_argument("--survivors", action="store_true", help="list the mutants left alive")
    args = parser.parse_args()
    print("| module | mutants | killed | survived | no tests | killed share |")
    print("|---|---:|---:|---:|---:|---:|")
    for module, counts in tally(args.mutants).items():
        checked = sum(counts.values()) - counts[NOT_CHECKED]
        print(
            f"| `{module}` | {checked} | {counts[KILLED]} | {counts[SURVIVED]} | "
            f"{counts[NO_TESTS]} | {counts[KILLED] / checked:.0%} |"
        )
    if args.survivors:
        print("\n".join(survivors(args.mutants)))


if __name__ == "__main__":
    main()
