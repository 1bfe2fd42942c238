# SPDX-License-Identifier: GPL-2.0-or-later
"""Kamailio as a registrar and stateful proxy on 127.0.0.1, for the trunk
tests and the call-rate benchmark (config: kamailio/kamailio.cfg; how to
run it headless: shared/docs/peers.md §3). Its own run directory and
binrpc socket in the test's scratch directory; ended by its PID."""
import os
import re
import subprocess

from gwtest import Proc, free_port, wait_until

KAM_CFG = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "kamailio", "kamailio.cfg")


class Kamailio:
    def __init__(self, tmp, auth=False, uas=None, port=None, limit=300,
                 shm_mb=256, addr="127.0.0.1"):
        """addr: the loopback address kamailio listens on (another one
        than the gateway's peers', e.g. 127.0.0.2, gives it an address
        of its own for address-based trust)."""
        self.port = port or free_port()
        self.addr = addr
        self.run = os.path.join(tmp, "kamrun")
        os.makedirs(self.run, exist_ok=True)
        self.ctl_sock = os.path.join(self.run, "ctl")
        argv = ["kamailio", "-f", KAM_CFG, "-DD", "-E", "-x", "tlsf",
                "-m", str(shm_mb), "-M", "16",
                "-Y", self.run, "-w", self.run,
                "-l", "udp:%s:%d" % (addr, self.port),
                "-A", 'CTL="unix:%s"' % self.ctl_sock]
        if auth:
            argv += ["-A", "WITH_AUTH"]
        if uas:
            argv += ["-A", 'UAS="%s"' % uas]
        self.proc = Proc(argv, os.path.join(tmp, "kamailio.log"), limit=limit)
        wait_until(lambda: self.ready() or not self.proc.alive(), 10,
                   what="kamailio control socket")
        if not self.proc.alive():
            raise AssertionError("kamailio exited:\n" + self.proc.text()[-3000:])

    def cmd(self, *args):
        r = subprocess.run(["kamcmd", "-s", "unix:" + self.ctl_sock] + list(args),
                           capture_output=True, text=True, timeout=10)
        return r.returncode, r.stdout + r.stderr

    def ready(self):
        return os.path.exists(self.ctl_sock) and self.cmd("core.uptime")[0] == 0

    def registered(self):
        """AOR -> list of contact URIs, from ul.dump."""
        rc, text = self.cmd("ul.dump")
        out = {}
        aor = None
        for line in text.splitlines():
            m = re.match(r"\s*AoR:\s*(\S+)", line)
            if m:
                aor = m.group(1)
                out.setdefault(aor, [])
                continue
            m = re.match(r"\s*Address:\s*(\S+)", line)
            if m and aor:
                out[aor].append(m.group(1))
        return out

    def register(self, tmp, user, password, contact_port):
        """A SIPp REGISTER (kam_reg.xml, digest) binds sip:USER@ to a
        contact on 127.0.0.1:contact_port; asserts the 200."""
        from peers import sipp
        reg = sipp(tmp, "kam_reg.xml", "%s:%d" % (self.addr, self.port), user,
                   free_port(), extra=["-au", user, "-ap", password,
                                       "-key", "contact_port", str(contact_port)],
                   limit=30)
        rc = reg.wait(20)
        assert rc == 0, "%s's REGISTER at kamailio failed (%s):\n%s\n%s" % (
            user, rc, reg.text()[-2000:], self.log()[-2000:])

    def tm_stats(self):
        rc, text = self.cmd("tm.stats")
        return dict(re.findall(r"(\w+):\s*(\d+)", text))

    def log(self):
        return self.proc.text()

    def stop(self):
        # -DD: the process we started is kamailio's main process
        return self.proc.stop()
