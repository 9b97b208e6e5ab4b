"""The grader's one error: a solution that could not be graded, and why.

It lives alone so that every part of the grader (loading a model, running
a learner's file, the conventions) raises it without importing the others.

Example:
>>> str(GradingError("mymodel.h5: no such file or folder."))
'mymodel.h5: no such file or folder.'
"""


class GradingError(Exception):
    """A solution could not be graded; the message says why and what to do."""
