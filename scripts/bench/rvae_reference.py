"""Same-run speed baseline for `deno task bench rvae`: the reference rVAE
(AtomAI-style, as issue 6 describes it) in PyTorch, timed on random 48 x 48
windows at batch 32. Prints one JSON line: training images/s per encoder.

Usage: python3 rvae_reference.py [--threads 2] [--seconds 3]
(bench only: needs Debian's python3-torch; CI never runs it).
"""
import argparse
import json
import time

import torch
from torch import nn

SIZE, BATCH, HIDDEN, CONTENT = 48, 32, 128, 2
LATENTS = 3 + CONTENT  # angle, two shifts, content


class MlpEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Flatten(), nn.Linear(SIZE * SIZE, HIDDEN), nn.Tanh(),
            nn.Linear(HIDDEN, HIDDEN), nn.Tanh())
        self.mean = nn.Linear(HIDDEN, LATENTS)
        self.log_sd = nn.Linear(HIDDEN, LATENTS)

    def forward(self, x):
        h = self.body(x)
        return self.mean(h), self.log_sd(h)


class ConvEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, HIDDEN, 3, padding=1), nn.LeakyReLU(0.1),
            nn.Conv2d(HIDDEN, HIDDEN, 3, padding=1), nn.LeakyReLU(0.1), nn.Flatten())
        self.mean = nn.Linear(HIDDEN * SIZE * SIZE, LATENTS)
        self.log_sd = nn.Linear(HIDDEN * SIZE * SIZE, LATENTS)

    def forward(self, x):
        h = self.body(x.unsqueeze(1))
        return self.mean(h), self.log_sd(h)


class CoordinateDecoder(nn.Module):
    """Per pixel: dense(2→H)(coords) + dense(K→H, no bias)(content), tanh, 2 x (dense H + tanh), dense(H→1)."""

    def __init__(self):
        super().__init__()
        self.coord = nn.Linear(2, HIDDEN)
        self.content = nn.Linear(CONTENT, HIDDEN, bias=False)
        self.body = nn.Sequential(
            nn.Tanh(), nn.Linear(HIDDEN, HIDDEN), nn.Tanh(),
            nn.Linear(HIDDEN, HIDDEN), nn.Tanh(), nn.Linear(HIDDEN, 1))
        x = torch.linspace(-1, 1, SIZE)
        y = torch.linspace(1, -1, SIZE)
        yy, xx = torch.meshgrid(y, x, indexing="ij")
        self.register_buffer("grid", torch.stack([xx.flatten(), yy.flatten()], 1))

    def forward(self, z):
        angle, shift, content = z[:, :1], z[:, 1:3], z[:, 3:]
        cos, sin = torch.cos(angle), torch.sin(angle)
        rotation = torch.stack([torch.cat([cos, -sin], 1), torch.cat([sin, cos], 1)], 1)
        coords = self.grid.unsqueeze(0) @ rotation.transpose(1, 2) + 0.1 * shift.unsqueeze(1)
        h = self.coord(coords) + self.content(content).unsqueeze(1)
        return self.body(h).squeeze(-1)


def loss_fn(encoder, decoder, x, prior=0.1):
    mean, log_sd = encoder(x)
    sd = torch.exp(log_sd)
    z = mean + sd * torch.randn_like(sd)
    reconstruction = 0.5 * ((decoder(z) - x.flatten(1)) ** 2).sum() / x.shape[0]
    kl_angle = (-log_sd[:, 0] + torch.log(torch.tensor(prior)) + sd[:, 0] ** 2 / (2 * prior**2) - 0.5).sum()
    kl_rest = 0.5 * (mean[:, 1:] ** 2 + sd[:, 1:] ** 2 - 2 * log_sd[:, 1:] - 1).sum()
    return reconstruction + (kl_angle + kl_rest) / x.shape[0]


def images_per_second(encoder_kind, seconds):
    torch.manual_seed(0)
    encoder = MlpEncoder() if encoder_kind == "mlp" else ConvEncoder()
    decoder = CoordinateDecoder()
    optimizer = torch.optim.Adam(list(encoder.parameters()) + list(decoder.parameters()), lr=1e-4)
    x = torch.rand(BATCH, SIZE, SIZE)

    def step():
        optimizer.zero_grad()
        loss_fn(encoder, decoder, x).backward()
        optimizer.step()

    step()
    steps, start = 0, time.perf_counter()
    while steps < 2 or time.perf_counter() - start < seconds:
        step()
        steps += 1
    return steps * BATCH / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    result = {kind: images_per_second(kind, args.seconds) for kind in ("mlp", "conv")}
    result["threads"] = args.threads
    result["torch"] = torch.__version__
    print(json.dumps(result))


if __name__ == "__main__":
    main()
