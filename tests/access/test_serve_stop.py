"""`getpower serve` stopped by a signal takes Voila and its kernels down with it (serve.supervise)."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

# stands for Voila: starts a "kernel" (a grandchild) and, like Voila, ignores SIGTERM
FAKE_VOILA = textwrap.dedent("""\
    import signal, subprocess, sys, time
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    kernel = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    print(kernel.pid, flush=True)
    time.sleep(600)
""")
SUPERVISOR = textwrap.dedent("""\
    import sys
    from getpower.serve import supervise
    sys.exit(supervise([sys.executable, "-c", sys.argv[1]], {"PATH": ""}, grace=1.0))
""")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by its orphaned parent) counts as gone
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(")")[-1].split()[0] != "Z"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_voila_and_its_kernels(sig):
    proc = subprocess.Popen([sys.executable, "-c", SUPERVISOR, FAKE_VOILA], stdout=subprocess.PIPE, text=True)
    kernel = int(proc.stdout.readline())
    assert alive(kernel)
    proc.send_signal(sig)
    assert proc.wait(timeout=20) == 128 + sig
    deadline = time.monotonic() + 10
    while alive(kernel) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(kernel)
