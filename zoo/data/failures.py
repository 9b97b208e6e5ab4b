"""Why data could not be had: a broken install, a failed download, or something else.

A module missing from the environment and a machine without network both
end in an exception from deep inside tensorflow-datasets or Keras; the user
fixes them in opposite ways (reinstall, or bring the data over with
`--data`). These functions read the exception, and the exceptions it was
raised from, to tell which.

Example:
>>> missing_module(ModuleNotFoundError("No module named 'x'", name="x")).name
'x'
>>> failed_download(ConnectionError("unreachable")) is not None
True
"""

import importlib.metadata
import json
import shlex
import sys
import urllib.error
import urllib.parse
import urllib.request

DISTRIBUTION = "keras-cert-zoo"


def _chain(error):
    # The error, then what it was raised from or while handling, in turn
    # (once each: a chain set by hand may loop).
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def missing_module(error):
    """Returns the `ImportError` behind `error`, or None when nothing failed to import.

    Args:
        error: an exception.

    Returns:
        The first `ImportError` (or `ModuleNotFoundError`) among `error` and
        the exceptions it was raised from; its `name` is the module's.

    Example:
    >>> missing_module(ValueError("bad")) is None
    True
    """
    return next((e for e in _chain(error) if isinstance(e, ImportError)), None)


def _download_errors():
    # requests (tensorflow-datasets downloads with it) and tfds's own
    # DownloadError (a bad HTTP status) when they are installed.
    kinds = [urllib.error.URLError, ConnectionError, TimeoutError]
    try:
        import requests
        from tensorflow_datasets.core.download import DownloadError
    except ImportError:
        return tuple(kinds)
    return (*kinds, requests.RequestException, DownloadError)


def failed_download(error):
    """Returns the network error behind `error`, or None when no download failed.

    A download fails when the address cannot be reached, the connection
    breaks or times out, or the server answers with an error status:
    `urllib`'s `URLError` (what `keras.utils.get_file` raises from), the
    `ConnectionError` and `TimeoutError` families, `requests`' errors and
    tensorflow-datasets' `DownloadError`.

    Args:
        error: an exception.

    Returns:
        The first such exception among `error` and the exceptions it was
        raised from.

    Example:
    >>> failed_download(FileNotFoundError("no such file")) is None
    True
    """
    kinds = _download_errors()
    return next((e for e in _chain(error) if isinstance(e, kinds)), None)


def reinstall_command():
    """The command that puts back what this install of keras-cert-zoo lacks.

    pip installs whatever an installed project's dependencies lack. An
    editable install (a checkout) is reinstalled from its folder, so that
    dependencies added to `pyproject.toml` since are read too.

    Returns:
        `"<this python> -m pip install -e <checkout>"` for an editable
        install, else `"<this python> -m pip install keras-cert-zoo"`.

    Example:
    >>> reinstall_command().startswith(f"{sys.executable} -m pip install ")
    True
    """
    pip = f"{shlex.quote(sys.executable)} -m pip install"
    # pip's record of where it installed from; a checkout's own
    # keras_cert_zoo.egg-info, found first when Python runs in it, has none.
    origins = (
        found.read_text("direct_url.json")
        for found in importlib.metadata.distributions(name=DISTRIBUTION)
    )
    origin = json.loads(next((text for text in origins if text), "{}"))
    if origin.get("dir_info", {}).get("editable"):
        checkout = urllib.request.url2pathname(urllib.parse.urlparse(origin["url"]).path)
        return f"{pip} -e {shlex.quote(checkout)}"
    return f"{pip} {DISTRIBUTION}"
