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
# # 1. Gradient descent: measuring the Hubble constant from scratch
#
# Almost every model in machine learning is fitted the same way: write down a *cost* that
# says how wrong the model is, then walk downhill on that cost, one small step at a time.
# This tutorial does that by hand, in plain numpy, for the simplest model there is -- a
# straight line -- on one of the oldest straight lines in astronomy: the **Hubble law**,
#
# $$ v = H_0 \, d , $$
#
# recession velocity $v$ (km/s) proportional to distance $d$ (Mpc).
#
# What you will see:
#
# 1. the *hypothesis* $h_\theta(x) = \theta_0 + \theta_1 x$, the *cost*
#    $J(\theta) = \frac{1}{2m} \sum_i (h_\theta(x_i) - y_i)^2$ and its *gradient*;
# 2. gradient descent with three learning rates: too small (crawls), good (converges),
#    too large (diverges -- detected and reported);
# 3. why **feature scaling** matters: on raw distances in Mpc the same algorithm needs
#    millions of steps;
# 4. the answer checked against the closed-form least-squares solution
#    (`numpy.linalg.lstsq`).
#
# Run it as a script (`python 01_gradient_descent.py`; figures are written as PNG files in
# the current folder) or convert it to a notebook with `jupytext --to notebook`.
# Set `ASTROLEARN_TUTORIAL_FAST=1` for a quick run with fewer galaxies.

# %%
import os

import numpy as np
from matplotlib.figure import Figure

FAST = os.environ.get("ASTROLEARN_TUTORIAL_FAST", "0") not in ("", "0")
rng = np.random.default_rng(42)

# %% [markdown]
# ## Simulated data: a Hubble diagram
#
# We simulate galaxies the way a modern distance-ladder survey sees them:
#
# * true Hubble constant **H0 = 70 km/s/Mpc**: a round value between the two measurements
#   in tension today, 67.4 +- 0.5 km/s/Mpc from the cosmic microwave background (Planck
#   Collaboration 2020, A&A 641, A6) and 73.0 +- 1.0 km/s/Mpc from Cepheids and type Ia
#   supernovae (Riess et al. 2022, ApJL 934, L7);
# * distances from 10 to 400 Mpc, uniform in volume (more galaxies far away, as in any
#   flux-limited survey);
# * **peculiar velocities** of 300 km/s (1 sigma): galaxies also move through space, on
#   top of the expansion; line-of-sight velocity dispersions of field galaxies are a few
#   hundred km/s (e.g. Davis & Peebles 1983, ApJ 267, 465);
# * a **5 % distance error** (a typical type Ia supernova distance uncertainty, e.g.
#   Riess et al. 2022), which we put into the velocity (as $H_0\,\delta d$) so that $x$
#   stays exact. (Noise in $x$ itself would bias a least-squares slope low --
#   "regression dilution" -- a story for another day.)
#
# The model is a line with an intercept $\theta_0$ even though the physical law goes
# through the origin: the fit should find $\theta_0 \approx 0$ by itself.

# %%
H0_TRUE = 70.0        # km/s/Mpc
SIGMA_PEC = 300.0     # km/s, peculiar velocity dispersion
DIST_ERR = 0.05       # fractional distance error
m = 150 if FAST else 600

d_min, d_max = 10.0, 400.0
distance = (d_min**3 + (d_max**3 - d_min**3) * rng.uniform(size=m)) ** (1 / 3)  # Mpc
velocity = (H0_TRUE * distance
            + rng.normal(0.0, SIGMA_PEC, m)
            + H0_TRUE * distance * rng.normal(0.0, DIST_ERR, m))              # km/s
print(f"{m} simulated galaxies, {distance.min():.0f}-{distance.max():.0f} Mpc, "
      f"{velocity.min():.0f}-{velocity.max():.0f} km/s")

# %% [markdown]
# ## Hypothesis, cost and gradient
#
# With $m$ galaxies, inputs $x_i$ (distance) and targets $y_i$ (velocity):
#
# $$ h_\theta(x) = \theta_0 + \theta_1 x, \qquad
#    J(\theta) = \frac{1}{2m}\sum_{i=1}^{m} \big(h_\theta(x_i) - y_i\big)^2 $$
#
# The gradient -- the direction in which $J$ rises fastest -- is
#
# $$ \frac{\partial J}{\partial \theta_0} = \frac{1}{m}\sum_i (h_\theta(x_i) - y_i), \qquad
#    \frac{\partial J}{\partial \theta_1} = \frac{1}{m}\sum_i (h_\theta(x_i) - y_i)\,x_i $$
#
# and one step of **gradient descent** with learning rate $\alpha$ is
# $\theta \leftarrow \theta - \alpha \nabla J(\theta)$. We stop after a fixed number of
# iterations, or early when $J$ becomes infinite or grows a million-fold (divergence).


# %%
def cost(theta, x, y):
    """J(theta) = 1/(2m) sum (theta0 + theta1 x - y)^2."""
    residual = theta[0] + theta[1] * x - y
    return 0.5 * np.mean(residual**2)


