"""restmcp's launcher for a FastAPI (ASGI) app: runs it under uvicorn on a
free loopback port and prints that port as one JSON line on stdout.

argv: TARGET APP_DIR LOG_LEVEL. The socket is bound here (port 0), so there
is no race for the port. The app stops when restmcp does: restmcp holds the
other end of our stdin, and when it closes (restmcp exited, crashed or was
killed) we exit at once, so no server is left behind.
"""

import json
import os
import socket
import sys
import threading


def _exit_when_parent_goes() -> None:
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        os._exit(0)


def main() -> None:
    target, app_dir, log_level = sys.argv[1], sys.argv[2], sys.argv[3]
    threading.Thread(target=_exit_when_parent_goes, daemon=True).start()
    try:
        import uvicorn
    except ImportError:
        sys.stderr.write(
            f"restmcp: uvicorn is not installed for {sys.executable}; "
            "install it (pip install uvicorn) or pass --python with one that has it\n"
        )
        sys.exit(3)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sys.path.insert(0, os.path.abspath(app_dir))
    config = uvicorn.Config(target, log_level=log_level, lifespan="auto")
    server = uvicorn.Server(config)
    # Import the app before announcing the port, so an import error is
    # reported as such (and the port is only announced for a real server).
    config.load()
    sys.stdout.write(json.dumps({"port": port}) + "\n")
    sys.stdout.flush()
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
