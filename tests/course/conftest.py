"""Hands each pytest-xdist worker's mutant-bank counts to the controller.

The root conftest.py prints the counts after the run; under xdist the controller never
imports the tests, so each worker passes its ``RESULTS`` along in ``workeroutput``.
"""

from mutant_bank import RESULTS


def pytest_sessionfinish(session):
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["mutant_banks"] = {title: dict(stats) for title, stats in RESULTS.items()}
