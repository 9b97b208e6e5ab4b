# Running the file trains the model and saves mymodel.h5, the file the exam
# uploaded. Keras 3 calls .h5 its legacy format, but writes and reads it.
#
# Not part of the exam: beside mymodel.h5, mymodel.h5.json records what made
# it (this file's SHA-256, ZOO_DATA, the time and the last fit's history), so
# that `zoo exam submit` grades this very model without running the file
# again, grades it on the same data, and draws your training curves.


def file_sha256(path):
    """Returns the SHA-256 of a file's content, as hex digits."""
    import hashlib

    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()


def save_model(model, source_sha256, seconds):
    """Saves mymodel.h5 beside this file, and mymodel.h5.json beside it."""
    import json

    path = os.path.join(HERE, "mymodel.h5")
    model.save(path)
    history = getattr(getattr(model, "history", None), "history", None) or {}
    data = os.environ.get("ZOO_DATA")
    record = {
        "source": os.path.basename(__file__),
        "source_sha256": source_sha256,
        "model_sha256": file_sha256(path),
        "data": os.path.abspath(data) if data else None,
        "seconds": round(seconds, 1),
        "history": {name: [float(value) for value in values] for name, values in history.items()},
    }
    with open(f"{path}.json", "w", encoding="utf-8") as file:
        json.dump(record, file)


if __name__ == "__main__":
    import time

    made_from = file_sha256(__file__)
    started = time.monotonic()
    model = solution_model()
    save_model(model, made_from, time.monotonic() - started)
