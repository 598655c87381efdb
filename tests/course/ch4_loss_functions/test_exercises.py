"""Chapter 4's checkers beyond their mutant banks: the hint the issue asked for, and the
pairings checker the notebook calls with a dict."""

import pytest

from nnkit.course.ch4_loss_functions import exercises as ex

from .mutants import RIGHT, cross_entropy


def test_issue_example_batch_maximum_is_refused_with_its_hint():
    verdict = ex.check_cross_entropy.verdict(lambda z, t: cross_entropy(z, t, "batch"))
    assert verdict.kind == "hint" and "each *row*" in verdict.message


@pytest.mark.parametrize("fraud", [("sigmoid", "bce"), ("softmax", "cross_entropy"),
                                   ("identity", "bce_with_logits")])
def test_pairings_checker_prints_one_verdict_for_a_dict(fraud, capsys):
    assert ex.check_pairings({**RIGHT, "fraud": fraud}) is True
    out = capsys.readouterr().out
    assert out.startswith("✔")
    # Only the sigmoid unit with BCE gets the note on the fused form the chapter recommends.
    assert (ex.FUSED_NOTE in out) == (fraud == ("sigmoid", "bce"))
    assert ex.check_pairings({**RIGHT, "fraud": ("softmax", "bce")}) is False
    assert capsys.readouterr().out.startswith("✘")


def test_pairings_placeholder_is_not_attempted(capsys):
    assert ex.check_pairings({**RIGHT, "fraud": (..., ...)}) is False
    assert "not attempted" in capsys.readouterr().out
