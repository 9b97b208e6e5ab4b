# ==========================================================================
# MOCK EXAM, QUESTION 4 OF 5 (category 4: natural language processing)
#
# The exam had five questions, one per category, from 1 (easiest) to 5
# (hardest), and five hours for all of them. A question's weight grows with
# its category: this one counts four times a category-1 question.
#
# As in the exam:
# - no Lambda layers: the grader cannot load them from mymodel.h5;
# - keep the input shape and the last layer exactly as given;
# - code marked DO NOT CHANGE prepares the data the way the grader prepares
#   its held-out data: change it and your model is fed something else.
# Running this file trains your model and saves mymodel.h5 beside it. The
# grader loads that file and scores it 0-5 on reviews it has never seen:
#     zoo grade imdb_reviews mymodel.h5    (in a session: zoo exam submit DIR)
# Offline: set ZOO_DATA to a tensorflow-datasets folder (see load_split).
# ==========================================================================
#
# QUESTION
#
# Build and train a classifier for the imdb_reviews TensorFlow dataset:
# film reviews, positive (1) or negative (0). The grader feeds each review
# as MAX_LENGTH word ids made by the given tokenizer, so the input shape is
# (MAX_LENGTH,). End with the 1-unit sigmoid layer given.
#
# How you are graded: accuracy on tfds' test reviews (the model never sees
# them here). 5/5 from 0.83; one mark less per 0.02 below.

import os

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

HERE = os.path.dirname(os.path.abspath(__file__))
DATASET = "imdb_reviews"

# DO NOT CHANGE THESE: the grader prepares its held-out reviews with them.
# (The course's lesson left pad_sequences at its default, "pre" padding.)
VOCAB_SIZE = 10000
EMBEDDING_DIM = 16
MAX_LENGTH = 120
TRUNC_TYPE = "post"
PADDING_TYPE = "pre"
OOV_TOKEN = "<OOV>"


def load_split(split):
    """Returns tfds' imdb_reviews `split` as (texts, labels): a list and an array.

    tfds downloads the dataset into ~/tensorflow_datasets the first time.
    Offline, prepare it on a machine with network access
    (`tfds build imdb_reviews --data_dir DIR`), copy DIR over, and run this
    file with ZOO_DATA=DIR.
    """
    data_dir = os.environ.get("ZOO_DATA")
    try:
        pairs = list(
            tfds.as_numpy(tfds.load(DATASET, split=split, as_supervised=True, data_dir=data_dir))
        )
    except ImportError as error:  # a module is missing: no download can help
        raise SystemExit(
            f"module {error.name} is missing, which tensorflow-datasets needs to load "
            f"'{DATASET}' ({error}). The install is broken, not the network: reinstall "
            f"with: python -m pip install keras-cert-zoo"
        ) from None
    except Exception as error:
        # requests' errors (tfds downloads with it) and tfds' DownloadError mean
        # the download failed; anything else is shown as it is.
        kinds = {kind.__name__ for kind in type(error).__mro__}
        if not kinds & {"ConnectionError", "RequestException", "DownloadError"}:
            raise
        raise SystemExit(
            f"Could not download tensorflow-datasets '{DATASET}' ({type(error).__name__}: "
            f"{error}). Offline? Run `tfds build {DATASET} --data_dir DIR` on a machine "
            f"with network access, copy DIR here, and run: ZOO_DATA=DIR python "
            f"{os.path.basename(__file__)}"
        ) from None
    texts = [text.decode("utf-8") for text, _ in pairs]
    labels = np.array([label for _, label in pairs])
    return texts, labels


# DO NOT CHANGE: the course's Tokenizer and pad_sequences, rule for rule.
# Keras 3 no longer has keras.preprocessing.text.Tokenizer nor
# keras.preprocessing.sequence.pad_sequences (they came from the retired
# keras-preprocessing package). Keras 3's TextVectorization layer is their
# successor, but it cuts and numbers words differently: the grader feeds
# your model the ids these functions give, so keep them.
FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
SEPARATORS = str.maketrans({character: " " for character in FILTERS})


def split_words(text):
    """Lowercases a text, turns FILTERS into spaces and cuts it at spaces."""
    return [word for word in text.lower().translate(SEPARATORS).split(" ") if word]


def fit_tokenizer(texts, oov_token=OOV_TOKEN):
    """Numbers the words of `texts` from 1, most frequent first, as Tokenizer did.

    Words seen equally often keep the order they first appeared in; the
    out-of-vocabulary token, when given, comes first, as id 1.
    """
    counts = {}
    for text in texts:
        for word in split_words(text):
            counts[word] = counts.get(word, 0) + 1
    ranked = ([oov_token] if oov_token else []) + sorted(counts, key=counts.get, reverse=True)
    return {word: index for index, word in enumerate(ranked, start=1)}


def texts_to_padded(texts, word_index):
    """Encodes texts as rows of MAX_LENGTH ids, as texts_to_sequences and pad_sequences did.

    Words with an id of VOCAB_SIZE or more, or not in `word_index`, become
    the out-of-vocabulary id; rows are cut (TRUNC_TYPE) and padded with 0
    (PADDING_TYPE) at the end ("post") or the start ("pre").
    """
    oov = word_index[OOV_TOKEN]
    rows = np.zeros((len(texts), MAX_LENGTH), dtype="int32")
    for row, text in zip(rows, texts):
        ids = [word_index.get(word, oov) for word in split_words(text)]
        ids = [index if index < VOCAB_SIZE else oov for index in ids]
        ids = ids[:MAX_LENGTH] if TRUNC_TYPE == "post" else ids[-MAX_LENGTH:]
        if ids and PADDING_TYPE == "post":
            row[: len(ids)] = ids
        elif ids:
            row[-len(ids) :] = ids
    return rows


def solution_model():
    # The first 90% of tfds' 25,000 training reviews train, the rest
    # validate; the tokenizer learns its words from all 25,000.
    train_texts, train_y = load_split("train[:90%]")
    valid_texts, valid_y = load_split("train[90%:]")
    word_index = fit_tokenizer(train_texts + valid_texts)
    train_x = texts_to_padded(train_texts, word_index)
    valid_x = texts_to_padded(valid_texts, word_index)

    model = tf.keras.Sequential(
        [
            tf.keras.Input(shape=(MAX_LENGTH,)),
            # TODO: your layers here, e.g. tf.keras.layers.Embedding(VOCAB_SIZE,
            # EMBEDDING_DIM) (Keras 3 has no input_length argument: the Input
            # gives the length), then pooling or an LSTM, and Dense layers.
            tf.keras.layers.Dense(1, activation="sigmoid"),  # DO NOT CHANGE
        ]
    )
    # TODO: compile the model, then fit it on (train_x, train_y), watching
    # (valid_x, valid_y).
    return model
