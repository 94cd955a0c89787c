"""Rebuild a sphinxtrain ``mixture_weights`` file from a pocketsphinx ``sendump``.

pocketsphinx's en-US model ships its mixture weights only as ``sendump``: 8-bit quantised negative logs, laid out
[feature stream][density][senone]. sphinxtrain's ``bw`` (and so MLLR/MAP adaptation) needs the float
``mixture_weights`` file instead. This recovers it, up to the quantisation (each weight to within a factor of
1.0001^1024 ≈ 1.11, the width of one 8-bit step).

Formats, as pocketsphinx reads them (``ptm_mgau.c``: ``read_sendump``, ``read_mixw``; ``util/bio.c``):

- ``sendump``: a sequence of (int32 length, NUL-terminated string) header strings ended by length 0, among them
  ``feature_count N`` and, when ``cluster_count 0``, then int32 rows (densities) and int32 columns (senones),
  then ``n_feat * rows * columns`` bytes. A byte q is ``-(logmath_log(p) >> 10)`` with log base 1.0001, i.e.
  ``-trunc(ln p / ln 1.0001) >> 10`` negated.
- ``mixture_weights`` (s3 binary): ``s3\\n``, ``key value`` lines, ``endhdr\\n``, the int32 byte-order magic
  0x11223344, int32 senones, streams, densities, total count, the float32 weights [senone][stream][density],
  and an int32 checksum when the header says ``chksum0 yes``.

    python tools/sendump_to_mixw.py MODEL_DIR/sendump MODEL_DIR/mixture_weights
"""

from __future__ import annotations

import argparse
import math
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

LOG_BASE = 1.0001
"""pocketsphinx's default log base (``-logbase``)."""
SENSCR_SHIFT = 10
"""Bits the 8-bit mixture-weight table drops from a log value (pocketsphinx's ``SENSCR_SHIFT``)."""
BYTE_ORDER_MAGIC = 0x11223344
"""The s3 files' byte-order marker."""
STEP = (1 << SENSCR_SHIFT) * math.log(LOG_BASE)
"""Natural-log width of one quantisation step."""


class ConversionError(ValueError):
    """A model file is not in the expected format; the message names the file and what was wrong."""


@dataclass(frozen=True, slots=True)
class Sendump:
    """Quantised mixture weights as pocketsphinx stores them."""

    weights: np.ndarray
    """uint8 [stream][density][senone]: negated shifted logs (0 = probability 1, larger = less likely)."""

    @property
    def shape(self) -> tuple[int, int, int]:
        """(senones, streams, densities): the shape of the float mixture weights."""
        n_feat, n_density, n_sen = self.weights.shape
        return n_sen, n_feat, n_density


def read_sendump(path: Path) -> Sendump:
    """Read a pocketsphinx ``sendump`` (8-bit, unclustered, little- or big-endian)."""
    data = path.read_bytes()
    endian = "<"
    (first,) = struct.unpack_from("<i", data, 0)
    if not 1 <= first <= 999:
        endian = ">"
        (first,) = struct.unpack_from(">i", data, 0)
        if not 1 <= first <= 999:
            raise ConversionError(f"{path}: not a sendump (title length {first})")
    offset, fields = 0, {}
    while True:
        (n,) = struct.unpack_from(endian + "i", data, offset)
        offset += 4
        if n == 0:
            break
        text = data[offset : offset + n].rstrip(b"\0").decode("ascii", "replace")
        offset += n
        key, _, value = text.partition(" ")
        fields[key] = value
    n_feat = int(fields.get("feature_count", "1"))
    if int(fields.get("cluster_count", "0")) != 0:
        raise ConversionError(
            f"{path}: clustered sendump (cluster_count {fields['cluster_count']}) not supported"
        )
    if int(fields.get("cluster_bits", "8")) != 8:
        raise ConversionError(
            f"{path}: only 8-bit sendump is supported (cluster_bits {fields['cluster_bits']})"
        )
    n_density, n_sen = struct.unpack_from(endian + "2i", data, offset)
    offset += 8
    size = n_feat * n_density * n_sen
    if len(data) - offset != size:
        raise ConversionError(
            f"{path}: {len(data) - offset} bytes of weights, expected {n_feat}×{n_density}×{n_sen} = {size}"
        )
    weights = np.frombuffer(data, dtype=np.uint8, count=size, offset=offset).reshape(n_feat, n_density, n_sen)
    return Sendump(weights.copy())


def dequantise(dump: Sendump) -> np.ndarray:
    """Float32 mixture weights [senone][stream][density], each distribution summing to 1.

    A byte q stands for logs in (-(q)·step, -(q-1)·step]; the middle of that interval is taken.
    """
    q = dump.weights.transpose(2, 0, 1).astype(np.float64)
    p = np.exp(-(np.maximum(q, 0.5) - 0.5) * STEP)
    p /= p.sum(axis=2, keepdims=True)
    return p.astype(np.float32)


