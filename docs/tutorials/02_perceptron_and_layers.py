# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 2. From the perceptron to a neural network layer, by hand and in PyTorch
#
# A neural network is a stack of very simple units. This tutorial builds one up:
#
# 1. **the perceptron** (Rosenblatt 1958): one unit, a weighted sum and a threshold, and a
#    learning rule that nudges the weights after every mistake -- on a linearly separable
#    two-colour toy;
# 2. **a fully connected layer** in numpy: forward pass, sigmoid and softmax, the
#    cross-entropy cost, and backpropagation written out by hand (and checked against
#    finite differences) -- on star / galaxy / quasar colours;
# 3. **the same network in PyTorch**: `torch.nn.Sequential` trained with astrolearn's
#    training loop `astrolearn.nn.training.fit_module`; the two accuracies should be close.
#
# Data: the SDSS DR17 sample when it is present (`$ASTROLEARN_DATA` or `../shared/data`
# next to the repository: `sdss/sdss_dr17_100k.parquet`), otherwise a simulated catalog
# (`astrolearn.datasets.simulate_catalog`), so the tutorial runs offline.
# `ASTROLEARN_TUTORIAL_FAST=1` makes it quick.

# %%
import os

import numpy as np
import torch
from matplotlib.figure import Figure
from sklearn.model_selection import train_test_split
from torch.nn import functional as F

from astrolearn.catalogs import PhotometryFeatures
from astrolearn.datasets import example_catalog
from astrolearn.nn.device import seed_everything
from astrolearn.nn.training import fit_module

FAST = os.environ.get("ASTROLEARN_TUTORIAL_FAST", "0") not in ("", "0")
rng = seed_everything(0)  # Python, numpy and torch seeded; a numpy Generator for our draws


# %% [markdown]
# ## Part 1 -- the perceptron
#
# A perceptron computes $\hat y = \mathrm{sign}(w \cdot x + b)$. Its learning rule is: for
# each example it gets wrong ($y\,(w\cdot x + b) \le 0$, with labels $y = \pm 1$), move
# the weights towards it: $w \leftarrow w + \eta\, y\, x$, $b \leftarrow b + \eta\, y$.
# If the two classes can be separated by a straight line, this provably stops after a
# finite number of mistakes (Novikoff 1962); if not, it never stops.
#
# The toy: two populations in a colour-colour plane, "stars" on a narrow locus and
# "galaxies" redder in one colour at a given other colour, with a gap between them **by
# construction** (real stars and galaxies overlap; we see that at the end of part 1).

# %%
n_toy = 200
gr_star = rng.uniform(0.2, 1.4, n_toy)
star = np.column_stack([gr_star, 0.42 * gr_star - 0.08 + rng.normal(0, 0.04, n_toy)])
gr_gal = rng.uniform(0.3, 1.6, n_toy)
galaxy = np.column_stack([gr_gal, 0.42 * gr_gal + 0.16 + rng.normal(0, 0.05, n_toy)])
X_toy = np.vstack([star, galaxy])
y_toy = np.r_[-np.ones(n_toy), np.ones(n_toy)]           # -1 = star, +1 = galaxy
# Keep the construction honest: drop the few points inside the gap.
margin = X_toy[:, 1] - (0.42 * X_toy[:, 0] + 0.04)
keep = np.abs(margin) > 0.03
X_toy, y_toy = X_toy[keep], y_toy[keep]


def perceptron(X, y, eta=0.1, max_epochs=100, seed=0):
    """Rosenblatt's rule; returns weights, bias, epochs run and mistakes per epoch."""
    order_rng = np.random.default_rng(seed)
    w, b = np.zeros(X.shape[1]), 0.0
    mistakes = []
    for _ in range(max_epochs):
        errors = 0
        for i in order_rng.permutation(len(X)):
            if y[i] * (X[i] @ w + b) <= 0:
                w += eta * y[i] * X[i]
                b += eta * y[i]
                errors += 1
        mistakes.append(errors)
        if errors == 0:
            break
    return w, b, len(mistakes), mistakes


w, b, epochs, mistakes = perceptron(X_toy, y_toy)
accuracy_toy = np.mean(np.sign(X_toy @ w + b) == y_toy)
print(f"perceptron on the separable toy: {epochs} epochs, {sum(mistakes)} updates, "
      f"training accuracy {accuracy_toy:.3f}")