def gradient(theta, x, y):
    """(dJ/dtheta0, dJ/dtheta1)."""
    residual = theta[0] + theta[1] * x - y
    return np.array([residual.mean(), (residual * x).mean()])


def gradient_descent(x, y, alpha, iterations, theta=(0.0, 0.0)):
    """Run gradient descent; return theta, the cost history and whether it diverged."""
    theta = np.array(theta, dtype=float)
    history = [cost(theta, x, y)]
    for _ in range(iterations):
        theta = theta - alpha * gradient(theta, x, y)
        history.append(cost(theta, x, y))
        if not np.isfinite(history[-1]) or history[-1] > 1e6 * history[0]:
            return theta, np.array(history), True
    return theta, np.array(history), False


# %% [markdown]
# ## Feature scaling first
#
# Distances run to 400 Mpc and velocities to ~30,000 km/s. Gradient descent works best
# when every parameter sees a similar curvature of the cost, so we **standardise**:
# $x' = (x - \bar x)/s_x$ and $y' = (y - \bar y)/s_y$. The fitted line in scaled units
# converts back exactly:
# $\theta_1 = \theta_1' s_y / s_x$ and $\theta_0 = \bar y + s_y\theta_0' - \theta_1 \bar x$.
#
# (We will see below what happens without scaling.)

# %%
x_mean, x_std = distance.mean(), distance.std()
y_mean, y_std = velocity.mean(), velocity.std()
xs = (distance - x_mean) / x_std
ys = (velocity - y_mean) / y_std


def unscale(theta_scaled):
    """The line in km/s and Mpc from the line fitted on standardised x and y."""
    slope = theta_scaled[1] * y_std / x_std
    intercept = y_mean + y_std * theta_scaled[0] - slope * x_mean
    return np.array([intercept, slope])


# %% [markdown]
# ## Three learning rates
#
# On standardised data the cost is a round bowl with curvature 1 in both directions, so
# any $\alpha < 2$ converges in theory; $\alpha = 0.3$ is comfortable, $\alpha = 0.003$
# crawls, and $\alpha = 2.1$ overshoots further on every step: it **diverges**.

# %%
iterations = 300
runs = {}
for label, alpha in [("too small", 0.003), ("good", 0.3), ("too large", 2.1)]:
    theta_s, history, diverged = gradient_descent(xs, ys, alpha, iterations)
    runs[label] = (alpha, history, diverged)
    if diverged:
        print(f"alpha = {alpha:<6} ({label}): DIVERGED after {len(history) - 1} iterations "
              f"(J grew from {history[0]:.3g} to {history[-1]:.3g})")
    else:
        intercept, slope = unscale(theta_s)
        print(f"alpha = {alpha:<6} ({label}): J = {history[-1]:.5f} after {iterations} "
              f"iterations -> H0 = {slope:.2f} km/s/Mpc, intercept {intercept:.0f} km/s")
    if label == "good":
        theta_gd = unscale(theta_s)

fig = Figure(figsize=(6.4, 4.2), layout="constrained")
ax = fig.add_subplot()
for label, (alpha, history, diverged) in runs.items():
    ax.plot(np.arange(len(history)), history,
            label=f"alpha = {alpha} ({label}{', diverged' if diverged else ''})")
ax.set_yscale("log")
ax.set_ylim(1e-2, 1e3)
ax.set_xlabel("iteration")
ax.set_ylabel("cost J (standardised units)")
ax.set_title("Gradient descent on the Hubble diagram")
ax.legend(fontsize="small")
ax.grid(alpha=0.3)
fig.savefig("01_convergence.png", dpi=120)

# %% [markdown]
# ## The closed-form answer
#
# For a linear model the minimum of $J$ can also be written down directly: it is the
# least-squares solution of $X\theta = y$ with the design matrix $X = [1, x]$.
# `numpy.linalg.lstsq` solves it (through a singular value decomposition, which is more
# stable than the textbook normal equations $\theta = (X^TX)^{-1}X^Ty$). Gradient descent
# should agree to the digits we care about.

# %%
design = np.column_stack([np.ones(m), distance])
theta_ls, *_ = np.linalg.lstsq(design, velocity, rcond=None)
print(f"gradient descent : theta0 = {theta_gd[0]:8.2f} km/s, theta1 = {theta_gd[1]:.4f} "
      "km/s/Mpc")
print(f"least squares    : theta0 = {theta_ls[0]:8.2f} km/s, theta1 = {theta_ls[1]:.4f} "
      "km/s/Mpc")
print(f"H0 estimate: {theta_gd[1]:.1f} km/s/Mpc (gradient descent), "
      f"{theta_ls[1]:.1f} km/s/Mpc (least squares); true value {H0_TRUE:.1f}")
# The Hubble time 1/H0 sets the age scale of the Universe (977.8 Gyr / H0 in km/s/Mpc).
print(f"Hubble time 1/H0 = {977.8 / theta_ls[1]:.1f} Gyr")

