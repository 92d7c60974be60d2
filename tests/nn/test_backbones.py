"""Pretrained backbones: torchvision-identical ResNets, weight files, channel adaptation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from safetensors.torch import save_file
from torch import nn

from astrolearn.errors import AstrolearnInputError
from astrolearn.nn.backbones import (
    BACKBONES,
    ResNet,
    adapt_input_conv,
    build_backbone,
    read_state_dict,
    resnet,
)

# Published by torchvision (docs of ResNet*_Weights.IMAGENET1K_V1, "num_params"), fc included.
TORCHVISION_PARAMS = {"resnet18": 11_689_512, "resnet34": 21_797_672, "resnet50": 25_557_032,
                      "resnet101": 44_549_160, "resnet152": 60_192_808}


def pretend_pretrained(name: str, seed: int) -> ResNet:
    """A full 3-channel ResNet whose BatchNorm layers carry non-trivial statistics and affine
    weights, as ImageNet training would leave them (random init has mean 0, var 1, w 1, b 0)."""
    torch.manual_seed(seed)
    model = resnet(name)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.normal_(0.0, 0.2)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.1)
                m.num_batches_tracked.fill_(1000)
    return model.eval()


def feature_map(model: ResNet, x: torch.Tensor) -> torch.Tensor:
    """The reference: a full ResNet's forward pass stopped before avgpool, step by step."""
    with torch.no_grad():
        x = model.maxpool(model.relu(model.bn1(model.conv1(x))))
        return model.layer4(model.layer3(model.layer2(model.layer1(x))))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("weights")
    model18 = pretend_pretrained("resnet18", seed=1)
    state = model18.state_dict()
    torch.save(state, folder / "resnet18.pth")
    save_file({k: v.contiguous() for k, v in state.items()}, str(folder / "resnet18.safetensors"))
    torch.save(resnet("resnet34").state_dict(), folder / "resnet34.pth")
    return folder, model18


def test_resnet18_state_dict_keys_are_torchvision_ones():
    state = resnet("resnet18").state_dict()
    # torchvision's resnet18: 20 BatchNorm layers x 5 entries, 21 conv weights, fc weight+bias
    assert len(state) == 122
    assert len([k for k in state if not k.endswith("num_batches_tracked")]) == 102
    assert list(state)[:6] == ["conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean",
                               "bn1.running_var", "bn1.num_batches_tracked"]
    assert list(state)[-2:] == ["fc.weight", "fc.bias"]
    shapes = {
        "conv1.weight": (64, 3, 7, 7),
        "layer1.0.conv1.weight": (64, 64, 3, 3),
        "layer1.1.bn2.num_batches_tracked": (),
        "layer2.0.conv1.weight": (128, 64, 3, 3),
        "layer2.0.downsample.0.weight": (128, 64, 1, 1),
        "layer2.0.downsample.1.running_var": (128,),
        "layer3.1.conv2.weight": (256, 256, 3, 3),
        "layer4.0.downsample.0.weight": (512, 256, 1, 1),
        "layer4.1.bn2.bias": (512,),
        "fc.weight": (1000, 512),
        "fc.bias": (1000,),
    }
    for key, shape in shapes.items():
        assert tuple(state[key].shape) == shape, key
    assert "layer1.0.downsample.0.weight" not in state  # 64 -> 64, stride 1: no projection
    assert state["bn1.num_batches_tracked"].dtype == torch.long


@pytest.mark.parametrize("name", BACKBONES)
def test_parameter_counts_match_torchvision(name):
    with torch.device("meta"):  # no memory, no initialisation cost
        model = resnet(name)
    assert sum(p.numel() for p in model.parameters()) == TORCHVISION_PARAMS[name]


def test_resnet50_is_v1_5_with_bottlenecks():
    with torch.device("meta"):
        model = resnet("resnet50")
    state = model.state_dict()
    assert tuple(state["layer1.0.downsample.0.weight"].shape) == (256, 64, 1, 1)
    assert tuple(state["layer1.0.conv3.weight"].shape) == (256, 64, 1, 1)
    assert tuple(state["fc.weight"].shape) == (1000, 2048)
    # torchvision's v1.5: the stride sits in the 3x3 conv2, not in the first 1x1 conv
    assert model.layer2[0].conv1.stride == (1, 1)
    assert model.layer2[0].conv2.stride == (2, 2)
    assert model.layer2[0].downsample[0].stride == (2, 2)


