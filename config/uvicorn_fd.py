"""uvicorn on a listening TCP socket someone else opened (make run's supervisord passes fd 0 to
each of its WEB_CONCURRENCY processes), accepting one connection at a time.

Two faults of `uvicorn --fd` with several processes on one socket:
- it wraps the descriptor as an AF_UNIX socket whatever it is, so the event loop takes every
  accepted connection for a Unix one and never sets TCP_NODELAY: a response written in two
  pieces (headers, then body) waited for the client's delayed ACK, 40 ms on Linux, and one
  client never got more than about 22 answers a second;
- every process is woken for each new connection and the first drains the whole backlog, so
  20 clients connecting at once mostly land on one process (kept alive, they stay there) while
  the other idles: measured 70/30 CPU between two processes.
Here each wake-up accepts one connection (TCP_NODELAY set) and hands it to uvicorn's own HTTP
protocol, then the process stops listening for 2 ms per connection it already serves, so the
connections spread over the processes. The options
are those start.sh gives `python -m uvicorn`.

`python -m config.uvicorn_fd <fd>`
"""

import asyncio
import logging
import os
import socket
import sys

import uvicorn

logger = logging.getLogger("uvicorn.error")

PAUSE_PER_CONNECTION = 0.002  # seconds


class OneAtATimeServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, listener: socket.socket) -> None:
        super().__init__(config)
        self.listener = listener

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])  # lifespan and state; no server of its own
        self.listener.setblocking(False)
        self._listen(asyncio.get_running_loop())

    def _listen(self, loop: asyncio.AbstractEventLoop) -> None:
        if not self.should_exit:
            loop.add_reader(self.listener.fileno(), self._accept_one, loop)

    def _accept_one(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            connection, _ = self.listener.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return  # another process took it, or the client gave up
        except OSError:  # out of file descriptors, say: try again shortly rather than spin
            logger.warning("accept failed; retrying in 0.1 s", exc_info=True)
            loop.remove_reader(self.listener.fileno())
            loop.call_later(0.1, self._listen, loop)
            return
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # Step back from the socket for a moment, the longer the more connections this process
        # already serves: an idle sibling takes the next one.
        loop.remove_reader(self.listener.fileno())
        pause = PAUSE_PER_CONNECTION * len(self.server_state.connections)
        loop.call_later(pause, self._listen, loop)
        loop.create_task(self._serve_connection(loop, connection))

    async def _serve_connection(
        self, loop: asyncio.AbstractEventLoop, connection: socket.socket
    ) -> None:
        config = self.config

        def protocol() -> asyncio.Protocol:
            return config.http_protocol_class(  # type: ignore[call-arg]
                config=config, server_state=self.server_state, app_state=self.lifespan.state
            )

        try:
            await loop.connect_accepted_socket(protocol, connection)
        except OSError:  # the client left before the transport was made
            connection.close()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        asyncio.get_running_loop().remove_reader(self.listener.fileno())
        await super().shutdown(sockets=sockets)


def main(fd: int) -> None:
    listener = socket.socket(fileno=fd)  # family, type and protocol read from the descriptor
    config = uvicorn.Config(
        "config.asgi:application",
        access_log=False,
        lifespan="off",
        loop=os.environ.get("WEB_LOOP") or "uvloop",  # as start.sh serves it
        proxy_headers=False,
        ws_per_message_deflate=False,  # as start.sh serves it (see there)
        log_config="deploy/uvicorn-logging.json",
    )
    OneAtATimeServer(config, listener).run()


if __name__ == "__main__":
    main(int(sys.argv[1]))
