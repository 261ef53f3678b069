#!/usr/bin/env python3
# A request head that made the gateway work grow with headers x tokens (security review, issue 9 point 7):
# Connection: b,b,... (4,500 tokens) and 2,500 "b:1" lines, 21.5 KB, against a plain GET, 40 of each in turn.
#   bench/big-head.py PORT   (start the gateway with -Dquarkus.http.limits.max-header-size=64K; the demo serves /api/users)
import socket, time, sys
port = int(sys.argv[1])
def head(big):
    lines = ["GET /api/users HTTP/1.1", "Host: localhost"]
    if big:
        lines.append("Connection: " + ",".join(["b"] * 4500))
        lines += ["b:1"] * 2500
    return ("\r\n".join(lines) + "\r\n\r\n").encode()
def one(data):
    s = socket.create_connection(("127.0.0.1", port))
    t = time.perf_counter()
    s.sendall(data)
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk: break
        buf += chunk
    dt = time.perf_counter() - t
    s.close()
    return dt, buf.split(b"\r\n")[0]
for big in (False, True, False, True):
    data = head(big)
    times = []
    for i in range(40):
        dt, status = one(data)
        times.append(dt)
    times.sort()
    print("big" if big else "plain", len(data), "bytes", status.decode(), "median %.1f ms p90 %.1f ms" % (times[20]*1000, times[36]*1000))
