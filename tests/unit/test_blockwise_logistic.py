"""The intent classifier's logistic regression, fitted with the embeddings as a dense block, is scikit-learn's."""
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from bot.nlu import blockwise_logistic


def data(n=240, classes=4, seed=0):
    rng = np.random.default_rng(seed)
    labels = [f"intent_{i % classes}" for i in range(n)]
    centre = {label: rng.normal(0, 1, 16) for label in set(labels)}
    dense = np.vstack([centre[label] + rng.normal(0, 1.5, 16) for label in labels])
    counts = sp.random(n, 300, density=0.03, format="csr", random_state=seed) * 3
    return counts, dense, labels


def model(max_iter):
    return LogisticRegression(solver="lbfgs", max_iter=max_iter, class_weight="balanced", tol=1e-4, random_state=42,
                              multi_class="auto")


@pytest.mark.parametrize("max_iter", [15, 1000])  # stopped early, as the branch trains it; and converged
def test_the_same_model_as_scikit_learn_fits_on_the_whole_matrix(max_iter):
    counts, dense, labels = data()
    ours = blockwise_logistic.fit(model(max_iter), counts, dense, labels)
    whole = sp.hstack([counts, sp.csr_matrix(dense)]).tocsr()
    theirs = model(max_iter).fit(whole, labels)
    assert list(ours.classes_) == list(theirs.classes_) and ours.n_iter_[0] == theirs.n_iter_[0]
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(ours.predict_proba(whole), theirs.predict_proba(whole), atol=1e-7)


def test_two_classes_or_another_solver_are_left_to_scikit_learn():
    assert blockwise_logistic.applies_to(model(10), ["a", "b", "c"])
    assert not blockwise_logistic.applies_to(model(10), ["a", "b", "a"])  # binomial loss
    assert not blockwise_logistic.applies_to(LogisticRegression(solver="saga", class_weight="balanced"), ["a", "b", "c"])
    assert not blockwise_logistic.applies_to(LogisticRegression(), ["a", "b", "c"])  # unweighted classes
