"""Print the seed of the randomized op tests, so that a failure can be replayed."""
from lite_micro.testing.runs import describe


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(describe())
