"""JSON text as TF Serving's rapidjson reads it and quotes it in errors.

TF Serving parses request bodies iteratively (any nesting depth), accepts
`NaN` and `Infinity`, stops at the end of the first JSON value, and quotes
request values in error messages the way `JsonValueToDebugString` in
`tensorflow_serving/util/json_tensor.cc` does: rapidjson's pretty writer with
single-line arrays, cut off once 256 bytes are written. This module does the
same, so that errors read as TF Serving writes them.

A large body is read a piece at a time: its top levels value by value, and
dense numeric arrays by `numeric_json` without a Python object per number,
so that no single call holds the GIL (and stalls the event loop) for long.
"""

import codecs
import json
import math
import re
from decimal import Decimal

from zoo.serving import numeric_json, search
from zoo.serving.errors import invalid_argument
from zoo.serving.numeric_json import NumericText

# Python's json messages and rapidjson's (GetParseError_En) for the same fault.
_PARSE_ERRORS = {
    "Expecting value": "Invalid value.",
    "Expecting property name enclosed in double quotes": "Missing a name for object member.",
    "Expecting ':' delimiter": "Missing a colon after a name of object member.",
    "Unterminated string starting at": "Missing a closing quotation mark in string.",
    "Invalid control character at": "Invalid encoding in string.",
    "Invalid \\escape": "Invalid escape character in string.",
    "Invalid \\uXXXX escape": "Incorrect hex digit after \\u escape in string.",
}
_DECODER = json.JSONDecoder()
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_WHITESPACE_CHARS = (" ", "\t", "\n", "\r")
_SCALAR = re.compile(
    r"(-?(?:0|[1-9]\d*))(\.\d+)?([eE][-+]?\d+)?"
    r"|true|false|null|NaN|-?Infinity"
)
_CONSTANTS = {
    "true": True,
    "false": False,
    "null": None,
    "NaN": float("nan"),
    "Infinity": float("inf"),
    "-Infinity": float("-inf"),
}
# kMaxJsonDebugStringBytes: how much of a value an error message quotes.
_MAX_QUOTED_BYTES = 256
_INDENT = "    "
_INT_RANGE = (-(2**63), 2**64 - 1)  # what rapidjson keeps as an integer
_ESCAPES = {i: f"\\u{i:04X}" for i in range(0x20)}
_ESCAPES.update(
    {
        0x08: "\\b",
        0x09: "\\t",
        0x0A: "\\n",
        0x0C: "\\f",
        0x0D: "\\r",
        ord('"'): '\\"',
        ord("\\"): "\\\\",
    }
)


def json_type(value):
    """Names a decoded JSON value's type as rapidjson does (`"Number"`...).

    Args:
        value: a value from `parse_json_object`.

    Returns:
        One of Null, True, False, Object, Array, String, Number.

    Example:
    >>> json_type([1.5])
    'Array'
    """
    if value is None:
        return "Null"
    if value is True:
        return "True"
    if value is False:
        return "False"
    if isinstance(value, dict):
        return "Object"
    if isinstance(value, (list, NumericText)):
        return "Array"
    if isinstance(value, str):
        return "String"
    return "Number"


# ---------------------------------------------------------------- parsing


class _ParseError(Exception):
    def __init__(self, reason, position):
        super().__init__(reason)
        self.reason = reason
        self.position = position


def _reason_for(error, text):
    """rapidjson's wording for a `json.JSONDecodeError`."""
    if error.msg == "Expecting ',' delimiter":
        if _nesting_at(text, error.pos) == "[":
            return "Missing a comma or ']' after an array element."
        return "Missing a comma or '}' after an object member."
    return _PARSE_ERRORS.get(error.msg, "Invalid value.")


def _nesting_at(text, position):
    """Returns '[' or '{', whichever bracket is open at `position`."""
    stack = []
    in_string = escaped = False
    for char in text[:position]:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            stack.append(char)
        elif char in "]}" and stack:
            stack.pop()
    return stack[-1] if stack else ""


def _skip(text, position):
    if text[position : position + 1] not in _WHITESPACE_CHARS:
        return position
    return _WHITESPACE.match(text, position).end()


def _string(text, position):
    """Reads the string whose opening quote is at `position`."""
    try:
        return json.decoder.scanstring(text, position + 1)
    except json.JSONDecodeError as error:
        raise _ParseError(_reason_for(error, text), error.pos) from None


def _member_name(text, position):
    """Reads `"name" :` at `position`; returns the name and where its value
    starts."""
    position = _skip(text, position)
    if text[position : position + 1] != '"':
        raise _ParseError("Missing a name for object member.", position)
    name, position = _string(text, position)
    position = _skip(text, position)
    if text[position : position + 1] != ":":
        raise _ParseError("Missing a colon after a name of object member.", position)
    return name, position + 1


