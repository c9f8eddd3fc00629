"""The process jupyter_client launches for a warm kernel (see :mod:`workbook.zygote`).

Run as a script with ``python -I -S`` (standard library only, no site-packages: it starts in a few
milliseconds): ``kernel_stub.py CONTROL_SOCKET REQUEST_JSON``. It asks the zygote for a kernel,
then waits and exits with the kernel's exit status. Killing it kills the kernel: the zygote sees
its connection close.
"""

import socket
import sys


def main(control: str, request: str) -> int:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(control)
    conn.sendall(request.encode() + b"\n")
    reply = conn.makefile("rb").readline().strip()
    try:
        code = int(reply)
    except ValueError:  # the zygote went away
        return 70
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