def test_feature_extractor_shape_and_head_equivalence(files):
    _, model = files
    backbone, channels = build_backbone("resnet18", in_channels=3)
    assert channels == 512
    assert not any(k.startswith(("fc.", "avgpool")) for k in backbone.state_dict())
    backbone.load_state_dict({k: v for k, v in model.state_dict().items()
                              if not k.startswith("fc.")})
    backbone.eval()
    x = torch.randn(2, 3, 40, 70, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        features = backbone(x)
        logits = model(x)
    assert features.shape == (2, 512, math.ceil(40 / 32), math.ceil(70 / 32))
    # avgpool + fc on the extractor's map is the full network's output
    torch.testing.assert_close(model.fc(features.mean(dim=(2, 3))), logits)


@pytest.mark.parametrize("suffix", [".pth", ".safetensors"])
def test_weights_round_trip(files, suffix):
    folder, model = files
    x = torch.randn(3, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    loaded, _ = build_backbone("resnet18", folder / f"resnet18{suffix}", in_channels=3)
    loaded.eval()
    with torch.no_grad():
        out = loaded(x)
    torch.testing.assert_close(out, feature_map(model, x), rtol=0, atol=0)
    for key, value in loaded.state_dict().items():
        torch.testing.assert_close(value, model.state_dict()[key], rtol=0, atol=0)
    fresh, _ = build_backbone("resnet18", in_channels=3)
    with torch.no_grad():
        assert not torch.allclose(fresh.eval()(x), out)  # the file, not the init, gave `out`


@pytest.mark.parametrize("in_channels", [1, 2, 5])
def test_grey_image_gives_the_rgb_activations(files, in_channels):
    folder, model = files
    backbone, _ = build_backbone("resnet18", folder / "resnet18.pth", in_channels=in_channels)
    backbone.eval()
    assert tuple(backbone.conv1.weight.shape) == (64, in_channels, 7, 7)
    grey = torch.randn(2, 1, 32, 32, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        out = backbone(grey.repeat(1, in_channels, 1, 1))
    torch.testing.assert_close(out, feature_map(model, grey.repeat(1, 3, 1, 1)),
                               rtol=1e-4, atol=1e-4)
    if in_channels == 1:  # the usual adaptation: the RGB filters summed
        torch.testing.assert_close(backbone.conv1.weight,
                                   model.conv1.weight.sum(dim=1, keepdim=True))


def test_adapt_input_conv_keeps_its_input():
    weight = torch.randn(4, 3, 3, 3)
    copy = weight.clone()
    out = adapt_input_conv(weight, 2)
    torch.testing.assert_close(out, weight.sum(dim=1, keepdim=True).repeat(1, 2, 1, 1) / 2)
    torch.testing.assert_close(weight, copy)
    assert adapt_input_conv(weight, 3) is not weight
    with pytest.raises(AstrolearnInputError, match=r"\(out, 3, k, k\)"):
        adapt_input_conv(torch.randn(4, 2, 3, 3), 1)


def test_checkpoint_wrappers_and_old_files_load(files, tmp_path):
    _, model = files
    state = model.state_dict()
    wrapped = tmp_path / "checkpoint.pt"
    torch.save({"epoch": 90, "state_dict": {f"module.{k}": v for k, v in state.items()}},
               wrapped)
    assert set(read_state_dict(wrapped)) == set(state)
    # torchvision's first downloads (PyTorch < 0.4.1) have no num_batches_tracked
    old = tmp_path / "old.pth"
    torch.save({k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}, old)
    x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(3))
    for path in (wrapped, old):
        loaded, _ = build_backbone("resnet18", path, in_channels=3)
        with torch.no_grad():
            torch.testing.assert_close(loaded.eval()(x), feature_map(model, x))


def test_wrong_architecture_is_named(files):
    folder, _ = files
    with pytest.raises(AstrolearnInputError, match="resnet34 file") as info:
        build_backbone("resnet18", folder / "resnet34.pth")
    message = str(info.value)
    assert "resnet34.pth" in message and "unexpected" in message
    assert "layer1.2.conv1.weight" in message  # the first key resnet18 does not have
    with pytest.raises(AstrolearnInputError, match=r"missing.*resnet18 file"):
        build_backbone("resnet34", folder / "resnet18.pth")
    with pytest.raises(AstrolearnInputError, match="this is a resnet18 file"):
        build_backbone("resnet50", folder / "resnet18.safetensors")


def test_bad_files_raise(files, tmp_path):
    _, model = files
    with pytest.raises(AstrolearnInputError, match="does not exist") as info:
        build_backbone("resnet18", tmp_path / "resnet18-f37072fd.pth")
    assert "download.pytorch.org" in str(info.value)
    with pytest.raises(AstrolearnInputError, match="not a file"):
        build_backbone("resnet18", tmp_path)
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(np.random.default_rng(0).bytes(500))
    with pytest.raises(AstrolearnInputError, match="cannot read the file as PyTorch weights"):
        build_backbone("resnet18", garbage)
    bad_st = tmp_path / "garbage.safetensors"
    bad_st.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")
    with pytest.raises(AstrolearnInputError, match="cannot read the file as safetensors"):
        build_backbone("resnet18", bad_st)
    whole_model = tmp_path / "model.pth"
    torch.save(nn.Linear(2, 2), whole_model)  # a pickled module: refused, never executed
    with pytest.raises(AstrolearnInputError, match=r"pickled Python objects.*state_dict\(\)"):
        build_backbone("resnet18", whole_model)
    a_list = tmp_path / "list.pth"
    torch.save([torch.zeros(2)], a_list)
    with pytest.raises(AstrolearnInputError, match="holds a list, not a state dict"):
        build_backbone("resnet18", a_list)
    mixed = tmp_path / "mixed.pth"
    torch.save({"conv1.weight": torch.zeros(2), "lr": 0.1}, mixed)
    with pytest.raises(AstrolearnInputError, match=r"not named tensors.*'lr'"):
        build_backbone("resnet18", mixed)
    state = dict(model.state_dict())
    state["layer3.0.conv2.weight"] = torch.zeros(256, 256, 1, 1)
    wrong_shape = tmp_path / "wrong_shape.pth"
    torch.save(state, wrong_shape)
    with pytest.raises(AstrolearnInputError, match=r"other shapes.*layer3\.0\.conv2\.weight"):
        build_backbone("resnet18", wrong_shape)
    state = dict(model.state_dict())
    state["layer2.1.bn1.weight"] = torch.full((128,), float("nan"))
    diverged = tmp_path / "nan.safetensors"
    save_file({k: v.contiguous() for k, v in state.items()}, str(diverged))
    with pytest.raises(AstrolearnInputError, match=r"NaN.*layer2\.1\.bn1\.weight"):
        build_backbone("resnet18", diverged)


def test_bad_names_and_options():
    with pytest.raises(AstrolearnInputError, match=r"unknown backbone 'vgg16'.*resnet18"):
        build_backbone("vgg16")
    with pytest.raises(AstrolearnInputError, match="unknown backbone"):
        resnet("ResNet18")
    with pytest.raises(AstrolearnInputError, match="in_channels"):
        build_backbone("resnet18", in_channels=0)
    with pytest.raises(AstrolearnInputError, match="file path"):
        build_backbone("resnet18", weights=3)


def test_one_channel_files_load_as_they_are(tmp_path):
    grey, _ = build_backbone("resnet18", in_channels=1)
    path = tmp_path / "grey.pth"
    torch.save(grey.state_dict(), path)  # e.g. a backbone fine-tuned on glitches, re-used
    again, _ = build_backbone("resnet18", path, in_channels=1)
    torch.testing.assert_close(again.conv1.weight, grey.conv1.weight, rtol=0, atol=0)
    with pytest.raises(AstrolearnInputError, match=r"conv1\.weight \(64, 1, 7, 7\) in the file"):
        build_backbone("resnet18", path, in_channels=3)
