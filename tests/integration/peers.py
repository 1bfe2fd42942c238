# SPDX-License-Identifier: GPL-2.0-or-later
"""Drivers for the gateway under test and the real SIP peers (SIPp,
baresip), all on 127.0.0.1, each bounded in time (see
shared/docs/peers.md for how these peers behave headless)."""
import glob
import os
import re
import shutil
import socket
import subprocess
import time

from gwtest import (BUILDDIR, SRCDIR, DBM0_RMS, Linesim, Proc, binpath,
                    free_port, wait_until, write_wav, sine)

SIPP_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sipp")


def free_udp_pair():
    """An even UDP port p with p+1 also free (RTP/RTCP)."""
    for _ in range(50):
        p = free_port()
        if p % 2:
            continue
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", p + 1))
            s.close()
            return p
        except OSError:
            continue
    raise AssertionError("no free UDP port pair")


class Gateway:
    """copperline on a config derived from etc/demo.conf: SIP on a free
    port, its own RTP range and control socket, FXS calls and FXO targets
    pointing at `peer_port`."""

    def __init__(self, tmp, linesim, peer_port=5070, trusted="127.0.0.1",
                 fxo_target_user="100", extra_env=None, limit=300,
                 conf_edit=None, log_level="debug"):
        self.tmp = tmp
        self.sip_port = free_port()
        self.control = os.path.join(tmp, "gw.sock")
        # below the ephemeral range (32768+) the peers' free ports come from;
        # run.py -j workers (GW_TEST_WORKER 0..2) get ranges of their own
        worker = int(os.environ.get("GW_TEST_WORKER", "0")) % 3
        base = 20000 + (worker * 40 + os.getpid() % 40) * 100
        with open(os.path.join(SRCDIR, "etc", "demo.conf")) as f:
            text = f.read()
        text = text.replace("127.0.0.1:5060", "127.0.0.1:%d" % self.sip_port)
        text = text.replace("127.0.0.1:5070", "127.0.0.1:%d" % peer_port)
        text = text.replace("sip:100@", "sip:%s@" % fxo_target_user)
        text = text.replace('"20000-20999"', '"%d-%d"' % (base, base + 99))
        text = re.sub(r'trusted = \[[^\]]*\]', 'trusted = [ "%s" ]' % trusted, text)
        if conf_edit:
            text = conf_edit(text)
        self.conf = os.path.join(tmp, "gw.conf")
        with open(self.conf, "w") as f:
            f.write(text)
        self.proc = Proc([binpath("copperline"), "-c", self.conf, "--card-device",
                          linesim.card, "--control-socket", self.control]
                         + (["-l", log_level] if log_level else []),
                         os.path.join(tmp, "gateway.log"), limit=limit, env=extra_env)
        wait_until(lambda: os.path.exists(self.control) or not self.proc.alive(), 10,
                   what="gateway control socket")
        if not self.proc.alive():
            raise AssertionError("gateway exited:\n" + self.proc.text())

    def ctl(self, *args):
        r = subprocess.run([binpath("copperctl"), "-s", self.control] + list(args),
                           capture_output=True, text=True, timeout=10)
        return r.returncode, r.stdout + r.stderr

    def status(self):
        rc, text = self.ctl("status")
        if rc != 0:
            raise AssertionError("copperctl status failed (%d): %s" % (rc, text))
        ports, calls, media = {}, {}, {}
        for line in text.splitlines():
            w = line.split()
            if not w:
                continue
            kv = dict(x.split("=", 1) for x in w[2:] if "=" in x)
            if w[0] == "port":
                ports[w[1]] = kv
            elif w[0] == "call":
                calls[w[1]] = kv
            elif w[0] == "media":
                media = dict(x.split("=", 1) for x in w[1:] if "=" in x)
        return {"ports": ports, "calls": calls, "media": media, "text": text}

    def port_state(self, name):
        return self.status()["ports"][name]["state"]

    def wait_port(self, name, state, timeout=10):
        return wait_until(lambda: self.port_state(name) == state, timeout,
                          what="port %s %s (now %s)" % (name, state, self.port_state(name)))

    def assert_all_idle(self, timeout=10):
        def idle():
            st = self.status()
            return (all(p["state"] == "idle" for p in st["ports"].values())
                    and not st["calls"])
        try:
            wait_until(idle, timeout, what="all ports idle and no calls")
        except AssertionError:
            raise AssertionError("not all idle:\n" + self.status()["text"])

    def log(self):
        return self.proc.text()

    def stop(self):
        rc = self.proc.stop()
        if rc not in (0, -15):
            raise AssertionError("gateway exited with %s:\n%s" % (rc, self.proc.text()[-3000:]))
        return rc


