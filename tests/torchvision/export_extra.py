#!/usr/bin/python3
"""Exports the torchvision architectures ../shared/tools/export-torchvision-zoo.py does not (the
MobileNetV3 family and LRASPP, whose HardSigmoid issue 18 is about, ShuffleNetV2, GoogLeNet,
ResNet-50) into OUTDIR and appends them to OUTDIR/zoo.yaml with the same preprocessing.
Seeded random weights: the graphs and sizes are the real ones, the outputs are not.
Each classifier and segmenter is also exported as <name>_cal with its BatchNorm statistics
calibrated on ImageNet-normalised noise (running mean and variance measured, as issue 17 asks of
generated weights), so that its activations neither die nor explode and `build --verify` has an
output that depends on the frame to compare.
Needs Debian's python3-torchvision; run with /usr/bin/python3.
    /usr/bin/python3 tests/torchvision/export_extra.py OUTDIR"""
import os, sys, warnings
warnings.filterwarnings("ignore")
import torch, torchvision

M, S = torchvision.models, torchvision.models.segmentation
out = sys.argv[1]
zoo = [
    ("mobilenet_v2", lambda: M.mobilenet_v2(), 224, 11),
    ("efficientnet_b0", lambda: M.efficientnet_b0(), 224, 13),
    ("mobilenet_v3_small", lambda: M.mobilenet_v3_small(), 224, 13),
    ("mobilenet_v3_large", lambda: M.mobilenet_v3_large(), 224, 13),
    ("lraspp_mobilenet_v3", lambda: S.lraspp_mobilenet_v3_large(weights_backbone=None), 256, 13),
    ("shufflenet_v2", lambda: M.shufflenet_v2_x1_0(), 224, 11),
    ("googlenet", lambda: M.googlenet(aux_logits=False, init_weights=True), 224, 11),
    ("resnet50", lambda: M.resnet50(), 224, 11),
]


def calibrate(m, size):
    """BatchNorm running statistics measured on noise normalised as the manifest's frames are."""
    bns = [x for x in m.modules() if isinstance(x, torch.nn.modules.batchnorm._BatchNorm)]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None  # a cumulative average over the batches
    m.train()
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    with torch.no_grad():
        for _ in range(4):
            m((torch.rand(8, 3, size, size) - mean) / std)
    return m.eval()


man = []
todo = [(n, c, s, o, False) for n, c, s, o in zoo if n not in ("mobilenet_v2", "efficientnet_b0")]
todo += [(n + "_cal", c, s, o, True) for n, c, s, o in zoo]
for name, ctor, size, opset, cal in todo:
    path = os.path.join(out, name + ".onnx")
    if not os.path.exists(path):
        torch.manual_seed(63)
        m = ctor().eval()
        if cal:
            m = calibrate(m, size)
        torch.onnx.export(m, torch.rand(1, 3, size, size), path, opset_version=opset,
                          input_names=["input"], do_constant_folding=True)
        print("exported", name, os.path.getsize(path) // 1024, "KiB", flush=True)
    man += [f"  - name: {name}", f"    source: {name}.onnx", "    inputs:",
            "      - name: input", f"        shape: [1, 3, {size}, {size}]",
            "        layout: NCHW", "        mean_values: [123.675, 116.28, 103.53]",
            "        scale_values: [58.395, 57.12, 57.375]",
            "        reverse_input_channels: true", "        precision: U8"]
with open(os.path.join(out, "zoo.yaml"), "a") as f:
    f.write("\n".join(man) + "\n")
