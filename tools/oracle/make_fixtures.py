#!/usr/bin/python3
"""Writes the oracle fixtures: values and gradients computed by PyTorch, for the Java engine to match.

Run by hand from the repository root (the tests only read the files it writes; they never run it):

    /usr/bin/python3 tools/oracle/make_fixtures.py

It needs PyTorch for the system Python (Debian's python3-torch: apt-get install python3-torch).
Everything runs in float64. Each case draws its inputs from its own generator, seeded with
SEED + crc32(case name), so adding a case does not change the others. Inputs are kept away from
kinks and singularities (positive for log, sqrt and a tensor exponent; |x| >= 0.2 for abs and relu,
and for the pre-activations of the relu MLP; tan inputs in (-1.2, 1.2)), so that the derivative is
unambiguous. For a non-scalar output f the gradients are those of loss = sum(f * w) for a fixed random
w of f's shape; for a scalar f, loss = f.

One file per case, autodiff-core/src/test/resources/oracle/<case>.txt (old *.txt files are removed
first). Lines starting with '#' and blank lines are ignored; the first record is `case <name>`; every
other record is one line of space-separated tokens:

    <kind> <name> <shape> <value> <value> ...

  kind    input  - a tensor that requires grad
          const  - a tensor that does not require grad (a rank-0 const is a plain number, e.g. an exponent)
          labels - integer class labels (values written as integers)
          weight - the reduction weight w (name w); absent when f is a scalar
          output - the value of f (name f)
          grad   - d loss / d input, one record per input, named after it
  shape   dimensions joined by 'x' (e.g. 8x5), or 'scalar' for rank 0
  values  row-major; floats as Python repr of the float64, which round-trips exactly and which
          Java's Double.parseDouble reads back to the same double.
"""

import math
import os
import zlib

import torch
import torch.nn.functional as F

SEED = 20240611
HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "autodiff-core", "src", "test", "resources", "oracle"))

CASES = {}


def case(name):
    """Registers a case: a function that draws its inputs from a Builder and returns f."""
    def register(fn):
        if name in CASES:
            raise ValueError("duplicate case " + name)
        CASES[name] = fn
        return fn
    return register


class Builder:
    """Draws a case's random inputs and records them, in order, for the fixture file."""

    def __init__(self, name):
        self.gen = torch.Generator().manual_seed(SEED + zlib.crc32(name.encode("utf-8")))
        self.records = []  # (kind, name, tensor)

    # -- raw draws (not recorded) --
    def draw_normal(self, *shape, scale=1.0):
        return torch.randn(shape, generator=self.gen, dtype=torch.float64) * scale

    def draw_uniform(self, low, high, *shape):
        return low + (high - low) * torch.rand(shape, generator=self.gen, dtype=torch.float64)

    def draw_signed(self, low, high, *shape):
        """|x| uniform in [low, high) with a random sign."""
        sign = torch.randint(0, 2, shape, generator=self.gen).to(torch.float64) * 2 - 1
        return sign * self.draw_uniform(low, high, *shape)

    # -- recorded inputs --
    def tensor(self, name, value, requires_grad=True):
        t = value.detach().clone().requires_grad_(requires_grad)
        self.records.append(("input" if requires_grad else "const", name, t))
        return t

    def normal(self, name, *shape, scale=1.0):
        return self.tensor(name, self.draw_normal(*shape, scale=scale))

    def uniform(self, name, low, high, *shape):
        return self.tensor(name, self.draw_uniform(low, high, *shape))

    def signed(self, name, low, high, *shape):
        return self.tensor(name, self.draw_signed(low, high, *shape))

    def number(self, name, value):
        self.tensor(name, torch.tensor(value, dtype=torch.float64), requires_grad=False)
        return value

    def labels(self, name, n, classes):
        t = torch.randint(0, classes, (n,), generator=self.gen)
        self.records.append(("labels", name, t))
        return t


# ---- primitive ops ------------------------------------------------------------------------------

@case("add")
def _(g):
    return g.normal("a", 3, 4) + g.normal("b", 3, 4)


@case("sub")
def _(g):
    return g.normal("a", 3, 4) - g.normal("b", 3, 4)


@case("mul")
def _(g):
    return g.normal("a", 3, 4) * g.normal("b", 3, 4)


