"""What the text-classification tasks share: raw strings in, a Transformer inside.

The exported model takes a batch of raw strings; a `TextVectorization`
adapted on the training sentences turns them into token ids for the zoo's
`TransformerClassifier`, so the vocabulary travels with the model.

The exam's text starters tokenised outside the model instead: the course's
`Tokenizer` (`num_words`, `oov_token="<OOV>"`) fitted on the starter's
training split, then `pad_sequences` to a fixed length. `TextStarter`
declares those settings, so the grader can feed a learner's model the very
ids it was trained on.
"""

import copy

import numpy as np

from zoo.grading.conventions import EXAM, Convention, HeldOut, evenly
from zoo.grading.tokenizer import Tokenizer, pad_sequences
from zoo.task import Steps, Task, accuracy, classifier_output


class TextStarter(Convention):
    """An exam text starter's preprocessing: its Tokenizer and padding, outside the model.

    The tokenizer is fitted on the starter's training texts, which are the
    task's training and validation splits together (for `sarcasm`, the first
    20,000 headlines).

    Args:
        vocab_size: the Tokenizer's `num_words`.
        max_length: `pad_sequences`' `maxlen`.
        fitted_on: the starter's training texts in words.
        oov_token: the out-of-vocabulary word (id 1).
        padding: `"pre"` or `"post"`.
        truncating: `"pre"` or `"post"`.
        stopwords: words removed before tokenising (the course's
            `remove_stopwords`: lowercase, split on whitespace, drop them).

    Example:
    >>> from zoo.tasks import get_task
    >>> starter = get_task("sarcasm").exam
    >>> starter.vocab_size, starter.max_length, starter.padding, starter.fitted_on
    (1000, 120, 'post', 'the first 20,000 headlines')
    """

    name = EXAM

    def __init__(
        self,
        vocab_size,
        max_length,
        fitted_on,
        oov_token="<OOV>",
        padding="post",
        truncating="post",
        stopwords=(),
    ):
        self.vocab_size, self.max_length, self.fitted_on = vocab_size, max_length, fitted_on
        self.oov_token, self.padding, self.truncating = oov_token, padding, truncating
        self.stopwords = frozenset(stopwords)
        self.metric, self.measure, self.scoring = "accuracy", accuracy, None
        self.input_shape, self.input_dtype = (max_length,), "int32"

    def describe(self):
        """Returns what the model is fed, in words."""
        removed = (
            f"the starter's {len(self.stopwords)} stop words removed, " if self.stopwords else ""
        )
        return (
            f"word ids: {removed}Tokenizer(num_words={self.vocab_size}, "
            f"oov_token={self.oov_token!r}) fitted on {self.fitted_on}, "
            f"pad_sequences(maxlen={self.max_length}, padding={self.padding!r}, "
            f"truncating={self.truncating!r})"
        )

    def admits(self, dtype, shape):
        """Numbers, one row of `max_length` ids (or of any length) per text."""
        if dtype == "string":
            return False
        return shape is None or (len(shape) == 1 and shape[0] in (None, self.max_length))

    def clean(self, texts):
        """Removes the starter's stop words, as the course's `remove_stopwords` did."""
        if not self.stopwords:
            return list(texts)
        return [
            " ".join(w for w in str(t).lower().split() if w not in self.stopwords) for t in texts
        ]

    def tokenizer(self, splits):
        """The starter's Tokenizer, fitted on its training texts (cached on `splits`)."""
        key = ("exam tokenizer", self.vocab_size, self.oov_token, self.stopwords)
        if key not in splits.extras:
            tokenizer = Tokenizer(num_words=self.vocab_size, oov_token=self.oov_token)
            tokenizer.fit_on_texts(
                self.clean(np.concatenate([splits.train[0], splits.validation[0]]))
            )
            splits.extras[key] = tokenizer
        return splits.extras[key]

    def encode(self, splits, texts):
        """Returns the padded ids of `texts` `(n, max_length)`, int32."""
        ids = self.tokenizer(splits).texts_to_sequences(self.clean(texts))
        return pad_sequences(
            ids, maxlen=self.max_length, padding=self.padding, truncating=self.truncating
        )

    def held_out(self, splits):
        """The held-out texts as the starter's padded ids, with their labels."""
        x, y = splits.test
        return HeldOut(self.encode(splits, x), y)

    def sample(self, splits, count):
        """Validation texts as the starter's padded ids, with their labels."""
        x, y = evenly(splits.validation, count)
        return HeldOut(self.encode(splits, x), y)


