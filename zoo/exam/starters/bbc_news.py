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
# grader loads that file and scores it 0-5 on articles it has never seen:
#     zoo grade bbc_news mymodel.h5        (in a session: zoo exam submit DIR)
# Offline: set ZOO_DATA to a local copy of the data (see download_data).
# ==========================================================================
#
# QUESTION
#
# Build and train a classifier for the BBC news articles in bbc-text.csv:
# five topics (sport, business, politics, tech, entertainment). The grader
# feeds each article as MAX_LENGTH word ids made by the given tokenizer,
# after removing STOPWORDS, so the input shape is (MAX_LENGTH,). The topics
# become labels 1 to 5 (numbered by the given label tokenizer, most
# frequent first), so the last layer, given, has 6 softmax units: label 0
# is never used.
#
# How you are graded: accuracy on the last 20% of the articles, which this
# file never trains on. 5/5 from 0.91; one mark less per 0.02 below.

import csv
import os
import urllib.request

import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
URL = "https://storage.googleapis.com/learning-datasets/bbc-text.csv"
FILE_NAME = "bbc-text.csv"

# DO NOT CHANGE THESE: the grader prepares its held-out articles with them.
VOCAB_SIZE = 1000
EMBEDDING_DIM = 16
MAX_LENGTH = 120
TRUNC_TYPE = "post"
PADDING_TYPE = "post"
OOV_TOKEN = "<OOV>"
TRAINING_PORTION = 0.8
# Words removed from every article before it is tokenised.
STOPWORDS = {
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "he'd",
    "he'll",
    "he's",
    "her",
    "here",
    "here's",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "how's",
    "i",
    "i'd",
    "i'll",
    "i'm",
    "i've",
    "if",
    "in",
    "into",
    "is",
    "it",
    "it's",
    "its",
    "itself",
    "let's",
    "me",
    "more",
    "most",
    "my",
    "myself",
    "nor",
    "of",
    "on",
    "once",
    "only",
    "or",
    "other",
    "ought",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "same",
    "she",
    "she'd",
    "she'll",
    "she's",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "that's",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "there's",
    "these",
    "they",
    "they'd",
    "they'll",
    "they're",
    "they've",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "very",
    "was",
    "we",
    "we'd",
    "we'll",
    "we're",
    "we've",
    "were",
    "what",
    "what's",
    "when",
    "when's",
    "where",
    "where's",
    "which",
    "while",
    "who",
    "who's",
    "whom",
    "why",
    "why's",
    "with",
    "would",
    "you",
    "you'd",
    "you'll",
    "you're",
    "you've",
    "your",
    "yours",
    "yourself",
    "yourselves",
}


def download_data():
    """Returns the path of bbc-text.csv.

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


def read_articles(path):
    """Reads bbc-text.csv (a header line, then rows of category,text)."""
    with open(path, newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    return [row["text"] for row in rows], [row["category"] for row in rows]


# DO NOT CHANGE: the grader removes the same words from its held-out articles.
def remove_stopwords(text):
    """Lowercases a text, cuts it at whitespace and drops the STOPWORDS."""
    return " ".join(word for word in text.lower().split() if word not in STOPWORDS)


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
    texts, categories = read_articles(download_data())
    texts = [remove_stopwords(text) for text in texts]
    # Topics are numbered as a Tokenizer fitted on the category column
    # numbers words: most frequent first, from 1.
    label_index = fit_tokenizer(categories, oov_token=None)
    labels = np.array([label_index[category] for category in categories])

    # The first TRAINING_PORTION of the articles train (their last tenth
    # validates); the tokenizer learns its words from them alone.
    cut = int(len(texts) * TRAINING_PORTION)
    valid_cut = cut - max(1, cut // 10)
    word_index = fit_tokenizer(texts[:cut])
    train_x = texts_to_padded(texts[:valid_cut], word_index)
    train_y = labels[:valid_cut]
    valid_x = texts_to_padded(texts[valid_cut:cut], word_index)
    valid_y = labels[valid_cut:cut]

    model = tf.keras.Sequential(
        [
            tf.keras.Input(shape=(MAX_LENGTH,)),
            # TODO: your layers here, e.g. tf.keras.layers.Embedding(VOCAB_SIZE,
            # EMBEDDING_DIM) (Keras 3 has no input_length argument: the Input
            # gives the length), then pooling and Dense layers.
            tf.keras.layers.Dense(6, activation="softmax"),  # DO NOT CHANGE
        ]
    )
    # TODO: compile the model (the labels are integers: a sparse
    # categorical loss), then fit it on (train_x, train_y), watching
    # (valid_x, valid_y).
    return model