def _scalar(text, position):
    if text[position : position + 1] == '"':
        return _string(text, position)
    match = _SCALAR.match(text, position)
    if not match:
        raise _ParseError("Invalid value.", position)
    word = match.group(0)
    if word in _CONSTANTS:
        return _CONSTANTS[word], match.end()
    if match.group(2) or match.group(3):
        return float(word), match.end()
    try:
        return int(word), match.end()
    except ValueError:  # more digits than Python converts: no double holds it
        raise _ParseError("Number too big to be stored in double.", position) from None


def _parse_iteratively(text, position):
    """Parses one JSON value with an explicit stack instead of recursion.

    Used for documents nested too deeply for `json`'s recursive scanner
    (rapidjson's iterative mode accepts them), and to say where an integer
    of more digits than Python converts is (no double holds it either).
    """
    open_containers = []  # [list, None] or [dict, name of the member read]
    while True:
        position = _skip(text, position)
        char = text[position : position + 1]
        if char in ("[", "{"):
            inner = _skip(text, position + 1)
            if text[inner : inner + 1] == ("]" if char == "[" else "}"):
                value, position = ([] if char == "[" else {}), inner + 1
            elif char == "[":
                open_containers.append([[], None])
                position += 1
                continue
            else:
                name, position = _member_name(text, position + 1)
                open_containers.append([{}, name])
                continue
        else:
            value, position = _scalar(text, position)
        while True:
            if not open_containers:
                return value, position
            top = open_containers[-1]
            container = top[0]
            position = _skip(text, position)
            char = text[position : position + 1]
            if isinstance(container, list):
                container.append(value)
                if char == ",":
                    position += 1
                    break
                if char != "]":
                    raise _ParseError("Missing a comma or ']' after an array element.", position)
            else:
                container[top[1]] = value
                if char == ",":
                    top[1], position = _member_name(text, position + 1)
                    break
                if char != "}":
                    raise _ParseError("Missing a comma or '}' after an object member.", position)
            value = open_containers.pop()[0]
            position += 1


def _parse_deep(text, start):
    """`_parse_iteratively` with its errors in rapidjson's wording."""
    try:
        return _parse_iteratively(text, start)
    except _ParseError as error:
        _refuse_lone_surrogates(text, error.position)
        raise _parse_error(text, error.reason, error.position) from None


def _refuse_lone_surrogates(text, end):
    """Raises rapidjson's error for a lone surrogate escape before `end`,
    the first fault in the text when parsing stopped at `end`."""
    position = _lone_surrogate(text, end)
    if position is not None:
        raise _parse_error(text, _SURROGATE_REASON, position)


# A \u escape of a UTF-16 surrogate; a high one (D800-DBFF) must be followed
# at once by the escape of a low one (DC00-DFFF), and a low one must follow
# a high one. Python's json accepts lone ones; rapidjson refuses them.
_SURROGATE_ESCAPE = re.compile(r"\\u([dD][89a-fA-F][0-9a-fA-F]{2})")
_SURROGATE_REASON = "The surrogate pair in string is invalid."


def _escaped(text, position):
    """Whether the backslash at `position` starts an escape (it is not the
    second half of an escaped backslash)."""
    before = position
    while before and text[before - 1] == "\\":
        before -= 1
    return (position - before) % 2 == 0


def _lone_surrogate(text, end):
    """The position of the first lone surrogate escape before `end`, or
    None."""
    paired = -1  # where the low half of the last good pair starts
    position = 0
    while True:
        match = search.search(_SURROGATE_ESCAPE, text, position, end, 6)
        if match is None:
            return None
        position = match.start()
        if position == paired or not _escaped(text, position):
            position += 1
            continue
        code = int(match.group(1), 16)
        if code <= 0xDBFF:
            low = _SURROGATE_ESCAPE.match(text, position + 6)
            if low and int(low.group(1), 16) >= 0xDC00:
                paired = position + 6
                position += 6
                continue
        return position


def _parse_error(text, reason, position):
    offset = len(text[:position].encode("utf-8"))
    return invalid_argument(f"JSON Parse error: {reason} at offset: {offset}")


