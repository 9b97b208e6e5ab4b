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
# grader loads that file and scores it 0-5 on headlines it has never seen:
#     zoo grade sarcasm mymodel.h5         (in a session: zoo exam submit DIR)
# Offline: set ZOO_DATA to a local copy of the data (see download_data).
# ==========================================================================
#
# QUESTION
#
# Build and train a classifier for the sarcasm dataset: news headlines,
# sarcastic (1) or not (0). The grader feeds each headline as MAX_LENGTH
# word ids made by the given tokenizer, so the input shape is (MAX_LENGTH,).
# End with the 1-unit sigmoid layer given.
#
# How you are graded: accuracy on the headlines after the first
# TRAINING_SIZE, which this file never trains on. 5/5 from 0.83; one mark
# less per 0.02 below.

import json
import os
import urllib.request

import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
URL = "https://storage.googleapis.com/tensorflow-1-public/course3/sarcasm.json"
FILE_NAME = "sarcasm.json"

# DO NOT CHANGE THESE: the grader prepares its held-out headlines with them.
VOCAB_SIZE = 1000
EMBEDDING_DIM = 16
MAX_LENGTH = 120
TRUNC_TYPE = "post"
PADDING_TYPE = "post"
OOV_TOKEN = "<OOV>"
TRAINING_SIZE = 20000
# The last 2,000 of the training headlines validate.
VALIDATION_SIZE = 2000


def download_data():
    """Returns the path of sarcasm.json.

    With ZOO_DATA set, it is your local copy: the file, or the folder that
    holds it. Otherwise the file is downloaded beside this file, once.
    """
    local = os.environ.get("ZOO_DATA")
    if local:
        path = os.path.join(local, FILE_NAME) if os.path.isdir(local) else local
        if not os.path.isfile(path):
            raise SystemExit(
                f"ZOO_DATA={local}: no {FILE_NAME} there. Point ZOO_DATA "
                f"at your copy of {FILE_NAME} (the file, or its folder)."
            )
        return path
    path = os.path.join(HERE, FILE_NAME)
    if not os.path.isfile(path):
        try:
            urllib.request.urlretrieve(URL, f"{path}.part")
        except OSError as error:
            raise SystemExit(
                f"Could not download {URL} ({error}). Offline? Download {FILE_NAME} "
                f"on a machine with network access and run: ZOO_DATA=/path/to/{FILE_NAME} "
                f"python {os.path.basename(__file__)}"
            ) from None
        os.replace(f"{path}.part", path)
    return path


def read_headlines(path):
    """Reads sarcasm.json: a JSON array of {"headline", "is_sarcastic", ...} records.

    Kaggle's copy of the dataset, one record per line, is read too.
    """
    with open(path, encoding="utf-8") as file:
        text = file.read()
    try:
        records = json.loads(text)
    except json.JSONDecodeError:
        records = [json.loads(line) for line in text.splitlines() if line.strip()]
    headlines = [record["headline"] for record in records]
    labels = np.array([record["is_sarcastic"] for record in records])
    return headlines, labels


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
    headlines, labels = read_headlines(download_data())
    # The tokenizer learns its words from the training headlines only.
    word_index = fit_tokenizer(headlines[:TRAINING_SIZE])
    cut = TRAINING_SIZE - VALIDATION_SIZE
    train_x = texts_to_padded(headlines[:cut], word_index)
    train_y = labels[:cut]
    valid_x = texts_to_padded(headlines[cut:TRAINING_SIZE], word_index)
    valid_y = labels[cut:TRAINING_SIZE]

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