@case("div")
def _(g):
    return g.normal("a", 3, 4) / g.signed("b", 0.5, 2.0, 3, 4)


@case("neg")
def _(g):
    return -g.normal("x", 3, 4)


@case("pow_scalar")
def _(g):
    x = g.uniform("x", 0.2, 2.0, 3, 4)
    return torch.pow(x, g.number("p", 2.5))


@case("pow_scalar_integer")
def _(g):
    x = g.normal("x", 3, 4)
    return torch.pow(x, g.number("p", 3.0))


@case("pow_tensor")
def _(g):
    return torch.pow(g.uniform("a", 0.2, 2.0, 3, 4), g.normal("b", 3, 4))


@case("exp")
def _(g):
    return torch.exp(g.normal("x", 3, 4))


@case("log")
def _(g):
    return torch.log(g.uniform("x", 0.1, 3.0, 3, 4))


@case("sqrt")
def _(g):
    return torch.sqrt(g.uniform("x", 0.1, 3.0, 3, 4))


@case("abs")
def _(g):
    return torch.abs(g.signed("x", 0.2, 2.0, 3, 4))


@case("sin")
def _(g):
    return torch.sin(g.normal("x", 3, 4, scale=2.0))


@case("cos")
def _(g):
    return torch.cos(g.normal("x", 3, 4, scale=2.0))


@case("tan")
def _(g):
    return torch.tan(g.uniform("x", -1.2, 1.2, 3, 4))


@case("tanh")
def _(g):
    return torch.tanh(g.normal("x", 3, 4, scale=2.0))


@case("sigmoid")
def _(g):
    return torch.sigmoid(g.normal("x", 3, 4, scale=2.0))


@case("relu")
def _(g):
    return torch.relu(g.signed("x", 0.2, 2.0, 3, 4))


@case("matmul")
def _(g):
    return g.normal("a", 3, 4) @ g.normal("b", 4, 5)


@case("transpose")
def _(g):
    return g.normal("x", 3, 4).t()


@case("reshape")
def _(g):
    return g.normal("x", 3, 4).reshape(2, 6)


@case("sum_all")
def _(g):
    return g.normal("x", 3, 4).sum()


@case("sum_axis0")
def _(g):
    return g.normal("x", 3, 4).sum(0)


@case("sum_axis0_keepdim")
def _(g):
    return g.normal("x", 3, 4).sum(0, keepdim=True)


@case("sum_axis1")
def _(g):
    return g.normal("x", 3, 4).sum(1)


@case("sum_axis1_keepdim")
def _(g):
    return g.normal("x", 3, 4).sum(1, keepdim=True)


@case("mean_all")
def _(g):
    return g.normal("x", 3, 4).mean()


@case("mean_axis0")
def _(g):
    return g.normal("x", 3, 4).mean(0)


@case("mean_axis1_keepdim")
def _(g):
    return g.normal("x", 3, 4).mean(1, keepdim=True)


@case("max_axis0")
def _(g):
    return g.normal("x", 3, 4).max(0).values


@case("max_axis1")
def _(g):
    return g.normal("x", 3, 4).max(1).values


@case("max_axis1_keepdim")
def _(g):
    return g.normal("x", 3, 4).max(1, keepdim=True).values


# ---- broadcasting -------------------------------------------------------------------------------

@case("add_row_bias")
def _(g):
    return g.normal("x", 4, 3) + g.normal("b", 3)


@case("mul_column")
def _(g):
    return g.normal("x", 4, 3) * g.normal("c", 4, 1)


@case("add_scalar")
def _(g):
    return g.normal("x", 3, 4) + g.normal("s")


@case("sub_both_broadcast")
def _(g):
    return g.normal("a", 3, 1) - g.normal("b", 1, 4)


# ---- composites and losses ----------------------------------------------------------------------

@case("softmax")
def _(g):
    return torch.softmax(g.normal("x", 4, 5, scale=2.0), dim=-1)


@case("log_softmax")
def _(g):
    return torch.log_softmax(g.normal("x", 4, 5, scale=2.0), dim=-1)


@case("cross_entropy")
def _(g):
    logits = g.normal("logits", 6, 5, scale=2.0)
    return F.cross_entropy(logits, g.labels("labels", 6, 5))