fig = Figure(figsize=(5.6, 4.4), layout="constrained")
ax = fig.add_subplot()
for label, colour, name in [(-1, "C0", "star-like"), (1, "C3", "galaxy-like")]:
    ax.scatter(*X_toy[y_toy == label].T, s=8, color=colour, label=name)
grid = np.linspace(X_toy[:, 0].min(), X_toy[:, 0].max(), 2)
ax.plot(grid, -(w[0] * grid + b) / w[1], "k-", label="perceptron boundary")
ax.set_xlabel("colour 1 (g - r)")
ax.set_ylabel("colour 2 (r - i)")
ax.set_title(f"perceptron: converged after {epochs} epochs")
ax.legend(fontsize="small")
fig.savefig("02_perceptron.png", dpi=120)

# %% [markdown]
# Now the real thing: stars and galaxies in two colours of a survey catalog are *not*
# linearly separable, so the number of mistakes per epoch never reaches zero and the
# weights keep jumping around. The fix is to replace the hard threshold by a smooth
# function (the sigmoid) and to minimise a cost by gradient descent (tutorial 1) instead
# of counting mistakes: that is part 2.

# %%
n_rows = 3000 if FAST else 20000
catalog, source = example_catalog(n_rows, seed=0)
print(f"data: {source}, {len(catalog):,} rows")
features = PhotometryFeatures(["u", "g", "r", "i", "z"], errors=None, colours="adjacent",
                              impute=True)
table = features.fit(catalog).transform(catalog)
two = catalog["class"].isin(["STAR", "GALAXY"]).to_numpy()
X_two = table.loc[two, ["g-r", "r-i"]].to_numpy()
X_two = (X_two - X_two.mean(axis=0)) / X_two.std(axis=0)
y_two = np.where(catalog.loc[two, "class"] == "GALAXY", 1.0, -1.0)
w2, b2, epochs2, mistakes2 = perceptron(X_two, y_two, max_epochs=30)
print(f"perceptron on catalog STAR vs GALAXY (g-r, r-i): still {mistakes2[-1]} mistakes "
      f"in epoch {epochs2} of {len(y_two):,} rows (not separable), "
      f"final accuracy {np.mean(np.sign(X_two @ w2 + b2) == y_two):.3f}")

# %% [markdown]
# ## Part 2 -- a fully connected network in numpy
#
# Inputs: the four adjacent colours $u-g$, $g-r$, $r-i$, $i-z$ and the $r$ magnitude,
# built by `astrolearn.catalogs.PhotometryFeatures` (it turns the catalog's non-detection
# and missing-value sentinels into explicit values first -- never feed 99 or -99 to a
# network), then standardised with the *training* mean and standard deviation.
#
# The network, for one row $x$ (a column vector of 5 numbers):
#
# * hidden layer: $a = \sigma(W_1 x + b_1)$, 16 units, sigmoid $\sigma(t) = 1/(1+e^{-t})$;
# * output layer: scores $s = W_2 a + b_2$ (3 numbers), turned into class probabilities
#   by the softmax $p_k = e^{s_k} / \sum_j e^{s_j}$;
# * cost: the mean **cross-entropy** $J = -\frac{1}{m}\sum_i \log p_{i,y_i}$, the
#   negative log-likelihood of the true classes.
#
# **Backpropagation** is the chain rule applied layer by layer, from the cost back to
# the inputs. For softmax with cross-entropy the error at the output is simply
# $\delta_2 = p - \mathrm{onehot}(y)$; then
# $\partial J/\partial W_2 = \delta_2 a^T$, $\partial J/\partial b_2 = \delta_2$,
# the error sent back is $\delta_1 = (W_2^T \delta_2) \odot a (1 - a)$ (the sigmoid's
# derivative is $a(1-a)$), and $\partial J/\partial W_1 = \delta_1 x^T$,
# $\partial J/\partial b_1 = \delta_1$ -- all averaged over the rows of a mini-batch.
# Below the rows are stored as the rows of a matrix, so the products are transposed.

# %%
columns = ["u-g", "g-r", "r-i", "i-z", "r"]
classes = np.array(sorted(catalog["class"].unique()))
labels = np.searchsorted(classes, catalog["class"].to_numpy())
X_all = table[columns].to_numpy()
X_train, X_test, y_train, y_test = train_test_split(
    X_all, labels, test_size=0.25, stratify=labels, random_state=0)