def parse_json_object(body, deadline=None):
    """Parses a request body as TF Serving does.

    NaN and Infinity are accepted, any nesting depth is, and whatever follows
    the first JSON value is ignored (rapidjson's `kParseStopWhenDoneFlag`).
    A string holding a lone UTF-16 surrogate escape (`"\\ud800"`) is
    refused, as rapidjson refuses it. In a body of `numeric_json.MIN_CHARS`
    characters or more, a large dense array of plain numbers is left as a
    `NumericText`, read later into the signature's dtype.

    Args:
        body: the raw request body, bytes.
        deadline: optional `Deadline`, checked while a large body is read.

    Returns:
        The decoded JSON object, a dict.

    Raises:
        ServingError: INVALID_ARGUMENT with rapidjson's wording for the fault
            and its byte offset, or when the document is not an object;
            DEADLINE_EXCEEDED when the deadline passes.

    Example:
    >>> parse_json_object(b'{"instances": [NaN]} and the rest')
    {'instances': [nan]}
    """
    if not body:
        raise invalid_argument("JSON Parse error: The document is empty")
    text = _text_of(body, deadline)
    start = _skip(text, 0)
    if start == len(text):
        raise _parse_error(text, "The document is empty.", start)
    large = len(text) >= numeric_json.MIN_CHARS
    try:
        if large:
            doc, end = _walk(text, start, 1, deadline)
        else:
            doc, end = _DECODER.raw_decode(text, start)
    except json.JSONDecodeError as error:
        _refuse_lone_surrogates(text, error.pos)
        raise _parse_error(text, _reason_for(error, text), error.pos) from None
    except _ParseError as error:
        _refuse_lone_surrogates(text, error.position)
        raise _parse_error(text, error.reason, error.position) from None
    except (RecursionError, ValueError):
        # Nested too deeply for `json`, or (ValueError) an integer of more
        # digits than Python converts, which the exact parser locates.
        doc, end = _parse_deep(text, start)
    _refuse_lone_surrogates(text, end)
    if not isinstance(doc, dict):
        raise invalid_argument(f"JSON Value: {quote_value(doc)} Is not object")
    return doc


# How many bytes of a body that is not ASCII are decoded per step.
_DECODE_BYTES = 1 << 20
# Containers this deep or less are read value by value; deeper values are
# small parts of a request (a feature list, a row's innermost list).
_WALK_DEPTH = 3
# How many values a walk reads between two deadline checks.
_CHECK_EVERY = 1024


def _text_of(body, deadline):
    """The body as text; one that is not ASCII is decoded a megabyte at a
    time, so that no call holds the GIL for long."""
    if len(body) <= _DECODE_BYTES or body.isascii():
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise _encoding_error(error.start) from None
    decoder = codecs.getincrementaldecoder("utf-8")()
    parts = []
    for offset in range(0, len(body), _DECODE_BYTES):
        if deadline is not None:
            deadline.check()
        pending = len(decoder.getstate()[0])  # bytes of a split character
        try:
            parts.append(
                decoder.decode(
                    body[offset : offset + _DECODE_BYTES], final=offset + _DECODE_BYTES >= len(body)
                )
            )
        except UnicodeDecodeError as error:
            raise _encoding_error(offset - pending + error.start) from None
    return "".join(parts)


def _encoding_error(offset):
    return invalid_argument(f"JSON Parse error: Invalid encoding in string. at offset: {offset}")


def _walk(text, position, depth, deadline):
    """Parses the value at `position`: its containers value by value down to
    `_WALK_DEPTH`, large dense numeric arrays as `NumericText`, the rest
    with `json`. Returns `(value, end)`."""
    position = _skip(text, position)
    char = text[position : position + 1]
    if char == "[" and depth <= _WALK_DEPTH:
        scanned = numeric_json.scan(text, position, deadline)
        if scanned is not None:
            return scanned
        return _walk_array(text, position, depth, deadline)
    if char == "{" and depth <= _WALK_DEPTH:
        return _walk_object(text, position, depth, deadline)
    return _DECODER.raw_decode(text, position)


def _walk_array(text, position, depth, deadline):
    items = []
    position = _skip(text, position + 1)
    if text[position : position + 1] == "]":
        return items, position + 1
    while True:
        if deadline is not None and len(items) % _CHECK_EVERY == 0:
            deadline.check()
        value, position = _walk(text, position, depth + 1, deadline)
        items.append(value)
        position = _skip(text, position)
        char = text[position : position + 1]
        if char == "]":
            return items, position + 1
        if char != ",":
            raise _ParseError("Missing a comma or ']' after an array element.", position)
        position += 1


def _walk_object(text, position, depth, deadline):
    members = {}
    position = _skip(text, position + 1)
    if text[position : position + 1] == "}":
        return members, position + 1
    while True:
        if deadline is not None and len(members) % _CHECK_EVERY == 0:
            deadline.check()
        name, position = _member_name(text, position)
        members[name], position = _walk(text, position, depth + 1, deadline)
        position = _skip(text, position)
        char = text[position : position + 1]
        if char == "}":
            return members, position + 1
        if char != ",":
            raise _ParseError("Missing a comma or '}' after an object member.", position)
        position += 1


