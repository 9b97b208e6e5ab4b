"""The exam-style grader: the same code for reference and learners' solutions.

Modules: `grade` (score a saved model on the held-out split), `solution` (run a learner's
`.py`, and the record of what made a model), `predictor` (load a SavedModel, `.keras` or
`.h5` behind one `predict`), `conventions` (raw inputs, or the exam starter's
preprocessing), `confidence` (bootstrap intervals), `tokenizer` (the course's), `errors`.
"""
