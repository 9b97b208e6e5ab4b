"""The held-out examples a classifier got wrong, the most confident mistakes first.

The report shows them so a learner sees what the model confuses: texts in a
table (`text_examples`), images as thumbnails (drawn by
`zoo.report.task_figures.image_examples`).

Example:
>>> labels, confidence = predicted_labels(np.array([[0.1, 0.7, 0.2]]))
>>> labels.tolist(), confidence.tolist()
([1], [0.7])
"""

import numpy as np

# Misclassified examples shown per task.
EXAMPLES = 8
# Characters of a misclassified text shown.
TEXT_CHARS = 240


def predicted_labels(predictions):
    """Class labels and the model's confidence in them, from held-out probabilities.

    Args:
        predictions: `(n, 1)` sigmoid outputs (positive above 0.5) or
            `(n, classes)` softmax outputs.

    Returns:
        `(labels, confidence)`: int and float arrays `(n,)`.

    Example:
    >>> predicted_labels(np.array([[0.2], [0.9]]))[0].tolist()
    [0, 1]
    """
    predictions = np.asarray(predictions, "float64")
    if predictions.shape[-1] == 1:
        positive = predictions.reshape(-1)
        labels = (positive > 0.5).astype(int)
        return labels, np.where(labels == 1, positive, 1.0 - positive)
    labels = predictions.argmax(-1)
    return labels, predictions.max(-1)


def misclassified(splits, predictions, count=EXAMPLES):
    """The held-out examples the model got wrong, the most confident mistakes first.

    Args:
        splits: the task's `Splits` (`splits.test` holds the labels).
        predictions: held-out probabilities, aligned with `splits.test`.
        count: most examples to return.

    Returns:
        A list of `(index, true_label, predicted_label, confidence)`.

    Example:
    >>> from zoo.task import Splits
    >>> splits = Splits(None, None, (np.zeros(3), np.array([0, 1, 1])), "example")
    >>> misclassified(splits, np.array([[0.1], [0.3], [0.2]]))
    [(2, 1, 0, 0.8), (1, 1, 0, 0.7)]
    """
    y_true = np.asarray(splits.test[1]).reshape(-1).astype(int)
    labels, confidence = predicted_labels(predictions)
    wrong = np.flatnonzero(labels != y_true)
    wrong = wrong[np.argsort(-confidence[wrong], kind="stable")][:count]
    return [(int(i), int(y_true[i]), int(labels[i]), round(float(confidence[i]), 4)) for i in wrong]


def class_name(task, label):
    """A class label's name in a task, or the label itself when the task names none.

    Args:
        task: the `Task`.
        label: int, the class label.

    Returns:
        A str.

    Example:
    >>> from types import SimpleNamespace
    >>> class_name(SimpleNamespace(class_names=["cat", "dog"]), 1), class_name(
    ...     SimpleNamespace(class_names=None), 1)
    ('dog', '1')
    """
    names = task.class_names
    return names[label] if names and 0 <= label < len(names) else str(label)


def text_examples(task, splits, grade, count=EXAMPLES):
    """Misclassified held-out texts, for the report's table.

    Args:
        task: the `Task` (a text classifier).
        splits: its `Splits`.
        grade: the `zoo.grading.grade.Grade` (its held-out predictions).
        count: most examples.

    Returns:
        A list of dicts with `text` (cut to `TEXT_CHARS`), `true`,
        `predicted` and `confidence`; empty for other tasks.

    Example:
    >>> from types import SimpleNamespace
    >>> from zoo.task import Splits
    >>> task = SimpleNamespace(input_dtype="string", class_names=["real", "sarcastic"])
    >>> splits = Splits(None, None, (np.array(["a  dry   remark"]), np.array([1])), "example")
    >>> text_examples(task, splits, SimpleNamespace(predictions=np.array([[0.25]])))
    [{'text': 'a dry remark', 'true': 'sarcastic', 'predicted': 'real', 'confidence': 0.75}]
    """
    if task.input_dtype != "string" or grade.predictions is None:
        return []
    texts = splits.test[0]
    examples = []
    for index, true, predicted, confidence in misclassified(splits, grade.predictions, count):
        text = " ".join(str(texts[index]).split())
        if len(text) > TEXT_CHARS:
            text = text[: TEXT_CHARS - 1].rstrip() + "…"
        examples.append(
            {
                "text": text,
                "true": class_name(task, true),
                "predicted": class_name(task, predicted),
                "confidence": confidence,
            }
        )
    return examples
