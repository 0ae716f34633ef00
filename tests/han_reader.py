#!/usr/bin/env python3
"""Read N whole HDLC frames (7E ... 7E) from a TCP port and print them as hex, one per line.

Usage: han_reader.py PORT N TIMEOUT_S. A frame is taken from an opening flag to the closing flag
its length field (format A0xx/A8xx: 11 bits) says; bytes before a flag are skipped. Exit 1 if N
frames did not arrive within TIMEOUT_S.
"""
import socket
import sys
import time


def main():
    port, count, timeout = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    end = time.monotonic() + timeout
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    buf = b""
    frames = []
    while len(frames) < count:
        left = end - time.monotonic()
        if left <= 0:
            sys.stderr.write("han_reader: %d of %d frames in time\n" % (len(frames), count))
            return 1
        sock.settimeout(left)
        try:
            chunk = sock.recv(4096)
        except socket.timeout:
            continue
        if not chunk:
            sys.stderr.write("han_reader: connection closed after %d frames\n" % len(frames))
            return 1
        buf += chunk
        while True:
            start = buf.find(b"\x7e")
            if start < 0 or len(buf) < start + 3:
                break
            buf = buf[start:]
            length = ((buf[1] & 0x07) << 8) | buf[2]
            if len(buf) < length + 2:
                break
            frames.append(buf[: length + 2])
            buf = buf[length + 2:]
    for f in frames[:count]:
        print(f.hex().upper())
    return 0


if __name__ == "__main__":
    sys.exit(main())
