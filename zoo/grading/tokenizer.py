"""The course's text preprocessing: its `Tokenizer` and `pad_sequences`.

The exam's text starters tokenised outside the model with
`keras.preprocessing.text.Tokenizer` (from the `keras-preprocessing`
package, which Keras 3 no longer has) and padded with `pad_sequences`. A
model trained that way takes padded word ids, so grading it means
producing the very same ids. These reimplement both, rule for rule, with no
dependency beyond NumPy; a test checks them against the original package
on the course's `sarcasm.json`.

Example:
>>> tokenizer = Tokenizer(num_words=4, oov_token="<OOV>")
>>> tokenizer.fit_on_texts(["The cat sat.", "The cat ran!", "A dog"])
>>> tokenizer.word_index["<OOV>"], tokenizer.word_index["the"], tokenizer.word_index["dog"]
(1, 2, 7)
>>> tokenizer.texts_to_sequences(["the dog sat"])
[[2, 1, 1]]
>>> pad_sequences([[2, 1, 1]], maxlen=5, padding="post").tolist()
[[2, 1, 1, 0, 0]]
"""

import numpy as np

# The course Tokenizer's default: punctuation, tab and newline become separators.
DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


class Tokenizer:
    """Words to integer ids, numbered by frequency, as the course's `Tokenizer` did.

    A text is lowercased (when `lower`), every character of `filters` is
    replaced by `split`, and the text is cut at `split` (only there: other
    whitespace such as `\\r` stays inside words), dropping empty pieces.
    Fitting counts the words; ids run from 1 by descending count, ties in
    order of first appearance, with `oov_token` (when given) forced to id 1.
    Encoding keeps ids below `num_words` (so `num_words - 1` ids in all, the
    out-of-vocabulary id included); other words become the OOV id, or are
    dropped when there is no `oov_token`.

    Args:
        num_words: ids below this are kept when encoding; None keeps all.
        filters: characters treated as separators.
        lower: whether to lowercase texts first.
        split: the separator words are cut at.
        oov_token: the word standing for any word not kept, or None.

    Example:
    >>> tokenizer = Tokenizer(oov_token="<OOV>")
    >>> tokenizer.fit_on_texts(["b a b"])
    >>> tokenizer.word_index
    {'<OOV>': 1, 'b': 2, 'a': 3}
    """

    def __init__(
        self, num_words=None, filters=DEFAULT_FILTERS, lower=True, split=" ", oov_token=None
    ):
        self.num_words = num_words
        self.filters = filters
        self.lower = lower
        self.split = split
        self.oov_token = oov_token
        self.word_counts = {}
        self.word_index = {}
        self._table = str.maketrans({c: split for c in filters})

    def words(self, text):
        """Cuts one text into words by the tokenizer's rules.

        Args:
            text: a string.

        Returns:
            A list of strings.
        """
        if self.lower:
            text = text.lower()
        return [word for word in text.translate(self._table).split(self.split) if word]

    def fit_on_texts(self, texts):
        """Counts the words of `texts` and renumbers the vocabulary.

        Args:
            texts: an iterable of strings. Counts add up over calls.
        """
        counts = self.word_counts
        for text in texts:
            for word in self.words(text):
                counts[word] = counts.get(word, 0) + 1
        # sorted() is stable: equal counts keep their order of first appearance.
        by_count = sorted(counts, key=counts.get, reverse=True)
        vocabulary = ([self.oov_token] if self.oov_token is not None else []) + by_count
        # Built in order, so a word equal to the OOV token keeps its later id.
        self.word_index = {}
        for index, word in enumerate(vocabulary, start=1):
            self.word_index[word] = index

    def texts_to_sequences(self, texts):
        """Encodes texts as lists of word ids.

        Args:
            texts: an iterable of strings.

        Returns:
            A list of lists of ints, one per text.
        """
        oov = self.word_index.get(self.oov_token)
        limit = self.num_words
        sequences = []
        for text in texts:
            ids = []
            for word in self.words(text):
                index = self.word_index.get(word)
                if index is not None and not (limit and index >= limit):
                    ids.append(index)
                elif self.oov_token is not None:
                    ids.append(oov)
            sequences.append(ids)
        return sequences


def pad_sequences(sequences, maxlen=None, padding="pre", truncating="pre", value=0, dtype="int32"):
    """Pads or cuts id sequences to one length, as the course's `pad_sequences` did.

    Args:
        sequences: a list of lists of ints.
        maxlen: the length of every row; the longest sequence's when None.
        padding: `"pre"` or `"post"`: where the padding goes.
        truncating: `"pre"` or `"post"`: which end of a long sequence is cut.
        value: the padding value.
        dtype: the array's dtype.

    Returns:
        A NumPy array `(len(sequences), maxlen)`.

    Raises:
        ValueError: for a `padding` or `truncating` other than pre/post.

    Example:
    >>> pad_sequences([[1, 2, 3], [4]], maxlen=2).tolist()
    [[2, 3], [0, 4]]
    """
    for name, where in (("padding", padding), ("truncating", truncating)):
        if where not in ("pre", "post"):
            raise ValueError(f"{name}={where!r}: expected 'pre' or 'post'.")
    if maxlen is None:
        maxlen = max((len(s) for s in sequences), default=0)
    padded = np.full((len(sequences), maxlen), value, dtype=dtype)
    if maxlen == 0:
        return padded
    for row, sequence in zip(padded, sequences):
        kept = sequence[:maxlen] if truncating == "post" else sequence[-maxlen:]
        if not len(kept):
            continue
        if padding == "post":
            row[: len(kept)] = kept
        else:
            row[-len(kept) :] = kept
    return padded
