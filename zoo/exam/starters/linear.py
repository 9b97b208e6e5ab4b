# ==========================================================================
# MOCK EXAM, QUESTION 1 OF 5 (category 1: a basic model)
#
# The exam had five questions, one per category, from 1 (easiest) to 5
# (hardest), and five hours for all of them. A question's weight grows with
# its category: a category-5 question counts five times this one.
#
# As in the exam:
# - no Lambda layers: the grader cannot load them from mymodel.h5;
# - keep the input shape and the last layer exactly as given.
# Running this file trains your model and saves mymodel.h5 beside it. The
# grader loads that file and scores it 0-5 on inputs it has never seen:
#     zoo grade linear mymodel.h5          (in a session: zoo exam submit DIR)
# ==========================================================================
#
# QUESTION
#
# Train a neural network that maps each x below to its y, so that it gives
# the right float for new values of x too: model.predict(np.array([[10.0]]))
# should be very close to the rule's answer.
#
# How you are graded: the mean squared error on x it never saw, from -5 to
# 10, i.e. the training range -1...6 plus a margin of 4 on each side. 5/5 for
# an MSE of 1e-4 or less; one mark less per factor of 10 above that.
#
# The model takes one number per example: its input shape is (1,).

import os

import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))

# The training data. The grader tests other values of x with the same rule.
XS = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0], dtype=float)
YS = np.array([-3.0, -1.0, 1.0, 3.0, 5.0, 7.0, 9.0, 11.0], dtype=float)


def solution_model():
    xs, ys = XS, YS

    model = tf.keras.Sequential(
        [
            # Keras 3: the input shape is given by tf.keras.Input, not by an
            # input_shape= argument on the first layer.
            tf.keras.Input(shape=(1,)),
            # TODO: add layers here if you want any.
            tf.keras.layers.Dense(1),  # DO NOT CHANGE: the output the grader expects
        ]
    )
    # TODO: compile the model, then fit it on xs and ys.
    return model
