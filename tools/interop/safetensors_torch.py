#!/usr/bin/python3
"""Reads and writes safetensors weights with PyTorch alone, to check Chainrule's files against PyTorch.

Run by hand from the repository root with the system Python, which has PyTorch 1.13
(apt-get install python3-torch). The `safetensors` package is neither needed nor used: files are
read and written with json, struct and torch.frombuffer only. The Java tests never run this script;
they only read the fixtures it wrote.

    /usr/bin/python3 tools/interop/safetensors_torch.py load FILE
    /usr/bin/python3 tools/interop/safetensors_torch.py save FILE [--widths 4,3,2] [--seed 0]
                                                               [--dtype F32] [--values VALUES.txt]

load  Reads FILE into a state dict, builds an nn.Module whose nn.Linear attributes fc1, fc2, ...
      have the shapes found (fc{i}.weight is [out, in], fc{i}.bias is [out]), loads the state dict
      with load_state_dict(strict=True), and prints a summary: the metadata, each tensor, the module,
      and its output (in float32) for an input of ones. Exits with status 1 and a message if anything does not fit.

save  Writes the state dict of an MLP (Linear layers fc1, fc2, ... with ReLU between, initialised
      by PyTorch's default initialisation after torch.manual_seed(seed), created directly in the
      given dtype) the way the reference safetensors library does: tensors sorted by dtype (wider
      first) then name, packed in that order from offset 0; a compact JSON header with
      "__metadata__": {"format": "pt"} first, then the tensors in offset order; the header padded
      with spaces to a multiple of 8 bytes. With --values, also writes each tensor's values
      converted to float32, for the Java tests:

          # comment lines and blank lines are ignored
          <name> <dtype in the file> <shape: dims joined by 'x', or 'scalar'> <value> <value> ...

      Values are row-major; each is the Python repr of the float64 equal to the float32 value,
      which Java's (float) Double.parseDouble(s) turns back into exactly that float32.

The committed fixtures (one per dtype; F16, BF16 and F64 models are created in that dtype, so
their values differ from the F32 one) were made with:

    W=training/src/test/resources/weights
    /usr/bin/python3 tools/interop/safetensors_torch.py save $W/torch_mlp_4-3-2.safetensors --values $W/torch_mlp_4-3-2.txt
    /usr/bin/python3 tools/interop/safetensors_torch.py save $W/torch_mlp_4-3-2_f64.safetensors --dtype F64 --values $W/torch_mlp_4-3-2_f64.txt
    /usr/bin/python3 tools/interop/safetensors_torch.py save $W/torch_mlp_4-3-2_f16.safetensors --dtype F16 --values $W/torch_mlp_4-3-2_f16.txt
    /usr/bin/python3 tools/interop/safetensors_torch.py save $W/torch_mlp_4-3-2_bf16.safetensors --dtype BF16 --values $W/torch_mlp_4-3-2_bf16.txt
"""

import argparse
import json
import os
import re
import struct
import sys

import torch
from torch import nn

ALIGNMENT = 8
MAX_HEADER_BYTES = 100_000_000

# The safetensors dtypes PyTorch 1.13 has, in the reference library's order (increasing alignment).
DTYPE_ORDER = ["BOOL", "U8", "I8", "I16", "F16", "BF16", "I32", "F32", "F64", "I64"]
TORCH_DTYPES = {
    "BOOL": torch.bool,
    "U8": torch.uint8,
    "I8": torch.int8,
    "I16": torch.int16,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I32": torch.int32,
    "F32": torch.float32,
    "F64": torch.float64,
    "I64": torch.int64,
}
SAFETENSORS_DTYPES = {v: k for k, v in TORCH_DTYPES.items()}
LAYER_NAME = re.compile(r"^fc([1-9][0-9]*)\.(weight|bias)$")


class Mlp(nn.Module):
    """Linear layers fc1, fc2, ... with ReLU between them; `widths` are the layer widths, input first."""

    def __init__(self, widths, biases=None, dtype=torch.float32):
        super().__init__()
        self.depth = len(widths) - 1
        for i in range(1, len(widths)):
            bias = True if biases is None else biases[i - 1]
            setattr(self, "fc%d" % i, nn.Linear(widths[i - 1], widths[i], bias=bias, dtype=dtype))

    def forward(self, x):
        for i in range(1, self.depth + 1):
            x = getattr(self, "fc%d" % i)(x)
            if i < self.depth:
                x = torch.relu(x)
        return x