mu, sd = X_train.mean(axis=0), X_train.std(axis=0)
X_train, X_test = (X_train - mu) / sd, (X_test - mu) / sd
n_in, n_hidden, n_out = X_train.shape[1], 16, len(classes)
print(f"classes {classes.tolist()}; {len(X_train):,} training and {len(X_test):,} test rows; "
      f"inputs {columns}")


def sigmoid(t):
    return 1.0 / (1.0 + np.exp(-t))


def softmax(scores):
    scores = scores - scores.max(axis=1, keepdims=True)  # no overflow; same result
    e = np.exp(scores)
    return e / e.sum(axis=1, keepdims=True)


def forward(params, X):
    W1, b1, W2, b2 = params
    a = sigmoid(X @ W1 + b1)
    return a, softmax(a @ W2 + b2)


def cross_entropy(p, y):
    return -np.mean(np.log(p[np.arange(len(y)), y] + 1e-12))


def backward(params, X, y):
    """Gradients of the mean cross-entropy with respect to W1, b1, W2, b2."""
    W2 = params[2]
    a, p = forward(params, X)
    delta2 = p.copy()
    delta2[np.arange(len(y)), y] -= 1.0           # p - onehot(y)
    delta2 /= len(y)                              # the mean over the batch
    delta1 = (delta2 @ W2.T) * a * (1.0 - a)      # back through W2 and the sigmoid
    return [X.T @ delta1, delta1.sum(axis=0), a.T @ delta2, delta2.sum(axis=0)]


# Glorot-style initialisation: random, scaled by the number of inputs of each layer.
params = [rng.normal(0, 1 / np.sqrt(n_in), (n_in, n_hidden)), np.zeros(n_hidden),
          rng.normal(0, 1 / np.sqrt(n_hidden), (n_hidden, n_out)), np.zeros(n_out)]
initial = [p.copy() for p in params]

# %% [markdown]
# Before training, **check the gradient**: nudge a few weights by $\pm\epsilon$ and
# compare the change in $J$ with what backpropagation predicts. A relative error around
# $10^{-7}$ or less means the hand-written derivatives are right.

# %%
grads = backward(params, X_train[:200], y_train[:200])
worst, eps = 0.0, 1e-5
for layer, (i, j) in [(0, (0, 0)), (0, (3, 7)), (2, (5, 1)), (2, (15, 2))]:
    plus = [p.copy() for p in params]
    minus = [p.copy() for p in params]
    plus[layer][i, j] += eps
    minus[layer][i, j] -= eps
    numeric = (cross_entropy(forward(plus, X_train[:200])[1], y_train[:200])
               - cross_entropy(forward(minus, X_train[:200])[1], y_train[:200])) / (2 * eps)
    worst = max(worst, abs(numeric - grads[layer][i, j]) / max(abs(numeric), 1e-12))
print(f"gradient check: largest relative difference backprop vs finite differences "
      f"{worst:.1e}")

# %% [markdown]
# Training: mini-batch gradient descent, 64 rows per step, learning rate 1, and the
# rows reshuffled every epoch.

# %%
epochs_np = 150
learning_rate, batch = 1.0, 64
curve_np = []
for _ in range(epochs_np):
    order = rng.permutation(len(X_train))
    for start in range(0, len(order), batch):
        rows = order[start:start + batch]
        for p, g in zip(params, backward(params, X_train[rows], y_train[rows]), strict=True):
            p -= learning_rate * g
    curve_np.append(cross_entropy(forward(params, X_train)[1], y_train))
accuracy_np = np.mean(forward(params, X_test)[1].argmax(axis=1) == y_test)
print(f"numpy network: training cross-entropy {curve_np[0]:.3f} -> {curve_np[-1]:.3f} "
      f"in {epochs_np} epochs")
print(f"numpy network test accuracy: {accuracy_np:.3f}")

# %% [markdown]
# ## Part 3 -- the same network in PyTorch
#
# `torch.nn.Sequential(Linear, Sigmoid, Linear)` is exactly the network above (PyTorch's
# cross-entropy applies the softmax itself, so the last layer returns the raw scores).
# First a check that the two really are the same function: copy the trained numpy
# weights into the PyTorch layers and compare the probabilities.

