"""What the text-classification tasks share: raw strings in, a Transformer inside.

The exported model takes a batch of raw strings; a `TextVectorization`
adapted on the training sentences turns them into token ids for the zoo's
`TransformerClassifier`, so the vocabulary travels with the model.
"""


from zoo.task import Steps, Task, accuracy


def build_text_classifier(splits, num_classes, vocabulary_size=10000, sequence_length=40,
                          embedding_dim=32, num_heads=2, dropout=0.2, learning_rate=1e-3):
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
        max_tokens=vocabulary_size, output_sequence_length=sequence_length,
        name="vectorizer")
    vectorizer.adapt(splits.train[0], batch_size=1024)
    inputs = keras.Input((), dtype="string", name="text")
    classifier = TransformerClassifier(
        vectorizer.vocabulary_size(), sequence_length, num_classes,
        embedding_dim=embedding_dim, num_heads=num_heads,
        intermediate_dim=2 * embedding_dim, dropout=dropout, name="classifier")
    model = keras.Model(inputs, classifier(vectorizer(inputs)), name="text_classifier")
    loss = "binary_crossentropy" if num_classes == 1 else "sparse_categorical_crossentropy"
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss,
                  metrics=["accuracy"])
    return model


def text_task(name, category, summary, source, load, num_classes, threshold,
              class_names=None, step=0.02, model_options=None, **fields):
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
        **fields: other `Task` fields (epochs, batch_size...).

    Returns:
        A `Task`.
    """
    options = model_options or {}

    def build(splits):
        return build_text_classifier(splits, num_classes, **options)

    return Task(name=name, category=category, summary=summary, source=source, load=load,
                build=build, input_shape=(), input_dtype="string",
                output_shape=(num_classes,),
                output_activation="sigmoid" if num_classes == 1 else "softmax",
                metric="accuracy", measure=accuracy,
                scoring=Steps(threshold=threshold, step=step), monitor="val_accuracy",
                class_names=class_names,
                starter_hint="TextVectorization adapted on train_x, then Embedding and "
                             "pooling or recurrent layers", **fields)
