"""Rasa NLU components of SIP-guiden: Rasa's own, subclassed where they cost more than they need.

``LogisticRegressionIntentClassifier`` is Rasa's ``LogisticRegressionClassifier`` (the same
training, the same model file, the same probabilities) with the model's coefficient matrix kept
in column-major order. scikit-learn computes a message's scores as ``X @ coef_.T``, with ``X`` one
sparse row of the ~16 000 word and character n-gram features; with ``coef_`` row-major its
transpose is not contiguous and SciPy copies the whole matrix (intents × features, ~8 MB) for
every message: ~5–10 ms of the Rasa server's CPU per message, more when a message is parsed
sentence by sentence. Column-major, the transpose is contiguous and the product reads only the
rows of the features the message has (~0.2 ms). tests/unit/test_nlu_components.py checks that the
probabilities are the same.

Used in config.yml as ``name: bot.nlu_components.LogisticRegressionIntentClassifier``.
"""

from __future__ import annotations

from typing import Any, Dict, Text

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.training_data.training_data import TrainingData


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LogisticRegressionIntentClassifier(LogisticRegressionClassifier):
    """Rasa's logistic regression intent classifier, with its coefficients column-major."""

    def _column_major(self) -> None:
        coef = getattr(self.clf, "coef_", None)
        if isinstance(coef, np.ndarray) and not coef.flags["F_CONTIGUOUS"]:
            self.clf.coef_ = np.asfortranarray(coef)

    def train(self, training_data: TrainingData) -> Resource:
        resource = super().train(training_data)
        self._column_major()
        return resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "LogisticRegressionIntentClassifier":
        component = super().load(config, model_storage, resource, execution_context, **kwargs)
        component._column_major()
        return component
