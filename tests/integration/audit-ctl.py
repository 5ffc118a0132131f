#!/usr/bin/env python3
"""Minimal audit netlink client for the tests: get/set the 'enabled' flag, and listen to the
audit multicast group printing AUDIT_TRUSTED_APP (1121) records, one per line."""
import select
import socket
import struct
import sys
import time

NETLINK_AUDIT = 9
AUDIT_GET, AUDIT_SET, AUDIT_TRUSTED_APP = 1000, 1001, 1121
NLMSG_ERROR = 2
AUDIT_NLGRP_READLOG = 1


def request(sock, typ, payload=b""):
    sock.send(struct.pack("=IHHII", 16 + len(payload), typ, 0x1 | 0x4, 1, 0) + payload)
    while True:
        data = sock.recv(65536)
        mtype = struct.unpack_from("=H", data, 4)[0]
        if mtype == NLMSG_ERROR:
            err = struct.unpack_from("=i", data, 16)[0]
            if err != 0:
                raise OSError(-err, "audit netlink error")
            if typ != AUDIT_GET:
                return None
            continue
        if mtype == typ:
            return data


def main():
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_AUDIT)
    if sys.argv[1] == "get":
        sock.bind((0, 0))
        data = request(sock, AUDIT_GET)
        print(struct.unpack_from("=IIII", data, 16)[1])
    elif sys.argv[1] == "set":
        sock.bind((0, 0))
        payload = struct.pack("=IIIIIIIII", 1, int(sys.argv[2]), 0, 0, 0, 0, 0, 0, 0) + b"\0" * 16
        request(sock, AUDIT_SET, payload)
    elif sys.argv[1] == "listen":
        sock.bind((0, AUDIT_NLGRP_READLOG))
        end = time.time() + float(sys.argv[2])
        while time.time() < end:
            ready, _, _ = select.select([sock], [], [], 0.2)
            if not ready:
                continue
            data = sock.recv(65536)
            off = 0
            while off + 16 <= len(data):
                length, mtype = struct.unpack_from("=IH", data, off)
                if length < 16:
                    break
                if mtype == AUDIT_TRUSTED_APP:
                    text = data[off + 16:off + length].rstrip(b"\0").decode(errors="replace")
                    print(text, flush=True)
                off += (length + 3) & ~3


if __name__ == "__main__":
    main()
