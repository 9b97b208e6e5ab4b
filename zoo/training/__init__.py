"""Training the reference solutions: Keras's `fit` where it is correct, one small loop where it
is not (several workers), backups that resume killed runs, transfer learning on pretrained
backbones, and the command-line run that trains, exports and grades.

Modules: `reference` (train a task, export, grade), `script` (the command-line run), `fit` (the
one way to train), `multi_worker` (the loop for several workers), `batches`, `divergence` (the
NaN stop), `cluster` (workers from `TF_CONFIG`), `backup`, `transfer`, `pretrained`, `progress`,
`errors`.
"""
