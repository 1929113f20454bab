"""Work the page does in the background ends in a message, whichever part fails."""

from mastwidgets.errors import TargetNotFound
from mastwidgets.ui._background import Status, in_background


def test_the_result_is_shown_and_the_cleanup_runs():
    status, shown, cleaned = Status(), [], []
    in_background("search", lambda: 42, shown.append, status, lambda: cleaned.append(1)).join(10)
    assert shown == [42] and cleaned == [1]


def test_a_typed_error_of_the_work_is_its_message():
    status = Status()

    def work():
        raise TargetNotFound("MAST does not know the target 'Nowhere'.")

    in_background("search", work, lambda _: None, status).join(10)
    assert "MAST does not know the target" in status.value and "mw-error" in status.value


def test_a_failure_while_showing_the_result_is_a_message_not_a_traceback():
    status, cleaned = Status(), []

    def show(result):
        raise RuntimeError("a widget could not be drawn")

    in_background("import", lambda: 1, show, status, lambda: cleaned.append(1)).join(10)
    assert "import failed unexpectedly (RuntimeError)" in status.value
    assert "mw-error" in status.value and "Traceback" not in status.value
    assert cleaned == [1]  # the button is enabled again
