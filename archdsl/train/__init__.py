"""Training, evaluation and prediction: Keras's own fit/evaluate/predict on a built spec.

archdsl adds what fit does not: reading a folder of images into tf.data with clear errors,
a run folder whose every file is written atomically, a resume that loses nothing, batch-norm
statistics that validate honestly on short runs, and the plots. Everything here except
``folders`` imports TensorFlow, so only the train, evaluate and predict commands import it.
"""