@case("cross_entropy_large_logits")
def _(g):
    # ±1000 plus unit noise: exp overflows unless the row maximum is subtracted first
    logits = g.tensor("logits", 1000.0 * torch.sign(g.draw_normal(6, 5)) + g.draw_normal(6, 5))
    return F.cross_entropy(logits, g.labels("labels", 6, 5))


@case("mse")
def _(g):
    return F.mse_loss(g.normal("prediction", 4, 3), g.normal("target", 4, 3))


# ---- compositions -------------------------------------------------------------------------------

@case("self_mul")
def _(g):
    x = g.normal("x", 3, 4)
    return x * x


@case("shared_subexpression")
def _(g):
    h = torch.tanh(g.normal("x", 3, 4))
    return h * torch.exp(h) + h


@case("x_sin_x_plus_exp_over_x")
def _(g):
    x = g.signed("x", 0.3, 2.0, 3, 4)
    return x * torch.sin(x) + torch.exp(x) / x


@case("matmul_shared_weight")
def _(g):
    x = g.normal("x", 3, 4)
    w = g.normal("W", 4, 4, scale=0.5)
    return (x @ w) @ w


# ---- a small MLP: x[8x5] -> Linear(5,4) -> activation -> Linear(4,3) -> cross-entropy ------------

def mlp(g, activation, min_abs_preactivation=0.0):
    for _attempt in range(1000):
        x = g.draw_normal(8, 5)
        w1 = g.draw_normal(4, 5, scale=0.5)
        b1 = g.draw_normal(4, scale=0.5)
        if (x @ w1.t() + b1).abs().min().item() >= min_abs_preactivation:
            break
    else:
        raise RuntimeError("no draw kept the pre-activations away from 0")
    x = g.tensor("x", x)
    w1 = g.tensor("W1", w1)
    b1 = g.tensor("b1", b1)
    w2 = g.normal("W2", 3, 4, scale=0.5)
    b2 = g.normal("b2", 3, scale=0.5)
    labels = g.labels("labels", 8, 3)
    h = activation(F.linear(x, w1, b1))
    return F.cross_entropy(F.linear(h, w2, b2), labels)


@case("mlp_tanh")
def _(g):
    return mlp(g, torch.tanh)


@case("mlp_relu")
def _(g):
    return mlp(g, torch.relu, min_abs_preactivation=0.2)


@case("mlp_sigmoid")
def _(g):
    return mlp(g, torch.sigmoid)


# ---- writing ------------------------------------------------------------------------------------

def shape_token(t):
    return "x".join(str(d) for d in t.shape) if t.dim() > 0 else "scalar"


def line(kind, name, t):
    if t.is_floating_point():
        values = []
        for v in t.detach().reshape(-1).tolist():
            if not math.isfinite(v):
                raise ValueError("%s %s has a non-finite value %r" % (kind, name, v))
            values.append(repr(float(v)))
    else:
        values = [str(int(v)) for v in t.reshape(-1).tolist()]
    return " ".join([kind, name, shape_token(t)] + values)


def run(name, fn):
    g = Builder(name)
    f = fn(g)
    lines = ["# generated by tools/oracle/make_fixtures.py (torch %s, float64); do not edit" % torch.__version__,
             "case " + name]
    lines += [line(kind, n, t) for kind, n, t in g.records]
    if f.dim() == 0:
        loss = f
    else:
        w = g.draw_normal(*f.shape)
        lines.append(line("weight", "w", w))
        loss = (f * w).sum()
    lines.append(line("output", "f", f))
    loss.backward()
    for kind, n, t in g.records:
        if kind == "input":
            if t.grad is None:
                raise RuntimeError("case %s: input %s received no gradient" % (name, n))
            lines.append(line("grad", n, t.grad))
    return "\n".join(lines) + "\n"


def main():
    torch.set_default_dtype(torch.float64)
    os.makedirs(OUT_DIR, exist_ok=True)
    for old in os.listdir(OUT_DIR):
        if old.endswith(".txt"):
            os.remove(os.path.join(OUT_DIR, old))
    for name, fn in CASES.items():
        with open(os.path.join(OUT_DIR, name + ".txt"), "w", encoding="utf-8") as out:
            out.write(run(name, fn))
    print("wrote %d cases to %s" % (len(CASES), OUT_DIR))


if __name__ == "__main__":
    main()
