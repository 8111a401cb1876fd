"""bot/nlu_components.py: Rasa's logistic regression intent classifier with column-major
coefficients gives the same probabilities, also after being stored and loaded."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier

from bot.nlu_components import LogisticRegressionIntentClassifier

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def fitted(tmp_path, cls):
    tmp_path.mkdir()
    storage = LocalModelStorage(tmp_path)
    resource = Resource("lr")
    context = ExecutionContext(GraphSchema({}), node_name="lr")
    config = {**cls.get_default_config(), "random_state": 7}
    component = cls.create(config, storage, resource, context)
    X = sp.random(120, 900, density=0.02, format="csr", random_state=7)
    y = [f"intent_{i % 6}" for i in range(120)]
    component.clf.fit(X, y)
    component.persist()
    return component, storage, resource, context, X


def test_the_coefficients_are_column_major_and_the_probabilities_the_same(tmp_path):
    rasa, *_ = fitted(tmp_path / "rasa", LogisticRegressionClassifier)
    ours, storage, resource, context, X = fitted(tmp_path / "ours", LogisticRegressionIntentClassifier)
    ours.clf.coef_ = np.ascontiguousarray(ours.clf.coef_)  # as the real model comes out of training
    ours._column_major()
    assert ours.clf.coef_.flags["F_CONTIGUOUS"]
    assert np.array_equal(ours.clf.predict_proba(X), rasa.clf.predict_proba(X))
    loaded = LogisticRegressionIntentClassifier.load(ours.get_default_config(), storage, resource, context)
    assert isinstance(loaded, LogisticRegressionIntentClassifier)
    assert loaded.clf.coef_.flags["F_CONTIGUOUS"]
    assert np.array_equal(loaded.clf.predict_proba(X[:5]), rasa.clf.predict_proba(X[:5]))
