#!/usr/bin/python3
"""Writes the optimiser and learning-rate fixtures: PyTorch's torch.optim results for the Java
package dev.chainrule.optim to match.

Run by hand from the repository root (the tests only read the files it writes; they never run it):

    /usr/bin/python3 tools/oracle/make_optim_fixtures.py

It needs PyTorch 1.13 for the system Python (Debian's python3-torch). The optimisers are torch's own
classes with foreach=False (the single-tensor code path, torch 1.13's default). Each case draws its
parameters and gradients from its own generator, seeded with SEED + crc32(case name), so adding a
case does not change the others. The learning rate of step s is whatever torch's
CosineAnnealingLR(T_max = number of steps, eta_min = 0) has set when optimizer.step() runs (read from
param_groups[0]['lr'], then scheduler.step() after each optimiser step, as torch's docs prescribe).

Output, in autodiff-core/src/test/resources/optim/ (old *.txt files are removed first):

  <case>.txt        one optimiser run. Lines starting with '#' and blank lines are ignored; the first
                    record is `case <name>`; every other record is one line of space-separated tokens:

      dtype <float32|float64>
      optimizer <sgd|momentum|adam>
      setting <momentum|beta1|beta2|eps|weight_decay> <value>
      schedule <kind> <base lr> <total steps>
      param <name> <shape> <values...>          initial values, in the order passed to the optimiser
      lr <step> <value>                          the learning rate torch used for step <step> (from 0)
      grad <step> <name> <shape> <values...>     the gradient given at step <step>
      after <step> <name> <shape> <values...>    the parameter after step <step>
      state <name> <shape> <values...>           torch's optimiser state after the last step, named
                                                 <parameter>.<momentum_buffer|exp_avg|exp_avg_sq>

  lr_schedules.txt  learning rates set by torch's schedulers, one record per schedule:

      schedule <kind> <base lr> <T_max> <count> <lr of step 0> <lr of step 1> ...

                    kind `constant` is no scheduler at all (the optimiser's lr as given); kind `cosine`
                    is CosineAnnealingLR(T_max, eta_min=0) and its recursive get_lr(), continued
                    past T_max where the cosine rises again.

  shape   dimensions joined by 'x' (e.g. 3x4), or 'scalar' for rank 0
  values  row-major; each element as Python repr of float(element): exact for float32 and float64,
          and read back exactly by Java's Double.parseDouble.
"""

import math
import os
import warnings
import zlib

import torch

SEED = 20240612
HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "autodiff-core", "src", "test", "resources", "optim"))
STEPS = 6
PARAMETERS = [("fc1.weight", (3, 4)), ("fc1.bias", (3,)), ("temperature", ())]

# name: (optimizer kind, base lr, settings, dtype)
CASES = {
    "sgd": ("sgd", 0.1, {}, torch.float32),
    "sgd_weight_decay": ("sgd", 0.1, {"weight_decay": 0.05}, torch.float32),
    "momentum": ("momentum", 0.05, {}, torch.float32),
    "momentum_0.5": ("momentum", 0.05, {"momentum": 0.5}, torch.float32),
    "momentum_weight_decay": ("momentum", 0.05, {"weight_decay": 0.05}, torch.float32),
    "adam": ("adam", 0.01, {}, torch.float32),
    "adam_weight_decay": ("adam", 0.01, {"weight_decay": 0.05}, torch.float32),
    "adam_betas": ("adam", 0.01, {"beta1": 0.8, "beta2": 0.99, "eps": 1e-6}, torch.float32),
    "sgd_weight_decay_float64": ("sgd", 0.1, {"weight_decay": 0.05}, torch.float64),
    "momentum_float64": ("momentum", 0.05, {}, torch.float64),
    "adam_weight_decay_float64": ("adam", 0.01, {"weight_decay": 0.05}, torch.float64),
}

DEFAULTS = {"momentum": 0.9, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0}

# (kind, base lr, T_max, count)
SCHEDULES = [("constant", 0.1, 6, 8), ("constant", 0.003, 1, 3)]
SCHEDULES += [("cosine", base, t_max, 2 * t_max + 3)
              for base, t_max in [(0.1, 1), (0.1, 2), (0.05, 3), (1.0, 5), (0.1, 6), (0.01, 10), (0.1, 97),
                                  (3e-4, 100), (0.1, 1000)]]


