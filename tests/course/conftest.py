"""Prints, after the run, how many mutants of each exercise's reference were rejected."""

from mutant_bank import RESULTS


def pytest_terminal_summary(terminalreporter):
    if not RESULTS:
        return
    terminalreporter.section("exercise mutant banks")
    for title, stats in sorted(RESULTS.items()):
        terminalreporter.write_line(
            f"{stats['rejected']:3d} of {stats['mutants']:3d} mutants rejected as stated  {title}"
        )