def materialized(value, depth=1):
    """A parsed value with every `NumericText` in it read as `json` reads
    it (lists of numbers), for the exact reader. Containers are changed in
    place.

    Args:
        value: a value from `parse_json_object`.
        depth: the value's nesting depth (the document's is 1); deeper than
            `_WALK_DEPTH` there is no `NumericText`.

    Returns:
        The value without `NumericText`.
    """
    if isinstance(value, NumericText):
        return value.value()
    # A NumericText is at most _WALK_DEPTH deep: a child of a shallower container.
    if depth < _WALK_DEPTH and isinstance(value, (dict, list)):
        keys = value.keys() if isinstance(value, dict) else range(len(value))
        for key in keys:
            value[key] = materialized(value[key], depth + 1)
    return value


# ---------------------------------------------------------------- quoting


def _number_text(value):
    """A number as rapidjson's writer prints it; None for NaN and infinities,
    which it refuses to print."""
    if isinstance(value, int) and _INT_RANGE[0] <= value <= _INT_RANGE[1]:
        return str(value)
    try:
        value = float(value)
    except OverflowError:
        return str(value)
    if not math.isfinite(value):
        return None
    if value == 0:
        return "-0.0" if str(value).startswith("-") else "0.0"
    sign = "-" if value < 0 else ""
    digits, exponent = _shortest_digits(abs(value))
    length = len(digits)
    point = length + exponent  # the value is 0.digits x 10**point
    if 0 <= exponent and point <= 21:
        return f"{sign}{digits}{'0' * exponent}.0"
    if 0 < point <= 21:
        return f"{sign}{digits[:point]}.{digits[point:]}"
    if -6 < point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    mantissa = digits if length == 1 else f"{digits[0]}.{digits[1:]}"
    return f"{sign}{mantissa}e{point - 1}"


def _shortest_digits(value):
    """The shortest round-trip digits of a positive float and their power of
    ten: 1250.0 -> ("125", 1)."""
    _, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    return "".join(str(d) for d in digits), exponent


def _quote_string(text):
    return '"' + text.translate(_ESCAPES) + '"'


class _LimitedWriter:
    """rapidjson's PrettyWriter with single-line arrays behind
    JsonWriterWithLimit: a call is refused once 256 bytes are written."""

    def __init__(self):
        self.parts = []
        self.size = 0
        self.levels = []  # one [in_array, values written] per open container

    def _put(self, text):
        self.parts.append(text)
        self.size += len(text.encode("utf-8", "surrogatepass"))

    def _prefix(self):
        if not self.levels:
            return
        level = self.levels[-1]
        in_array, count = level
        if in_array:
            if count:
                self._put(", ")
        else:
            if count:
                self._put(",\n" if count % 2 == 0 else ": ")
            else:
                self._put("\n")
            if count % 2 == 0:
                self._put(_INDENT * len(self.levels))
        level[1] += 1

    def write(self, value, is_name=False):
        """Writes a name, a scalar or an opening bracket; False when refused."""
        if self.size >= _MAX_QUOTED_BYTES:
            return False
        self._prefix()
        if is_name or isinstance(value, str):
            self._put(_quote_string(value))
        elif isinstance(value, (list, dict, NumericText)):
            array = not isinstance(value, dict)
            self._put("[" if array else "{")
            self.levels.append([array, 0])
        elif value is None or isinstance(value, bool):
            self._put(json.dumps(value))
        else:
            text = _number_text(value)
            if text is None:
                return False
            self._put(text)
        return True

    def close(self):
        """Writes the closing bracket of the innermost container."""
        if self.size >= _MAX_QUOTED_BYTES:
            return False
        in_array, count = self.levels.pop()
        if in_array:
            self._put("]")
        else:
            self._put(("\n" + _INDENT * len(self.levels) if count else "") + "}")
        return True


def quote_value(value):
    """Renders a decoded JSON value for an error message, as TF Serving does.

    Objects are pretty-printed, arrays stay on one line, and the text stops
    once 256 bytes are written, so a megabyte image is never echoed back.

    Args:
        value: a value from `parse_json_object`.

    Returns:
        The (possibly truncated) JSON text.

    Example:
    >>> print(quote_value({"instances": [[1, 2.5]]}))
    {
        "instances": [[1, 2.5]]
    }
    """
    writer = _LimitedWriter()
    pending = [iter([value])]  # iterators over the open containers' items
    names = [False]  # whether each iterator yields (name, value)
    while pending:
        try:
            item = next(pending[-1])
        except StopIteration:
            pending.pop()
            names.pop()
            if pending and not writer.close():
                break
            continue
        if names[-1]:
            name, item = item
            if not writer.write(name, is_name=True):
                break
        if not writer.write(item):
            break
        if isinstance(item, NumericText):  # its first rows say enough
            pending.append(iter(item.head()))
            names.append(False)
        elif isinstance(item, list):
            pending.append(iter(item))
            names.append(False)
        elif isinstance(item, dict):
            pending.append(iter(item.items()))
            names.append(True)
    return "".join(writer.parts)
