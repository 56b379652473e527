#!/usr/bin/env python3
"""Opens N keep-alive connections to a proxy, sends one GET on each, keeps them all open, and
reports when they are established; used by bench/connections.sh. Bounded: gives up after --timeout."""
import argparse
import asyncio
import sys


async def one(host, port, path, held, ready):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(head.split(b"\r\n", 1)[0].decode(errors="replace"))
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    held.append(writer)
    ready.set() if len(held) >= ready.target else None


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--path", default="/health")
    parser.add_argument("--hold", type=float, default=10.0, help="seconds to hold once all are open")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    held = []
    ready = asyncio.Event()
    ready.target = args.count
    limit = asyncio.Semaphore(500)  # open at most 500 at a time: no SYN flood on the backlog

    async def bounded():
        async with limit:
            await one("127.0.0.1", args.port, args.path, held, ready)

    results = await asyncio.wait_for(
        asyncio.gather(*(bounded() for _ in range(args.count)), return_exceptions=True), args.timeout)
    errors = [r for r in results if isinstance(r, BaseException)]
    print(f"open={len(held)} errors={len(errors)}", flush=True)
    if errors:
        print(f"first error: {errors[0]!r}", file=sys.stderr)
    await asyncio.sleep(args.hold)
    for writer in held:
        writer.close()
    return 1 if errors else 0


sys.exit(asyncio.run(main()))
