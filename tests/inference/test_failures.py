import logging

from thigh_common.errors import InvalidInputError
from thigh_inference.failures import FailureLog


def test_no_failures_exit_0():
    log = FailureLog()
    log.record_success("a")
    assert log.exit_code == 0
    assert log.report() == "1 scan(s) done, none failed"


def test_report_lists_user_and_unexpected_errors(caplog):
    log = FailureLog()
    with caplog.at_level(logging.DEBUG, logger="thigh_inference.failures"):
        log.record(
            "a", InvalidInputError("a: the image is 2D (512 x 512); thigh_predict needs a 3D CT volume")
        )
        with log.guard("b"):
            raise KeyError("weights")
        with log.guard("c"):
            pass
    assert log.exit_code == 1
    assert log.report() == (
        "1 scan(s) done, 2 failed:\n"
        "  a: a: the image is 2D (512 x 512); thigh_predict needs a 3D CT volume\n"
        "  b: unexpected error KeyError: 'weights' (run with -v for the traceback)"
    )
    assert [f.user_error for f in log.failures] == [True, False]
    tracebacks = [r for r in caplog.records if r.levelno == logging.DEBUG and r.exc_info]
    assert len(tracebacks) == 1 and "raise KeyError" in caplog.text


def test_multiline_reasons_are_indented():
    log = FailureLog()
    log.record("x", InvalidInputError("first\nsecond"))
    assert log.report().splitlines()[1:] == ["  x: first", "    second"]


def test_keyboard_interrupt_is_not_swallowed():
    log = FailureLog()
    try:
        with log.guard("a"):
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    else:
        raise AssertionError("KeyboardInterrupt was swallowed")
    assert log.failures == [] and log.succeeded == []