def make_optimizer(kind, params, lr, s):
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=s["weight_decay"], foreach=False)
    if kind == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=s["momentum"], dampening=0, nesterov=False,
                               weight_decay=s["weight_decay"], foreach=False)
    if kind == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(s["beta1"], s["beta2"]), eps=s["eps"],
                                weight_decay=s["weight_decay"], amsgrad=False, foreach=False)
    raise ValueError("unknown optimizer kind " + kind)


def shape_token(t):
    return "x".join(str(d) for d in t.shape) if t.dim() > 0 else "scalar"


def values(t):
    out = []
    for v in t.detach().reshape(-1).tolist():
        if not math.isfinite(v):
            raise ValueError("non-finite value %r" % v)
        out.append(repr(float(v)))
    return out


def tensor_line(*head_and_tensor):
    *head, t = head_and_tensor
    return " ".join([str(h) for h in head] + [shape_token(t)] + values(t))


def run_case(name, kind, lr, overrides, dtype):
    settings = dict(DEFAULTS, **overrides)
    gen = torch.Generator().manual_seed(SEED + zlib.crc32(name.encode("utf-8")))
    params = [torch.randn(shape, generator=gen).to(dtype).requires_grad_(True) for _, shape in PARAMETERS]
    grads = [[(0.5 * torch.randn(shape, generator=gen)).to(dtype) for _, shape in PARAMETERS] for _ in range(STEPS)]
    lines = ["# generated by tools/oracle/make_optim_fixtures.py (torch %s); do not edit" % torch.__version__,
             "case " + name,
             "dtype " + str(dtype).replace("torch.", ""),
             "optimizer " + kind]
    lines += ["setting %s %r" % (k, float(v)) for k, v in settings.items()]
    lines.append("schedule cosine %r %d" % (lr, STEPS))
    lines += [tensor_line("param", n, p) for (n, _), p in zip(PARAMETERS, params)]
    optimizer = make_optimizer(kind, params, lr, settings)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=STEPS, eta_min=0)
    for step in range(STEPS):
        lines.append("lr %d %r" % (step, optimizer.param_groups[0]["lr"]))
        for (n, _), p, g in zip(PARAMETERS, params, grads[step]):
            p.grad = g.clone()
            lines.append(tensor_line("grad", step, n, g))
        optimizer.step()
        scheduler.step()
        lines += [tensor_line("after", step, n, p) for (n, _), p in zip(PARAMETERS, params)]
    for (n, _), p in zip(PARAMETERS, params):
        for key, buf in optimizer.state[p].items():
            if key != "step" and buf is not None:
                lines.append(tensor_line("state", n + "." + key, buf))
    return "\n".join(lines) + "\n"


def schedule_rates(kind, base, t_max, count):
    p = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([p], lr=base)
    scheduler = None
    if kind == "cosine":
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=t_max, eta_min=0)
    elif kind != "constant":
        raise ValueError("unknown schedule kind " + kind)
    rates = []
    for _ in range(count):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
    return rates


def main():
    warnings.filterwarnings("ignore", category=UserWarning)
    os.makedirs(OUT_DIR, exist_ok=True)
    for old in os.listdir(OUT_DIR):
        if old.endswith(".txt"):
            os.remove(os.path.join(OUT_DIR, old))
    for name, (kind, lr, overrides, dtype) in CASES.items():
        with open(os.path.join(OUT_DIR, name + ".txt"), "w", encoding="utf-8") as out:
            out.write(run_case(name, kind, lr, overrides, dtype))
    lines = ["# generated by tools/oracle/make_optim_fixtures.py (torch %s); do not edit" % torch.__version__]
    for kind, base, t_max, count in SCHEDULES:
        rates = schedule_rates(kind, base, t_max, count)
        lines.append(" ".join(["schedule", kind, repr(base), str(t_max), str(count)] + [repr(float(r)) for r in rates]))
    with open(os.path.join(OUT_DIR, "lr_schedules.txt"), "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    print("wrote %d optimiser cases and %d schedules to %s" % (len(CASES), len(SCHEDULES), OUT_DIR))


if __name__ == "__main__":
    main()