def quantise(mixw: np.ndarray) -> Sendump:
    """The inverse of :func:`dequantise`, exactly as pocketsphinx's ``read_mixw`` quantises (without flooring)."""
    p = mixw.astype(np.float64)
    p = p / p.sum(axis=2, keepdims=True)
    with np.errstate(divide="ignore"):
        logs = np.trunc(np.log(p) / math.log(LOG_BASE))
    logs = np.where(np.isfinite(logs), logs, -(255 << SENSCR_SHIFT))
    q = np.clip(-(logs.astype(np.int64) >> SENSCR_SHIFT), 0, 255).astype(np.uint8)
    return Sendump(np.ascontiguousarray(q.transpose(1, 2, 0)))


def _checksum(words: np.ndarray) -> int:
    """sphinx's running checksum over 32-bit words: ``sum = rotl(sum, 20) + word``."""
    total = 0
    for w in words.tolist():
        total = (((total << 20) | (total >> 12)) + w) & 0xFFFFFFFF
    return total


def write_mixw(path: Path, mixw: np.ndarray) -> None:
    """Write float mixture weights [senone][stream][density] as an s3 ``mixture_weights`` file."""
    n_sen, n_feat, n_density = mixw.shape
    dims = np.array([n_sen, n_feat, n_density, n_sen * n_feat * n_density], dtype="<u4")
    body = np.ascontiguousarray(mixw, dtype="<f4")
    checksum = _checksum(np.concatenate([dims, body.reshape(-1).view("<u4")]))
    header = b"s3\nversion 1.0\nchksum0 yes\nendhdr\n" + struct.pack("<I", BYTE_ORDER_MAGIC)
    path.write_bytes(header + dims.tobytes() + body.tobytes() + struct.pack("<I", checksum))


def read_mixw(path: Path) -> np.ndarray:
    """Read an s3 ``mixture_weights`` file into float32 [senone][stream][density], checking its checksum."""
    data = path.read_bytes()
    end = data.find(b"endhdr\n")
    if not data.startswith(b"s3\n") or end < 0:
        raise ConversionError(f"{path}: not an s3 binary file (no s3/endhdr header)")
    header = data[3:end].decode("ascii", "replace").split("\n")
    has_checksum = any(line.split()[:1] == ["chksum0"] for line in header if line.strip())
    offset = end + len(b"endhdr\n")
    (magic,) = struct.unpack_from("<I", data, offset)
    endian = "<" if magic == BYTE_ORDER_MAGIC else ">"
    if struct.unpack_from(endian + "I", data, offset)[0] != BYTE_ORDER_MAGIC:
        raise ConversionError(f"{path}: bad byte-order magic {magic:#010x}")
    offset += 4
    dims = np.frombuffer(data, dtype=endian + "u4", count=4, offset=offset)
    n_sen, n_feat, n_density, total = (int(d) for d in dims)
    if total != n_sen * n_feat * n_density:
        raise ConversionError(f"{path}: {total} weights do not match {n_sen}×{n_feat}×{n_density}")
    offset += 16
    body = np.frombuffer(data, dtype=endian + "u4", count=total, offset=offset)
    offset += 4 * total
    if has_checksum:
        (stored,) = struct.unpack_from(endian + "I", data, offset)
        computed = _checksum(np.concatenate([dims.astype("<u4"), body.astype("<u4")]))
        if stored != computed:
            raise ConversionError(f"{path}: checksum {stored:#010x}, computed {computed:#010x}")
        offset += 4
    if offset != len(data):
        raise ConversionError(f"{path}: {len(data) - offset} bytes after the weights")
    return body.astype("<u4").view("<f4").reshape(n_sen, n_feat, n_density)


def main(argv: list[str] | None = None) -> int:
    """Command line: convert SENDUMP into MIXTURE_WEIGHTS."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sendump", type=Path)
    parser.add_argument("mixture_weights", type=Path)
    args = parser.parse_args(argv)
    try:
        dump = read_sendump(args.sendump)
        mixw = dequantise(dump)
        write_mixw(args.mixture_weights, mixw)
    except (ConversionError, OSError, struct.error) as exc:
        print(f"sendump_to_mixw: {exc}", file=sys.stderr)
        return 1
    same = float(np.mean(quantise(mixw).weights == dump.weights))
    print(
        f"{args.mixture_weights}: {mixw.shape[0]} senones × {mixw.shape[1]} streams × {mixw.shape[2]} densities;"
        f" re-quantised {same:.4%} identical"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
