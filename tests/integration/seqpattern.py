#!/usr/bin/python3
"""seqpattern: a byte stream in which every 64-byte line carries its own
number, so that a lost, doubled or reordered piece anywhere shows.

    seqpattern.py BYTES      write the first BYTES of the stream to stdout
                             (64 KiB writes), then exit 0

As a module: blocks(size) yields the same stream in 64 KiB blocks, for a
test to compare a log file with, and digest(size) its SHA-256.
"""

import hashlib
import os
import sys

LINE = 64
BLOCK = 65536
_PER_BLOCK = BLOCK // LINE
_PAD = b"s" * (LINE - 1 - 17)


def blocks(size):
    """The first SIZE bytes of the stream, in BLOCK-sized pieces."""
    line, left = 0, size
    while left > 0:
        block = b"".join(b"seq %012d %s\n" % (i, _PAD)
                         for i in range(line, line + _PER_BLOCK))
        line += _PER_BLOCK
        yield block[:left]
        left -= len(block)


def digest(size):
    h = hashlib.sha256()
    for b in blocks(size):
        h.update(b)
    return h.hexdigest()


def main():
    size = int(sys.argv[1])
    for b in blocks(size):
        view = memoryview(b)
        while view:
            view = view[os.write(1, view):]
    return 0


if __name__ == "__main__":
    sys.exit(main())
