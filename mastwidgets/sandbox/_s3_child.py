"""The S3 server child process: ``python -m mastwidgets.sandbox._s3_child HOST PORT``.

Prints ``PORT <n>`` once moto's server listens, and stops when its standard
input closes (the parent stopped or died).
"""

import logging
import sys


def _serve(host: str, port: int) -> None:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    print(f"PORT {server.get_host_and_port()[1]}", flush=True)
    sys.stdin.read()  # until the parent closes our stdin, or dies
    server.stop()


if __name__ == "__main__":
    _serve(sys.argv[1], int(sys.argv[2]))
