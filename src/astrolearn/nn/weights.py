"""Network weights on disk: safetensors files with integer shapes as metadata.

Every network of astrolearn (the light-curve GRU, AstroNet, the glitch CNNs) is saved the
same way: its tensors in a safetensors file, which runs no code when read, and the integer
sizes needed to rebuild the module (inputs, classes) in the file's metadata; the
constructor arguments go into the model folder's manifest.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import torch

__all__ = ["read_weights", "write_weights"]


def write_weights(path: str | Path, tensors: Mapping[str, torch.Tensor],
                  shapes: Mapping[str, int]) -> None:
    """Write ``tensors`` (e.g. a ``state_dict``) and integer ``shapes`` to ``path``.

    Tensors are copied, so buffers shared between modules are stored once per name.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "w.safetensors")
    >>> write_weights(path, {"w": torch.ones(2)}, {"n_classes": 2})
    >>> tensors, shapes = read_weights(path)
    >>> shapes, tensors["w"].tolist()
    ({'n_classes': 2}, [1.0, 1.0])
    """
    from safetensors.torch import save_file

    save_file({name: value.detach().contiguous().clone() for name, value in tensors.items()},
              str(path), metadata={k: str(int(v)) for k, v in shapes.items()})


def read_weights(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, int]]:
    """Read a file written by :func:`write_weights`: ``(tensors, shapes)``."""
    from safetensors import safe_open
    from safetensors.torch import load_file

    with safe_open(str(path), framework="pt") as handle:
        shapes = {k: int(v) for k, v in (handle.metadata() or {}).items()}
    return load_file(str(path)), shapes
