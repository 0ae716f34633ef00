#!/usr/bin/env python3
"""A misbehaving IEC 62056-21 meter on TCP for tests/tool_read.sh (the error paths the simulator
cannot produce). Usage: fake_iec21_meter.py BEHAVIOUR; prints the TCP port it listens on
(127.0.0.1), serves one client, exits when it leaves.

  garbage        streams bytes that keep starting messages and never finish one
  readout_bcc    a mode C readout whose BCC is wrong
  prog_bcc_once  programming mode: the first reply to a command has a wrong BCC, its repeat
                 after the reader's NAK is right
  prog_bcc       programming mode: every reply to a command has a wrong BCC
  lockout        answers the programming option select with a break (locked out)
  bad_password   sends the password prompt, answers the password with a break

Messages as IEC 62056-21:2002 clause 6.3: BCC = XOR of the bytes after SOH/STX up to and including
ETX; break = SOH B0 ETX BCC.
"""
import socket
import sys
import time

SOH, STX, ETX, ACK, NAK = b"\x01", b"\x02", b"\x03", b"\x06", b"\x15"


def bcc(body):
    x = 0
    for c in body:
        x ^= c
    return bytes([x])


def message(start, body, good=True):
    b = bcc(body)
    return start + body + (b if good else bytes([b[0] ^ 0x55]))


BREAK = message(SOH, b"B0" + ETX)
IDENT = b"/KAM5 FAKE\r\n"
READOUT = b"0.0.1(12345678)\r\n1.8.0(0000001.23*kWh)\r\n!\r\n" + ETX
REPLY = b"1.8.0(0000001.23*kWh)" + ETX


def serve(conn, how):
    buf = b""
    bad_replies = 0
    conn.settimeout(30)
    while True:
        if how == "garbage" and b"!\r\n" in buf:
            try:
                while True:  # "/" and STX start messages; ")" breaks them: never one complete
                    conn.sendall(b"/\x02(((" * 64)
                    time.sleep(0.01)
            except OSError:
                return
        data = conn.recv(4096)
        if not data:
            return
        buf += data
        if buf.startswith(b"/?") and buf.endswith(b"!\r\n"):
            if how != "garbage":
                conn.sendall(IDENT)
                buf = b""
        elif buf.startswith(ACK) and buf.endswith(b"\r\n") and len(buf) == 6:
            y = buf[3:4]  # ACK V Z Y CR LF
            buf = b""
            if y == b"0":
                conn.sendall(message(STX, READOUT, good=how != "readout_bcc"))
            elif how == "lockout":
                conn.sendall(BREAK)
            else:
                conn.sendall(message(SOH, b"P0" + STX + b"()" + ETX))
        elif buf.startswith(SOH) and len(buf) >= 2 and buf[-2:-1] == ETX:
            cmd = buf[1:3]
            buf = b""
            if cmd in (b"P1", b"P2"):
                conn.sendall(BREAK if how == "bad_password" else ACK)
            elif cmd == b"B0":
                return
            else:
                bad = how == "prog_bcc" or (how == "prog_bcc_once" and bad_replies == 0)
                bad_replies += 1 if bad else 0
                conn.sendall(message(STX, REPLY, good=not bad))
        elif buf == NAK:
            buf = b""
            bad = how == "prog_bcc"
            conn.sendall(message(STX, REPLY, good=not bad))


def main():
    how = sys.argv[1]
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    print(srv.getsockname()[1], flush=True)
    srv.settimeout(60)
    conn, _ = srv.accept()
    try:
        serve(conn, how)
    except OSError:
        pass
    conn.close()


main()
