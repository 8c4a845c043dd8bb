"""A TCP proxy on loopback between the phone and a server, whose network the test can cut:
at once (`go_down`), or part way through a transfer (`cut_after`), and bring back (`restore`)."""

from __future__ import annotations

import socket
import threading


class LoopbackProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._down = False
        self._cut_after: int | None = None
        self._cut_on_answer = False
        self.bytes_up = 0  # phone -> server, since the last cut_after
        self.cuts = 0
        self._closed = False
        threading.Thread(target=self._accept, daemon=True, name="loopback-proxy").start()

    # what the test controls

    def go_down(self) -> None:
        """No network: every open connection breaks and new ones are closed at once."""
        with self._lock:
            self._down = True
            self._close_all()

    def restore(self) -> None:
        with self._lock:
            self._down = False
            self._cut_after = None
            self._cut_on_answer = False

    def cut_after(self, upstream_bytes: int) -> None:
        """Break the network once `upstream_bytes` more bytes have gone from the phone to the server."""
        with self._lock:
            self.bytes_up = 0
            self._cut_after = upstream_bytes

    def cut_on_answer(self) -> None:
        """Let the next request reach the server, then break the network as its answer starts back:
        the server did the work, the phone never hears of it."""
        with self._lock:
            self._cut_on_answer = True

    def close(self) -> None:
        self._closed = True
        self.go_down()
        self._listener.close()

    # plumbing

    def _close_all(self) -> None:
        for sock in list(self._open):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self._open.clear()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                if self._down:
                    client.close()
                    continue
            try:
                upstream = socket.create_connection(self.target, timeout=10)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open.update((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, upward: bool) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if upward:
                    with self._lock:
                        if self._down:
                            break
                        if self._cut_after is not None and self.bytes_up + len(data) >= self._cut_after:
                            self.cuts += 1
                            self._down = True
                            self._cut_after = None
                            self._close_all()
                            return
                        self.bytes_up += len(data)
                else:
                    with self._lock:
                        if self._down:
                            break
                        if self._cut_on_answer:
                            self.cuts += 1
                            self._down = True
                            self._cut_on_answer = False
                            self._close_all()
                            return
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