fig = Figure(figsize=(6.4, 4.2), layout="constrained")
ax = fig.add_subplot()
ax.scatter(distance, velocity, s=8, alpha=0.6, label="simulated galaxies")
grid = np.linspace(0, d_max, 2)
ax.plot(grid, theta_gd[0] + theta_gd[1] * grid, color="C3",
        label=f"gradient descent: H0 = {theta_gd[1]:.1f}")
ax.plot(grid, H0_TRUE * grid, color="k", ls=":", label=f"true: H0 = {H0_TRUE:.0f}")
ax.set_xlabel("distance d [Mpc]")
ax.set_ylabel("recession velocity v [km/s]")
ax.legend(fontsize="small")
ax.grid(alpha=0.3)
fig.savefig("01_hubble_fit.png", dpi=120)

# %% [markdown]
# ## Why feature scaling matters
#
# Now the same algorithm on the raw numbers. The curvature of $J$ along $\theta_1$ is
# $\overline{x^2} \approx 10^5$ (Mpc²), along $\theta_0$ it is 1. A step size must be
# below $2/\overline{x^2}$ to avoid divergence along $\theta_1$ -- and such a tiny step
# barely moves $\theta_0$. The cost surface is a long, narrow valley: the slope is found
# quickly, the intercept almost never. We take the largest safe step,
# $\alpha = 1/(\overline{x^2} + 1)$, and run many more iterations than above (50 times
# more; 15 times in fast mode).

# %%
alpha_raw = 1.0 / (np.mean(distance**2) + 1.0)
raw_iterations = 15 * iterations if FAST else 50 * iterations
theta_raw, history_raw, diverged_raw = gradient_descent(distance, velocity, alpha_raw,
                                                         raw_iterations)
hessian = np.array([[1.0, distance.mean()], [distance.mean(), np.mean(distance**2)]])
eigen = np.linalg.eigvalsh(hessian)
print(f"raw features: curvatures {eigen[0]:.3g} and {eigen[1]:.3g} "
      f"(condition number {eigen[1] / eigen[0]:.3g}); standardised: 1 and 1")
print(f"raw features, alpha = {alpha_raw:.2e}, {raw_iterations} iterations: "
      f"theta0 = {theta_raw[0]:.1f} km/s (least squares: {theta_ls[0]:.1f}), "
      f"theta1 = {theta_raw[1]:.3f} km/s/Mpc")
print(f"raw features: {raw_iterations} iterations leave J = {history_raw[-1]:.6g} "
      f"against the minimum {cost(theta_ls, distance, velocity):.6g}")

# The valley, drawn for both parametrisations with the path taken.
fig = Figure(figsize=(10, 4.2), layout="constrained")
for k, (title, x, y, alpha, n_iter) in enumerate([
        ("raw: x in Mpc, y in km/s", distance, velocity, alpha_raw, raw_iterations),
        ("standardised x and y", xs, ys, 0.3, 30)]):
    ax = fig.add_subplot(1, 2, k + 1)
    path = [np.zeros(2)]
    for _ in range(n_iter):
        path.append(path[-1] - alpha * gradient(path[-1], x, y))
    path = np.array(path)
    best = np.linalg.lstsq(np.column_stack([np.ones(len(x)), x]), y, rcond=None)[0]
    span0 = max(abs(best[0]), 1.0) * 1.5
    t0 = np.linspace(best[0] - span0, best[0] + span0, 120)
    t1 = np.linspace(-0.2 * abs(best[1]), 1.4 * abs(best[1]), 120)
    T0, T1 = np.meshgrid(t0, t1)
    residual = T0[..., None] + T1[..., None] * x - y
    J = 0.5 * np.mean(residual**2, axis=-1)
    ax.contour(T0, T1, np.log10(J), levels=25, cmap="viridis", linewidths=0.8)
    ax.plot(path[:, 0], path[:, 1], ".-", color="C3", ms=3, lw=1,
            label=f"{n_iter} steps, alpha = {alpha:.2g}")
    ax.plot(*best, "k*", ms=10, label="least squares")
    ax.set_xlabel("theta0")
    ax.set_ylabel("theta1")
    ax.set_title(title)
    ax.legend(fontsize="small", loc="lower right")
fig.savefig("01_feature_scaling.png", dpi=120)

# %% [markdown]
# ## What to take away
#
# * Gradient descent needs only the gradient of the cost: the same loop trains neural
#   networks with millions of parameters (tutorial 2).
# * The learning rate is the first thing to tune: too small wastes time, too large
#   diverges -- watch $J$ against iteration, always.
# * Standardise features. Badly scaled inputs make a long narrow valley that first-order
#   methods cross very slowly (and adaptive optimisers such as Adam only partly fix it).
# * When a closed form exists (linear least squares), use it -- and use it to check your
#   iterative code.
#
# Figures written: `01_convergence.png`, `01_hubble_fit.png`, `01_feature_scaling.png`.
