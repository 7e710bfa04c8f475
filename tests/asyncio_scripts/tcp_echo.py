"""A TCP echo server and four concurrent clients on muos.asyncio streams
(loopback): run under CPython (HostPort) and on the unix firmware build
(MicroPython 1.27, MachinePort: select.poll) by
tests/test_asyncio_upstream.py, which writes a free port number for PORT
first. Prints what each client got back."""

import muos.asyncio as asyncio

PORT = 0  # the test writes a free port number here


async def handle(r, w):
    while True:
        line = await r.readline()
        if not line:
            break
        w.write(line.upper())
        await w.drain()
    await w.wait_closed()


async def client(i, port):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    out = []
    for j in range(3):
        w.write(b"hello %d %d\n" % (i, j))
        await w.drain()
        out.append(await r.readline())
    w.write(b"x" * 20000 + b"\n")
    await w.drain()
    big = await r.readexactly(20001)
    await w.wait_closed()
    return out, len(big), big[:3]


async def main():
    srv = await asyncio.start_server(handle, "127.0.0.1", PORT, backlog=8)
    res = await asyncio.gather(*[client(i, PORT) for i in range(4)])
    srv.close()
    await srv.wait_closed()
    return res


for out, n, head in asyncio.run(main()):
    print(out, n, head)
