"""The grader's kernel client: ready as soon as the kernel is, with no fixed wait.

jupyter_client's ``wait_for_ready`` sends ``kernel_info`` until it is answered and a first IOPub
message has arrived, then drains IOPub until 0.2 s pass without a message: every kernel start waits
those 0.2 s (twice per submission in the grader: once when a kernel is booted, once when nbclient
connects to it). The drain only clears old messages, and nbclient ignores any IOPub message that is
not about a request it made. So this client stops where the proof is: the kernel has answered on
the shell channel, and a message has arrived on IOPub, which shows the subscription is live
(ZeroMQ drops what a kernel publishes before a subscriber is connected, so a client that started
executing before that could lose the first outputs). The first request's status messages are
usually published before the subscription is live; the request is sent again after a short wait
that doubles each time (10 ms, 20 ms, ... up to a second), each answer bringing new ones.
"""

from __future__ import annotations

import time
from queue import Empty
from typing import Any

from jupyter_client.asynchronous.client import AsyncKernelClient

FIRST_WAIT, LAST_WAIT = 0.01, 1.0  # seconds to wait for IOPub after a reply, doubling between rounds


class ReadyClient(AsyncKernelClient):
    """An asynchronous kernel client whose :meth:`wait_for_ready` returns when the kernel has
    answered ``kernel_info`` and IOPub has delivered a message since."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:  # type: ignore[override]
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        wait = FIRST_WAIT
        while True:
            msg_id = self.kernel_info()
            reply = await self._reply(msg_id, min(LAST_WAIT, max(0.0, deadline - time.monotonic())))
            if reply is not None and await self._iopub_live(wait):
                self._handle_kernel_info_reply(reply)
                return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")
            wait = min(2 * wait, LAST_WAIT)

    async def _reply(self, msg_id: str, wait: float) -> dict[str, Any] | None:
        """The kernel_info reply to ``msg_id`` (older replies are skipped), or None after ``wait`` s."""
        end = time.monotonic() + wait
        while (left := end - time.monotonic()) > 0:
            try:
                msg = await self.shell_channel.get_msg(timeout=left)
            except Empty:
                return None
            if msg["msg_type"] == "kernel_info_reply" and msg["parent_header"].get("msg_id") == msg_id:
                return msg
        return None

    async def _iopub_live(self, wait: float) -> bool:
        """True when a message arrives on IOPub within ``wait`` seconds."""
        try:
            await self.iopub_channel.get_msg(timeout=wait)
        except Empty:
            return False
        return True