def read_safetensors(path):
    """Returns (state dict in header order, metadata dict) of a safetensors file; checks the layout."""
    if sys.byteorder != "little":
        raise SystemExit("this script assumes a little-endian machine")
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError("%s: %d bytes, too few for the 8-byte header length" % (path, len(data)))
    (n,) = struct.unpack("<Q", data[:8])
    if n > MAX_HEADER_BYTES or 8 + n > len(data):
        raise ValueError("%s: header length %d does not fit the %d-byte file" % (path, n, len(data)))
    header = json.loads(data[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    buffer = bytearray(data[8 + n:])  # writable, so that torch.frombuffer does not warn
    state = {}
    cursor = 0
    for name, info in sorted(header.items(), key=lambda item: tuple(item[1]["data_offsets"])):
        begin, end = info["data_offsets"]
        if begin != cursor:
            raise ValueError("%s: tensor %r starts at %d, expected %d" % (path, name, begin, cursor))
        dtype = TORCH_DTYPES[info["dtype"]]
        count = 1
        for d in info["shape"]:
            count *= d
        itemsize = torch.tensor([], dtype=dtype).element_size()
        if end - begin != count * itemsize:
            raise ValueError("%s: tensor %r: %d bytes for shape %s" % (path, name, end - begin, info["shape"]))
        if count == 0:
            t = torch.empty(info["shape"], dtype=dtype)
        else:
            t = torch.frombuffer(buffer, dtype=dtype, count=count, offset=begin).reshape(info["shape"])
        state[name] = t.clone()
        cursor = end
    if cursor != len(buffer):
        raise ValueError("%s: the tensors end at %d but the data buffer has %d bytes" % (path, cursor, len(buffer)))
    ordered = {name: state[name] for name in header}  # header order
    return ordered, metadata


def write_safetensors(path, state, metadata):
    """Writes `state` (name -> tensor) as the reference library's save_file does."""
    names = sorted(state, key=lambda k: (-DTYPE_ORDER.index(SAFETENSORS_DTYPES[state[k].dtype]), k))
    header = {"__metadata__": metadata} if metadata is not None else {}
    chunks = []
    offset = 0
    for name in names:
        t = state[name].detach().contiguous()
        raw = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {
            "dtype": SAFETENSORS_DTYPES[t.dtype],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((ALIGNMENT - len(text) % ALIGNMENT) % ALIGNMENT)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in chunks:
            f.write(raw)


def widths_of(state):
    """The layer widths (input first) of an fc1, fc2, ... state dict, and which layers have a bias."""
    layers = {}
    for name, t in state.items():
        m = LAYER_NAME.match(name)
        if not m:
            raise ValueError("tensor %r is not named fc{i}.weight or fc{i}.bias" % name)
        layers.setdefault(int(m.group(1)), {})[m.group(2)] = t
    depth = max(layers) if layers else 0
    if sorted(layers) != list(range(1, depth + 1)):
        raise ValueError("layers %s are not fc1 .. fc%d" % (sorted(layers), depth))
    widths = []
    for i in range(1, depth + 1):
        if "weight" not in layers[i] or layers[i]["weight"].dim() != 2:
            raise ValueError("fc%d.weight is missing or not a matrix" % i)
        out_features, in_features = layers[i]["weight"].shape
        if i == 1:
            widths.append(in_features)
        elif in_features != widths[-1]:
            raise ValueError("fc%d.weight has %d inputs but fc%d has %d outputs" % (i, in_features, i - 1, widths[-1]))
        widths.append(out_features)
    return widths, [("bias" in layers[i]) for i in range(1, depth + 1)]


def load(path):
    state, metadata = read_safetensors(path)
    widths, biases = widths_of(state)
    dtypes = {t.dtype for t in state.values()}
    dtype = dtypes.pop() if len(dtypes) == 1 else torch.float32
    model = Mlp(widths, biases, dtype=dtype)
    model.load_state_dict(state, strict=True)
    print("file:     %s (%d bytes)" % (path, os.path.getsize(path)))
    print("metadata: %s" % json.dumps(metadata, sort_keys=True))
    for name, t in state.items():
        print("  %-12s %-9s %-14s %s" % (name, SAFETENSORS_DTYPES[t.dtype], list(t.shape),
                                          [float(v) for v in t.reshape(-1)[:4]]))
    print(model)
    print("load_state_dict(strict=True): ok, %d tensors, %d parameters"
          % (len(state), sum(p.numel() for p in model.parameters())))
    with torch.no_grad():  # in float32: PyTorch 1.13 has no float16 matmul on the CPU
        output = model.to(torch.float32)(torch.ones(1, widths[0]))
    print("output for ones(1, %d), in float32: %s" % (widths[0], output.tolist()))


def save(path, widths, seed, dtype_name, values_path):
    torch.manual_seed(seed)
    model = Mlp(widths, dtype=TORCH_DTYPES[dtype_name])
    state = model.state_dict()
    write_safetensors(path, state, {"format": "pt"})
    print("wrote %s: %s, seed %d, %s" % (path, "-".join(map(str, widths)), seed, dtype_name))
    if values_path:
        with open(values_path, "w") as f:
            f.write("# Written by: /usr/bin/python3 tools/interop/safetensors_torch.py save %s --widths %s"
                    " --seed %d --dtype %s --values %s\n"
                    % (path, ",".join(map(str, widths)), seed, dtype_name, values_path))
            f.write("# torch %s. <name> <dtype in the file> <shape> <values converted to float32, row-major>\n"
                    % torch.__version__)
            for name in sorted(state):
                t = state[name]
                shape = "x".join(map(str, t.shape)) if t.dim() else "scalar"
                values = " ".join(repr(float(v)) for v in t.to(torch.float32).reshape(-1).tolist())
                f.write("%s %s %s %s\n" % (name, dtype_name, shape, values))
        print("wrote %s" % values_path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p_load = commands.add_parser("load", help="load a safetensors file into an fc1, fc2, ... module")
    p_load.add_argument("file")
    p_save = commands.add_parser("save", help="write a seeded MLP's state dict as safetensors")
    p_save.add_argument("file")
    p_save.add_argument("--widths", default="4,3,2", help="layer widths, input first (default 4,3,2)")
    p_save.add_argument("--seed", type=int, default=0)
    p_save.add_argument("--dtype", default="F32", choices=["F32", "F64", "F16", "BF16"])
    p_save.add_argument("--values", help="also write the values, as float32 text, to this file")
    args = parser.parse_args()
    try:
        if args.command == "load":
            load(args.file)
        else:
            save(args.file, [int(w) for w in args.widths.split(",")], args.seed, args.dtype, args.values)
    except (ValueError, KeyError, RuntimeError) as e:
        print("error: %s" % e, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
