"""Which device TensorFlow computes on, in words for reports and cards."""


def describe_device():
    """Names the accelerator TensorFlow sees, or says that it runs on the CPU.

    Returns:
        A string such as `"GPU: /physical_device:GPU:0"` or
        `"CPU (TensorFlow sees no GPU)"`.
    """
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        return "GPU: " + ", ".join(gpu.name for gpu in gpus)
    return "CPU (TensorFlow sees no GPU)"
