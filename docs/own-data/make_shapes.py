#!/usr/bin/env python3
"""Writes a small labelled image data set as CSV: 8x8 grey images of five shapes with noise.

usage: python3 make_shapes.py OUT_DIR [TRAIN_ROWS] [TEST_ROWS]
Writes OUT_DIR/train.csv and OUT_DIR/test.csv: a header p0..p63,label, then one image per row,
pixels row by row in [0, 1], label 0-4 (horizontal bar, vertical bar, diagonal, square, cross).
Python's standard library only, seeded: the same files every time.
"""
import os
import random
import sys

SHAPES = ["horizontal", "vertical", "diagonal", "square", "cross"]


def image(shape, rnd):
    img = [[0.0] * 8 for _ in range(8)]
    r, c = rnd.randrange(1, 7), rnd.randrange(1, 7)
    if shape == "horizontal":
        for x in range(8):
            img[r][x] = 1.0
    elif shape == "vertical":
        for y in range(8):
            img[y][c] = 1.0
    elif shape == "diagonal":
        off = rnd.randrange(-2, 3)
        for y in range(8):
            if 0 <= y + off < 8:
                img[y][y + off] = 1.0
    elif shape == "square":
        r, c = rnd.randrange(0, 4), rnd.randrange(0, 4)
        for i in range(4):
            img[r][c + i] = img[r + 3][c + i] = img[r + i][c] = img[r + i][c + 3] = 1.0
    else:  # cross
        for i in range(-1, 2):
            img[r][c + i] = img[r + i][c] = 1.0
    return [min(1.0, max(0.0, v + rnd.gauss(0, 0.25))) for row in img for v in row]


def write(path, rows, rnd):
    with open(path, "w") as f:
        f.write(",".join(f"p{i}" for i in range(64)) + ",label\n")
        for n in range(rows):
            label = n % len(SHAPES)
            f.write(",".join(f"{v:.3f}" for v in image(SHAPES[label], rnd)) + f",{label}\n")


def main():
    out = sys.argv[1]
    train = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    test = int(sys.argv[3]) if len(sys.argv) > 3 else 500
    os.makedirs(out, exist_ok=True)
    rnd = random.Random(7)
    write(os.path.join(out, "train.csv"), train, rnd)
    write(os.path.join(out, "test.csv"), test, rnd)
    print(f"wrote {out}/train.csv ({train} rows) and {out}/test.csv ({test} rows)")


if __name__ == "__main__":
    main()