def build_text_classifier(
    splits,
    num_classes,
    vocabulary_size=10000,
    sequence_length=40,
    embedding_dim=32,
    num_heads=2,
    dropout=0.2,
    learning_rate=1e-3,
):
    """`TextVectorization` adapted on the training text, then a Transformer.

    Args:
        splits: the task's `Splits`; `splits.train[0]` are the sentences.
        num_classes: output units; 1 gives one sigmoid unit.
        vocabulary_size: most frequent tokens kept (the rest are out of
            vocabulary).
        sequence_length: tokens per text after padding or truncation.
        embedding_dim: width of the embeddings.
        num_heads: attention heads.
        dropout: dropout rate.
        learning_rate: Adam's learning rate.

    Returns:
        A compiled Keras model taking strings `(batch,)`.
    """
    import keras

    from zoo.models import TransformerClassifier

    vectorizer = keras.layers.TextVectorization(
        max_tokens=vocabulary_size, output_sequence_length=sequence_length, name="vectorizer"
    )
    vectorizer.adapt(splits.train[0], batch_size=1024)
    inputs = keras.Input((), dtype="string", name="text")
    classifier = TransformerClassifier(
        vectorizer.vocabulary_size(),
        sequence_length,
        num_classes,
        embedding_dim=embedding_dim,
        num_heads=num_heads,
        intermediate_dim=2 * embedding_dim,
        dropout=dropout,
        name="classifier",
    )
    model = keras.Model(inputs, classifier(vectorizer(inputs)), name="text_classifier")
    loss = classifier_output(num_classes)[1]
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss, metrics=["accuracy"])
    return model


def text_task(
    name,
    category,
    summary,
    source,
    load,
    num_classes,
    threshold,
    class_names=None,
    step=0.02,
    model_options=None,
    exam=None,
    **fields,
):
    """Declares a text-classification task: raw strings → class probabilities.

    Args:
        name: the task's name.
        category: a `zoo.task.Category` (text classification).
        summary: one line on the task.
        source: a `zoo.task.Source`.
        load: `load(data=None) -> Splits`.
        num_classes: output units; 1 for one sigmoid unit.
        threshold: accuracy for 5/5.
        class_names: names of the classes, for the confusion matrix.
        step: accuracy per lost mark.
        model_options: keyword arguments for `build_text_classifier`.
        exam: the exam starter's `TextStarter`, or None.
        **fields: other `Task` fields (epochs, batch_size...).

    Returns:
        A `Task`.
    """
    options = model_options or {}

    def build(splits):
        return build_text_classifier(splits, num_classes, **options)

    scoring = Steps(threshold=threshold, step=step)
    if exam is not None:  # the exam scored ids models by the task's own rule
        exam = copy.copy(exam)
        exam.scoring = scoring
    return Task(
        name=name,
        category=category,
        summary=summary,
        source=source,
        load=load,
        build=build,
        input_shape=(),
        input_dtype="string",
        output_shape=(num_classes,),
        output_activation=classifier_output(num_classes)[0],
        metric="accuracy",
        measure=accuracy,
        scoring=scoring,
        monitor="val_accuracy",
        class_names=class_names,
        exam=exam,
        starter_hint="TextVectorization adapted on train_x, then Embedding and "
        "pooling or recurrent layers",
        **fields,
    )
