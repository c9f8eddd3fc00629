"""The grader's kernel client (``workbook.kernel_client``) and kernel lifetimes (``kernel_run.discard``).

The client is ready without jupyter_client's fixed 0.2 s IOPub drain; what must still hold is what
the drain was for: the first output of the first cell is never lost. Kernels are booted the way a
grading worker boots them (warm when the machine allows, else cold), many in a row in one process,
which once hung in pyzmq when an old kernel's context was left to the garbage collector.
"""

from __future__ import annotations

import asyncio
import subprocess
from concurrent.futures import ThreadPoolExecutor
import sys
import textwrap

import pytest
from jupyter_client.manager import AsyncKernelManager

from workbook.kernel_client import ReadyClient

MANY = textwrap.dedent('''
    import asyncio, sys, tempfile, faulthandler
    from pathlib import Path
    faulthandler.dump_traceback_later(150, exit=True)  # a hang fails the test with a traceback
    from workbook import kernel_run
    from workbook.sandbox import probe

    async def first_output(km, text):
        kc = km.client()
        assert kc.context is km.context
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=60)
            msg_id = kc.execute(f"print({text!r})")
            seen = []
            while True:
                msg = await kc.get_iopub_msg(timeout=30)
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                if msg["msg_type"] == "stream":
                    seen.append(msg["content"]["text"])
                if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    return "".join(seen)
        finally:
            kc.stop_channels()

    spec = kernel_run.BoxSpec(Path(tempfile.mkdtemp(prefix="wb-kc-", dir="/tmp")), (), 2048, probe(2048), ("workbook",))
    for n in range(int(sys.argv[1])):
        box, km = kernel_run.kernel_for(spec)
        got = asyncio.run(first_output(km, f"round {n}"))
        assert got == f"round {n}\\n", (n, got)
        kernel_run.discard(km)
        assert km.context.closed
    kernel_run.discard_spares()
    print("forked" if km.workbook_forked else "cold", "ok")
''')


# Kernels started and dropped one after another, each manager made in this thread: with
# ``kernel_run.kill`` in place of ``discard`` this hangs at about the fifth kernel, inside pyzmq's
# ``Context.term`` run by the garbage collector in a channel thread (checked by hand: 2 of 2 runs).
BOOTS = textwrap.dedent('''
    import asyncio, secrets, subprocess, sys, tempfile, faulthandler
    from pathlib import Path
    faulthandler.dump_traceback_later(150, exit=True)
    from workbook import kernel_run
    from workbook.sandbox import Box, kernel_env, probe

    spec = kernel_run.BoxSpec(Path(tempfile.mkdtemp(prefix="wb-kc-", dir="/tmp")), (), 2048, probe(2048), ("workbook",))
    zygote = kernel_run._zygote(spec)
    for n in range(12):
        home = (zygote.kernels if zygote else spec.workroot) / secrets.token_hex(8)
        for sub in ("work", "kernel", "ipython"):
            (home / sub).mkdir(parents=True)
        box = Box(home=home, cwd=home / "work", hide=spec.hide, memory_mb=spec.memory_mb, isolation=spec.isolation)
        km = kernel_run._kernel_manager(box, zygote)
        asyncio.run(km.start_kernel(env=kernel_env(home), cwd=str(box.cwd), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL))
        asyncio.run(kernel_run._ready(km))
        kernel_run.discard(km)
    kernel_run.discard_spares()
    print("ok")
''')


def test_kernels_dropped_one_after_another_do_not_hang_the_process() -> None:
    result = subprocess.run([sys.executable, "-P", "-c", BOOTS], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split()[-1] == "ok"


def test_many_kernels_in_one_process_each_ready_with_its_first_output() -> None:
    result = subprocess.run([sys.executable, "-P", "-c", MANY, "8"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split()[-1] == "ok"


class _Command(AsyncKernelManager):
    """A kernel manager whose "kernel" is any command: one that exits, or one that never answers."""

    command: list[str] = []

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        return [part.replace("{connection_file}", self.connection_file) for part in self.command]


async def _wait(command: list[str], timeout: float) -> str:
    km = _Command(kernel_name="python3")
    km.command = command
    km.client_factory = ReadyClient
    await km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        await kc.wait_for_ready(timeout=timeout)
        return "ready"
    except RuntimeError as err:
        return str(err)
    finally:
        kc.stop_channels()
        await km.shutdown_kernel(now=True)


def _run(coro: object) -> str:
    """Run a coroutine on a fresh loop in its own thread (an earlier test may leave a loop running in this one)."""
    with ThreadPoolExecutor(1) as one:
        return one.submit(asyncio.run, coro).result()


@pytest.mark.parametrize("command, expected", [
    ([sys.executable, "-c", "pass"], "Kernel died before replying to kernel_info"),
    ([sys.executable, "-c", "import time; time.sleep(60)"], "Kernel didn't respond in 2 seconds"),
])
def test_a_kernel_that_dies_or_never_answers_is_an_error_not_a_hang(command: list[str], expected: str) -> None:
    assert _run(asyncio.wait_for(_wait(command, 2.0), 60)) == expected


def test_a_real_kernel_is_ready_and_answers() -> None:
    assert _run(asyncio.wait_for(_wait([sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"], 60),
                                 120)) == "ready"
