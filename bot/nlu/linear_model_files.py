"""Trained scikit-learn logistic regressions in the model archive, as plain arrays: no pickle, no skops.

Rasa's LogisticRegressionClassifier stores its model with skops, whose import alone walks every module of
scikit-learn to list the types it trusts: 8-14 s in every process that loads a model (each Rasa server,
`rasa test`, training). A logistic regression is its parameters (JSON) and four arrays: coefficients,
intercepts, classes and the number of features; numpy's .npz format holds the arrays and is read with
`allow_pickle=False`, so loading a model archive runs no code from it.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Optional

import numpy as np
from sklearn.linear_model import LogisticRegression

_FITTED = ("coef_", "intercept_", "classes_", "n_iter_")


def save(model: Optional[LogisticRegression], path: Path) -> None:
    """Writes `model` (fitted, or None for nothing trained) to `path` (.npz) and its parameters beside it (.json)."""
    if model is None:
        np.savez(path, fitted=np.array(False))
        return
    classes = np.asarray(model.classes_)
    np.savez(
        path,
        fitted=np.array(True),
        coef_=model.coef_,
        intercept_=model.intercept_,
        classes_=classes.astype(str) if classes.dtype == object else classes,
        n_iter_=model.n_iter_,
        n_features_in_=np.array(model.n_features_in_),
    )
    path.with_suffix(".json").write_text(json.dumps(_parameters(model), sort_keys=True))


def load(path: Path) -> Optional[LogisticRegression]:
    """The model `save` wrote to `path`, ready to predict; None when it stored nothing trained."""
    with np.load(path, allow_pickle=False) as arrays:
        if not bool(arrays["fitted"]):
            return None
        model = LogisticRegression(**json.loads(path.with_suffix(".json").read_text()))
        for name in _FITTED:
            setattr(model, name, arrays[name])
        model.n_features_in_ = int(arrays["n_features_in_"])
    return model


def _parameters(model: LogisticRegression) -> Dict[str, Any]:
    parameters = model.get_params()
    for name, value in parameters.items():
        if isinstance(value, np.generic):
            parameters[name] = value.item()
        elif not (value is None or isinstance(value, (bool, int, float, str, dict))):
            raise TypeError(f"the logistic regression's parameter {name}={value!r} cannot be stored as JSON")
    return parameters
