"""The lab: the classic lessons of training, rerun as small seeded experiments.

Each experiment lives in its own module with a `run(out_dir, quick=False,
data=None, seed=0)` function that trains real small Keras models, writes
PNG pictures and an `index.html` that says what to look for in each, and
returns that page's path. The lesson's numbers come from functions of their
own in the same module, so the tests check each lesson's direction.

This registry holds only names and words: listing the experiments imports
neither Keras nor TensorFlow (each module imports them inside its functions).

Example:
>>> [experiment.name for experiment in EXPERIMENTS][:2]
['optimizers', 'init']
>>> get_experiment("batchnorm").module
'zoo.lab.batchnorm'
"""

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Experiment:
    """One lab experiment: its name on the command line, its module and what it shows.

    Args:
        name: str, as typed after `zoo lab`.
        module: str, the module whose `run` performs it.
        summary: str, one line on what it shows.
    """

    name: str
    module: str
    summary: str

    def load(self):
        """Imports the experiment's module (Keras comes later, when it runs)."""
        return importlib.import_module(self.module)


EXPERIMENTS = (
    Experiment(
        "optimizers",
        "zoo.lab.optimizers",
        "SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam: paths on x²/20 + y², "
        "loss curves on digits",
    ),
    Experiment(
        "init",
        "zoo.lab.init",
        "activations of 5 layers under std 1, std 0.01, Xavier and He, with sigmoid, tanh and ReLU",
    ),
    Experiment(
        "batchnorm",
        "zoo.lab.batchnorm",
        "training accuracy with and without batch normalisation at several weight scales",
    ),
    Experiment(
        "regularization",
        "zoo.lab.regularization",
        "overfitting a small subset: L2, AdamW, dropout and early stopping against none",
    ),
    Experiment(
        "vanishing",
        "zoo.lab.vanishing",
        "per-layer gradient norms of a deep net, sigmoid against ReLU, before and after training",
    ),
    Experiment(
        "transfer",
        "zoo.lab.transfer",
        "cats and dogs: from scratch against a frozen pretrained backbone against fine-tuning",
    ),
)


def get_experiment(name):
    """Returns the experiment called `name`.

    Args:
        name: str, an experiment's name.

    Returns:
        An `Experiment`.

    Raises:
        KeyError: naming the experiments there are.
    """
    for experiment in EXPERIMENTS:
        if experiment.name == name:
            return experiment
    names = ", ".join(e.name for e in EXPERIMENTS)
    raise KeyError(f"no lab experiment called {name!r}; there are: {names} (see `zoo lab`)")
