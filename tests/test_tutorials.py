"""The tutorials in docs/tutorials run end to end (fast mode, simulated data, offline)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

TUTORIALS = Path(__file__).resolve().parents[1] / "docs" / "tutorials"

#: Script and a line (prefix) it must print.
CASES = [
    ("01_gradient_descent.py", "H0 estimate: "),
    ("02_perceptron_and_layers.py", "PyTorch network test accuracy: "),
    ("03_clustering_and_embeddings.py", "against 'class' (1,500 rows with a known label): "
                                        "adjusted Rand"),
    ("04_bias_variance_and_leaks.py", "check_leaks flags as target leaks: ['redshift']"),
    ("05_train_vs_inference_coverage.py", "fraction of inference rows outside coverage: "),
    ("06_transient_light_curves.py", "trained on the nearest third: accuracy "),
]


@pytest.mark.parametrize(("script", "expected"), CASES, ids=[c[0][:2] for c in CASES])
def test_tutorial_runs(script, expected, tmp_path):
    env = {**os.environ, "ASTROLEARN_TUTORIAL_FAST": "1",
           "ASTROLEARN_DATA": str(tmp_path / "no-data-here"), "MPLBACKEND": "Agg"}
    result = subprocess.run([sys.executable, str(TUTORIALS / script)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "simulated" in result.stdout or script.startswith("01"), result.stdout[:2000]
    assert expected in result.stdout, result.stdout[-4000:]
    assert any(tmp_path.glob("*.png")), "no figure written"