class GwRig:
    """copperline-linesim and the gateway on it, for a `with` block: both
    are stopped (and the gateway's exit status checked) at its end, and a
    failed start leaves nothing running. ls_kw go to Linesim (e.g. ports),
    the other keywords to Gateway (conf_edit, peer_port, ...); every port
    must be idle after the start."""

    def __init__(self, tmp, ls_kw=None, **kw):
        self.tmp = tmp
        self.ls = Linesim(tmp, **(ls_kw or {}))
        self.gw = None
        try:
            self.gw = Gateway(tmp, self.ls, **kw)
            self.gw.assert_all_idle(5)
        except BaseException:
            self.close()
            raise
        self.uri = "127.0.0.1:%d" % self.gw.sip_port

    def close(self):
        try:
            if self.gw:
                self.gw.stop()
        finally:
            self.ls.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

def sipp(tmp, scenario, remote, service, local_port, media_port=None, extra=(),
         limit=60, name=None):
    """Start SIPp (background) with a scenario from tests/integration/sipp."""
    name = name or os.path.splitext(scenario)[0]
    argv = ["sipp", remote, "-sf", os.path.join(SIPP_DIR, scenario), "-s", service,
            "-i", "127.0.0.1", "-mi", "127.0.0.1", "-p", str(local_port),
            "-ci", "127.0.0.1", "-cp", str(free_port()), "-m", "1",
            "-nostdin", "-trace_err", "-trace_msg",
            "-error_file", os.path.join(tmp, name + "_err.log"),
            "-message_file", os.path.join(tmp, name + "_msg.log")]
    if not remote:
        argv.remove(remote)
    if media_port:
        argv += ["-mp", str(media_port)]
    argv += list(extra)
    return Proc(argv, os.path.join(tmp, name + ".out"), limit=limit, cwd=tmp)


def sipp_messages(tmp, name):
    p = os.path.join(tmp, name + "_msg.log")
    return open(p, errors="replace").read() if os.path.exists(p) else ""


class Baresip:
    """A headless baresip (config as in shared/docs/peers.md §2.1)."""

    def __init__(self, tmp, name, source, channels=1, account="", limit=60,
                 seconds=None, dial=None, modules=(), codecs="PCMU/8000/1",
                 extra_config="", aor=None):
        """aor: "sip:USER@HOST:PORT" to register there (the account line
        then starts with it instead of the local address; `account`
        carries ;auth_pass=...;regint=N)."""
        self.dir = os.path.join(tmp, "baresip-" + name)
        os.makedirs(os.path.join(self.dir, "rec"), exist_ok=True)
        self.sip_port = free_port(socket.SOCK_STREAM)
        rtp = free_udp_pair()
        self.ctrl_port = free_port(socket.SOCK_STREAM)
        with open(os.path.join(self.dir, "config"), "w") as f:
            f.write("""poll_method		epoll
sip_listen		127.0.0.1:{sip}
net_interface		127.0.0.1
call_max_calls		4
audio_source		{source}
ausrc_srate		48000
ausrc_channels		{ch}
audio_buffer		20-160
rtp_ports		{rtp}-{rtp2}
rtcp_mux		no
jitter_buffer_delay	5-10
module_path		/usr/lib/baresip/modules
module			g711.so
module			aufile.so
module			ausine.so
module			sndfile.so
{mods}module_tmp		account.so
module_app		menu.so
module_app		ctrl_tcp.so
ctrl_tcp_listen		127.0.0.1:{ctrl}
snd_path		{rec}
statmode_default	off
{extra}""".format(sip=self.sip_port, source=source, ch=channels, rtp=rtp, rtp2=rtp + 9,
           ctrl=self.ctrl_port, rec=os.path.join(self.dir, "rec"),
           mods="".join("module\t\t\t%s\n" % m for m in modules),
           extra=extra_config))
        with open(os.path.join(self.dir, "accounts"), "w") as f:
            if aor:
                f.write("<%s>;audio_codecs=%s%s\n" % (aor, codecs, account))
            else:
                f.write("<sip:%s@127.0.0.1:%d>;regint=0;audio_codecs=%s%s\n"
                        % (name, self.sip_port, codecs, account))
        open(os.path.join(self.dir, "contacts"), "w").close()
        argv = ["baresip", "-f", self.dir]
        if seconds:
            argv += ["-t", str(seconds)]
        if dial:
            argv += ["-e", "/dial " + dial]
        self.proc = Proc(argv, os.path.join(tmp, "baresip-%s.log" % name), limit=limit)

    def wait(self, timeout):
        try:
            return self.proc.p.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("baresip did not end within %d s:\n%s"
                                 % (timeout, self.proc.text()[-2000:]))

    def recording(self):
        """Path of the received-audio recording (…-dec.wav)."""
        files = glob.glob(os.path.join(self.dir, "rec", "*-dec.wav"))
        if not files:
            raise AssertionError("baresip made no recording:\n" + self.proc.text()[-2000:])
        return sorted(files)[-1]

    def stop(self):
        return self.proc.stop()


def tone_wav(path, freq, level_dbm0, seconds, rate=48000):
    """A WAV for baresip's aufile: `freq` Hz at `level_dbm0` (G.711 scale)."""
    write_wav(path, sine(freq, level_dbm0, seconds, rate), rate)
    return path