# %%
def torch_network():
    return torch.nn.Sequential(torch.nn.Linear(n_in, n_hidden), torch.nn.Sigmoid(),
                               torch.nn.Linear(n_hidden, n_out))


def load_weights(net, weights):
    W1, b1, W2, b2 = weights
    with torch.no_grad():  # torch stores (out, in) matrices: the transposes of ours
        net[0].weight.copy_(torch.as_tensor(W1.T, dtype=torch.float32))
        net[0].bias.copy_(torch.as_tensor(b1, dtype=torch.float32))
        net[2].weight.copy_(torch.as_tensor(W2.T, dtype=torch.float32))
        net[2].bias.copy_(torch.as_tensor(b2, dtype=torch.float32))
    return net


copy = load_weights(torch_network(), params)
with torch.no_grad():
    p_torch = torch.softmax(copy(torch.as_tensor(X_test, dtype=torch.float32)), dim=1)
difference = np.abs(p_torch.numpy() - forward(params, X_test)[1]).max()
print(f"same weights in PyTorch: largest probability difference {difference:.1e}")

# %% [markdown]
# Now train it from the same starting weights with `fit_module`, astrolearn's one
# training loop: AdamW (an adaptive variant of gradient descent) on mini-batches of 64,
# 10 % of the training rows held out (stratified by class) to stop early when their loss
# stops improving, and the best epoch's weights restored. The loss function must return
# one loss per row (`reduction="none"`); the loop takes the mean.

# %%
net = load_weights(torch_network(), initial)
history = fit_module(
    net, lambda scores, target: F.cross_entropy(scores, target, reduction="none"),
    X_train.astype(np.float32), y_train.astype(np.int64), epochs=100 if FAST else 200,
    batch_size=batch, learning_rate=1e-2, patience=10, stratify=y_train, random_state=0,
    device="cpu", num_threads=1)
net.eval()
with torch.no_grad():
    predicted = net(torch.as_tensor(X_test, dtype=torch.float32)).argmax(dim=1).numpy()
accuracy_torch = np.mean(predicted == y_test)
print(f"PyTorch: {history.n_epochs} epochs (best {history.best_epoch + 1}, validation loss "
      f"{history.best_loss:.3f}) in {history.wall_time_s:.1f} s")
print(f"PyTorch network test accuracy: {accuracy_torch:.3f}")
gap = abs(accuracy_torch - accuracy_np)
print(f"numpy {accuracy_np:.3f} vs PyTorch {accuracy_torch:.3f}: difference {gap:.3f} "
      + ("(close: the same network, different optimisers)" if gap < 0.03 else
         "(NOT close: check the learning rates and epochs)"))

fig = Figure(figsize=(6.4, 4.0), layout="constrained")
ax = fig.add_subplot()
ax.plot(np.arange(1, epochs_np + 1), curve_np, label="numpy, mini-batch gradient descent")
ax.plot(np.arange(1, history.n_epochs + 1), history.train_loss,
        label="PyTorch fit_module (AdamW), training")
ax.plot(np.arange(1, history.n_epochs + 1), history.val_loss, ls="--",
        label="PyTorch fit_module, validation")
ax.set_xlabel("epoch")
ax.set_ylabel("cross-entropy")
ax.set_title(f"STAR / GALAXY / QSO from colours ({len(X_train):,} training rows)")
ax.legend(fontsize="small")
ax.grid(alpha=0.3)
fig.savefig("02_training_curves.png", dpi=120)

# %% [markdown]
# ## What to take away
#
# * A perceptron is a linear classifier with a mistake-driven rule; it only converges on
#   separable data.
# * A layer is a matrix product plus a non-linearity; a network is layers in a row.
#   Softmax + cross-entropy gives probabilities and a smooth cost.
# * Backpropagation is the chain rule; check hand-written gradients numerically.
# * PyTorch computes the same forward pass and derives the gradients automatically;
#   `fit_module` adds mini-batches, early stopping on held-out rows and reproducible
#   seeding. The two accuracies agree to within a percent or two: the differences come
#   from the optimiser and the stopping rule, not from the network.
#
# Figures written: `02_perceptron.png`, `02_training_curves.png`.
