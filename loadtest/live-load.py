#!/usr/bin/env python3
"""Load test of GET /events/{id}/live (issue 19): CLIENTS Server-Sent-Events
connections watch one event while scanners check distinct tickets in at RATE per
second for DURATION seconds; reports how many clients stayed connected, updates
received, and the scan -> update latency (from a scan's 201 to the first update on a
watcher whose `checked_in` counts it), over SAMPLE watchers.

k6 speaks no SSE, so this is plain asyncio (no packages beyond the standard library).

  python3 loadtest/live-load.py URL TOKEN EVENT [CLIENTS RATE DURATION SCANNERS SAMPLE]
"""
import asyncio, bisect, json, sys, time
from urllib.parse import urlparse


async def open_http(url):
    u = urlparse(url)
    return await asyncio.open_connection(u.hostname, u.port or 80)


async def read_head(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    headers = {}
    for line in head.decode().split("\r\n")[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    return status, headers


async def watcher(url, token, event, stop, times, counts, stats):
    reader, writer = await open_http(url)
    writer.write(f"GET /events/{event}/live HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                 f"Accept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    status, headers = await read_head(reader)
    if status != 200:
        stats["refused"] += 1
        return
    stats["connected"] += 1
    buffer = b""
    try:
        while not stop.is_set():
            size_line = await reader.readuntil(b"\r\n")  # chunked encoding
            size = int(size_line.strip(), 16)
            if size == 0:
                break
            buffer += (await reader.readexactly(size + 2))[:-2]
            while b"\n\n" in buffer:
                block, buffer = buffer.split(b"\n\n", 1)
                for line in block.split(b"\n"):
                    if line.startswith(b"data: "):
                        view = json.loads(line[6:])
                        times.append(time.monotonic())
                        counts.append(view["checked_in"])
                        stats["updates"] += 1
    except (asyncio.IncompleteReadError, ConnectionError):
        stats["dropped"] += 1
    finally:
        writer.close()


async def scanner(url, token, event, n, rate_each, deadline, done, stats):
    reader, writer = await open_http(url)
    interval, next_at, i = 1 / rate_each, time.monotonic(), 0
    while time.monotonic() < deadline:
        body = json.dumps({"event_id": event, "ticket_id": f"L{n}-{i}", "gate": f"g{n % 8}"})
        writer.write(f"POST /checkins HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                     f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n{body}".encode())
        await writer.drain()
        status, headers = await read_head(reader)
        await reader.readexactly(int(headers.get("content-length", "0")))
        if status == 201:
            done.append(time.monotonic())
        else:
            stats["scan_errors"] += 1
        i += 1
        next_at += interval
        await asyncio.sleep(max(0, next_at - time.monotonic()))
    writer.close()


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else float("nan")


async def main():
    url, token, event = sys.argv[1:4]
    clients, rate, duration, scanners, sample = (int(a) for a in (sys.argv[4:9] + ["1000", "1000", "20", "32", "50"][len(sys.argv[4:9]):]))
    stop = asyncio.Event()
    stats = dict(connected=0, refused=0, dropped=0, updates=0, scan_errors=0)
    feeds = [([], []) for _ in range(clients)]
    watchers = []
    for t, c in feeds:  # open gradually: a burst of 1,000 connects fills the accept queue
        watchers.append(asyncio.create_task(watcher(url, token, event, stop, t, c, stats)))
        await asyncio.sleep(0.002)
    await asyncio.sleep(2)
    print(f"watchers connected: {stats['connected']} of {clients}", flush=True)
    done = []
    start = time.monotonic()
    deadline = start + duration
    await asyncio.gather(*(scanner(url, token, event, n, rate / scanners, deadline, done, stats)
                           for n in range(scanners)))
    await asyncio.sleep(2)
    stop.set()
    for w in watchers:
        w.cancel()
    elapsed = time.monotonic() - start
    print(f"scans: {len(done)} in {elapsed - 2:.1f} s = {len(done) / (elapsed - 2):.0f}/s, errors {stats['scan_errors']}")
    print(f"updates received: {stats['updates']} ({stats['updates'] / max(1, stats['connected']) / elapsed:.1f}/s per watcher), "
          f"dropped {stats['dropped']}, refused {stats['refused']}")
    # The k-th 201 is counted by the first update whose checked_in >= k (+ what was there before).
    done.sort()
    base = min((c[0] for t, c in feeds if c), default=0)
    latencies = []
    for times, counts in feeds[:sample]:
        if not counts:
            continue
        for k, t_done in enumerate(done, start=1):
            j = bisect.bisect_left(counts, base + k)
            if j < len(counts):
                latencies.append(max(0.0, times[j] - t_done))
    ms = [x * 1000 for x in latencies]
    print(f"scan -> update latency over {min(sample, clients)} watchers, {len(ms)} samples: "
          f"p50 {pct(ms, .5):.0f} ms, p95 {pct(ms, .95):.0f} ms, p99 {pct(ms, .99):.0f} ms, max {max(ms, default=float('nan')):.0f} ms")


asyncio.run(main())
