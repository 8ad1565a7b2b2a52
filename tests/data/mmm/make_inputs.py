"""Write the test inputs of `campaign curves import` in the layouts the MMMs write (run once; the outputs are kept).

Nothing here is a fitted model: the parameters are chosen by hand so that a test can recompute each imported curve.

- `robyn/pareto_hyperparameters.csv` and `robyn/pareto_aggregated.csv`: two Pareto solutions in the layout of Robyn's
  `robyn_outputs(export = TRUE)` (solID, <var>_alphas/_gammas/_thetas, lambda, fit statistics; solID, rn, coef, ...)
  for the paid media of `robyn_dt_simulated_weekly.csv` (tv_S, ooh_S, print_S, facebook_S, search_S).
- `pymc_marketing_curves.csv`: the long table `channel, spend, response, lower, upper` of weekly logistic-saturation
  curves for x1 and x2 of `pymc_marketing_mmm_example.csv` (spend read in thousands, written in currency units),
  as the mean and the 5 % and 95 % quantiles of 400 sampled (lam, beta) pairs, the way PyMC-Marketing's posterior
  curves are summarised.
- `meridian_response_curves.csv`: Meridian's response-curve table flattened to the same columns (spend and
  incremental outcome over a 104-week analysis period; ci_lo, ci_hi as lower, upper), for Facebook and Instagram.
"""

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
MEDIA = ("tv_S", "ooh_S", "print_S", "facebook_S", "search_S")
SOLUTIONS = {
    "1_12_3": {
        "tv_S": (2.1, 0.7, 0.5, 310000.0),
        "ooh_S": (1.5, 0.4, 0.3, 95000.0),
        "print_S": (0.9, 0.8, 0.2, 40000.0),
        "facebook_S": (0.85, 0.55, 0.15, 185000.0),
        "search_S": (1.1, 0.5, 0.05, 240000.0),
    },
    "2_7_5": {
        "tv_S": (1.8, 0.6, 0.6, 280000.0),
        "ooh_S": (1.2, 0.5, 0.2, 70000.0),
        "print_S": (1.0, 0.7, 0.1, 35000.0),
        "facebook_S": (2.2, 0.35, 0.05, 120000.0),
        "search_S": (0.95, 0.45, 0.1, 260000.0),
    },
}
OTHERS = {"(Intercept)": 1.2e6, "trend": 0.6, "season": 1.0, "holiday": 1.0, "competitor_sales_B": 0.05}


def robyn() -> None:
    folder = HERE / "robyn"
    folder.mkdir(exist_ok=True)
    params = [f"{m}_{p}" for m in MEDIA for p in ("alphas", "gammas", "thetas")]
    with open(folder / "pareto_hyperparameters.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            ["solID", *params, "lambda", "nrmse", "decomp.rssd", "rsq_train", "trial", "iterations", "robynPareto"]
        )
        for k, (sol, media) in enumerate(SOLUTIONS.items()):
            values = [v for m in MEDIA for v in media[m][:3]]
            w.writerow([sol, *values, 1234.5 + k, 0.071 + k / 100, 0.042 + k / 100, 0.91 - k / 100, k + 1, 500, k + 1])
    with open(folder / "pareto_aggregated.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["solID", "rn", "coef", "xDecompAgg", "xDecompPerc", "pos", "nrmse", "decomp.rssd", "robynPareto"])
        for k, (sol, media) in enumerate(SOLUTIONS.items()):
            for rn, coef in OTHERS.items():
                w.writerow([sol, rn, coef, coef * 100, 0.1, True, 0.071 + k / 100, 0.042 + k / 100, k + 1])
            for m in MEDIA:
                coef = media[m][3]
                w.writerow([sol, m, coef, coef * 60, 0.02, True, 0.071 + k / 100, 0.042 + k / 100, k + 1])


def logistic(x: np.ndarray, lam: np.ndarray) -> np.ndarray:
    return (1 - np.exp(-lam * x)) / (1 + np.exp(-lam * x))


def pymc() -> None:
    data = np.genfromtxt(HERE / "pymc_marketing_mmm_example.csv", delimiter=",", names=True)
    rng = np.random.default_rng(20270104)
    rows = []
    for channel, lam0, beta0 in (("x1", 4.0, 1500.0), ("x2", 3.0, 1000.0)):
        top = float(data[channel].max()) * 1000.0
        spend = np.linspace(0.0, 1.5 * top, 13)
        lam = rng.lognormal(np.log(lam0), 0.15, 400)[:, None]
        beta = rng.lognormal(np.log(beta0), 0.1, 400)[:, None]
        curves = beta * logistic(spend[None, :] / top, lam)
        mean, low, high = curves.mean(0), np.quantile(curves, 0.05, 0), np.quantile(curves, 0.95, 0)
        rows += [
            [channel, round(s, 2), round(m, 4), round(lo, 4), round(hi, 4)]
            for s, m, lo, hi in zip(spend, mean, low, high, strict=False)
        ]
    with open(HERE / "pymc_marketing_curves.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["channel", "spend", "response", "lower", "upper"])
        w.writerows(rows)


def meridian() -> None:
    rows = []
    for channel, total, k, top in (("Facebook", 208000.0, 2600.0, 1.9e6), ("Instagram", 156000.0, 1800.0, 1.3e6)):
        for multiplier in np.arange(0.0, 2.01, 0.25):
            spend = multiplier * total
            mean = top * spend / (spend + 104 * k)
            rows.append([channel, round(spend, 2), round(mean, 2), round(0.85 * mean, 2), round(1.15 * mean, 2)])
    with open(HERE / "meridian_response_curves.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["channel", "spend", "response", "lower", "upper"])
        w.writerows(rows)


if __name__ == "__main__":
    robyn()
    pymc()
    meridian()
