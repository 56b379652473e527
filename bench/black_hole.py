#!/usr/bin/python3
"""A collector that black-holes: it accepts TCP connections on 127.0.0.1 (OS-chosen port, printed on
the first line) and never reads from them or answers, so a gRPC client's handshake and calls hang
until their deadline. Holds at most 64 connections (older ones are closed) and exits after
--seconds, so it is bounded in time and memory even when its parent dies.
"""
import argparse
import socket
import threading


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3600)
    args = parser.parse_args()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # A small receive buffer fills after a few kilobytes: the sender's writes stall, as with a stuck peer.
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    print(listener.getsockname()[1], flush=True)
    held = []

    def accept():
        while True:
            connection, _ = listener.accept()
            held.append(connection)
            if len(held) > 64:
                held.pop(0).close()

    threading.Thread(target=accept, daemon=True).start()
    threading.Event().wait(args.seconds)


if __name__ == "__main__":
    main()
