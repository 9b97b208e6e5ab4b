"""`zoo train` on two worker processes (TF_CONFIG, 127.0.0.1) trains as one process would.

Both workers run `zoo train` for `synthetic_series` (generated data),
`mnist` (tensorflow-datasets, mocked) and `mnist_dcgan` (a zoo model with
its own training step), one after the other, in one folder (as workers on
shared storage would), and dump their final weights. The reference is one
process on one device, trained here from the same seed at the same global
batch size. The DCGAN has no such reference: each replica draws its latent
vectors from the same seeded generator, so two replicas draw other noise
than one device does; its two workers must still agree.

The workers run with `--resume`, and one process was killed after the first
of mnist's two epochs beforehand: both workers resume that run from the
chief's backup, and still end where one uninterrupted worker does.
"""

import signal
import subprocess

import keras
import pytest
from tasks_helpers import mocked_tfds
from training_helpers import (
    WeightsAtStartAndEnd,
    environment,
    free_ports,
    killed_run_command,
    largest_difference,
    load_weights,
    run_together,
    tf_config,
    train_and_dump_command,
)

from zoo.export import list_versions
from zoo.report.card import read_card
from zoo.tasks import get_task
from zoo.training.reference import solve

EPOCHS, MOCK_EXAMPLES = 2, 40
# Global batch sizes whose last, short batches (882 series windows, 36 mock
# digits) still split evenly in two, so that no example sits out.
BATCH_SIZES = {"synthetic_series": 64, "mnist": 8}
OWN_STEP = {"mnist_dcgan": 8}
BETWEEN_WORKERS = 1e-6
AGAINST_ONE_WORKER = 1e-4
MIN_UPDATE = 1e-3  # training moves some weight at least this much


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Runs the two workers; returns their folder and `(code, stdout, stderr)`s."""
    folder = tmp_path_factory.mktemp("cluster")
    killed = subprocess.run(
        killed_run_command("mnist", EPOCHS, BATCH_SIZES["mnist"], MOCK_EXAMPLES, after_epoch=1),
        cwd=folder,
        env=environment(folder),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    ports = free_ports(2)
    commands = [
        train_and_dump_command(
            folder / f"worker{index}",
            BATCH_SIZES | OWN_STEP,
            ["--epochs", str(EPOCHS), "--resume"],
            MOCK_EXAMPLES,
        )
        for index in range(2)
    ]
    environments = [environment(folder, TF_CONFIG=tf_config(ports, index)) for index in range(2)]
    return folder, run_together(commands, folder, environments)


@pytest.fixture(scope="module")
def one_worker():
    """Weights of the one-device reference run, at the start and the end."""
    weights = {}
    for name, batch_size in BATCH_SIZES.items():
        recorder = WeightsAtStartAndEnd()
        with mocked_tfds(MOCK_EXAMPLES):
            solve(
                get_task(name),
                epochs=EPOCHS,
                batch_size=batch_size,
                seed=0,
                verbose=0,
                more_callbacks=[recorder],
            )
        weights[name] = recorder
    return weights


@pytest.mark.slow
def test_both_workers_exit_0_and_only_the_chief_reports(cluster):
    folder, results = cluster
    (chief_code, chief_out, chief_err), (code, out, err) = results
    assert chief_code == 0, chief_err[-3000:]
    assert code == 0, err[-3000:]
    for name in BATCH_SIZES | OWN_STEP:
        assert f"exported: saved_models/{name}/1" in chief_out
        assert f"{name}: worker 1 of 2 trained; the chief exports and grades." in out
    assert "exported:" not in out
    # mnist went on from the killed run's backup (had a worker not, the two
    # would have found different epochs to start at, and stopped with code 2).
    (run,) = (folder / "runs" / "mnist").iterdir()
    assert f"Resuming from runs/mnist/{run.name}/backup/epoch-0001, after epoch 1." in chief_out
    assert chief_out.count("Resuming from") == 1
    # The other worker's checkpoints and logs went to a folder it removed.
    assert [p for p in (folder / "tmp").iterdir() if p.name.startswith("zoo-")] == []


@pytest.mark.slow
def test_exactly_one_export_per_task_made_by_two_workers(cluster):
    folder, _ = cluster
    for name in BATCH_SIZES | OWN_STEP:
        assert list_versions(folder / "saved_models" / name) == [1]
        assert [p.name for p in (folder / "saved_models" / name).iterdir()] == ["1"]
        card = read_card(folder / "saved_models" / name / "1")
        assert card["distribution"] == "MultiWorkerMirroredStrategy: 2 workers, 2 replicas"
        assert card["epochs"] == EPOCHS
        assert len(list((folder / "runs" / name).iterdir())) == 1  # the chief's run


@pytest.mark.slow
@pytest.mark.parametrize("name", list(BATCH_SIZES))
def test_workers_end_equal_and_equal_to_one_worker(cluster, one_worker, name):
    folder, results = cluster
    assert [code for code, _, _ in results] == [0, 0]
    first = load_weights(folder / f"worker0-{name}.npz")
    second = load_weights(folder / f"worker1-{name}.npz")
    reference = one_worker[name]
    assert largest_difference(reference.start, reference.end) >= MIN_UPDATE
    assert largest_difference(first, second) <= BETWEEN_WORKERS
    assert largest_difference(first, reference.end) <= AGAINST_ONE_WORKER


@pytest.mark.slow
def test_workers_training_a_model_with_its_own_step_end_equal(cluster):
    folder, _ = cluster
    for name in OWN_STEP:
        first = load_weights(folder / f"worker0-{name}.npz")
        assert (
            largest_difference(first, load_weights(folder / f"worker1-{name}.npz"))
            <= BETWEEN_WORKERS
        )
        # The weights they agree on are trained ones: built as `solve` builds them,
        # from the same seed, the model starts elsewhere.
        task = get_task(name)
        keras.utils.set_random_seed(0)
        with mocked_tfds(MOCK_EXAMPLES):
            initial = task.build(task.load()).get_weights()
        # Adam at 2e-4 moves a weight by up to about 2e-4 a step; 10 steps here.
        assert largest_difference(first, initial) >= 1e-4
