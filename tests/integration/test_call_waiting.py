# SPDX-License-Identifier: GPL-2.0-or-later
"""Call waiting on FXS ports (gateway/cw.h) with call-waiting caller ID,
seen from the simulated phone (linesim/cw.h: SAS, CAS, its ACK 'D', the
off-hook FSK) and from two SIPp callers: the waiting call gets 180, the
phone's hook-flash answers it and holds the other (re-INVITE a=sendonly),
another flash swaps back; hanging up with a call on hold rings again."""
import re
import time

from gwtest import wait_until
from peers import sipp, sipp_messages
from test_calls import FXS1, FXS2, Rig, free_udp, free_udp_even


def edit(extra1="", extra2=""):
    """Echo canceller off (the phone's tone comes back through SIPp's
    -rtp_echo: a steady echo a canceller would learn), per-port keys."""
    def f(text):
        for t in ('type = "fxo";', 'type = "fxs";'):
            text = text.replace(t, t + " echo_canceller = false;")
        text = text.replace('extension = "201";',
                            'extension = "201"; %s' % extra1, 1)
        return text.replace('extension = "202";',
                            'extension = "202"; %s' % extra2, 1)
    return f


def caller(tmp, r, scenario, ext, num, name, tag, echo=False, d=3000):
    mp = free_udp_even()
    extra = ["-d", str(d), "-key", "rtp_port", str(mp), "-key", "cid_num",
             num, "-key", "cid_name", name]
    if echo:
        extra.append("-rtp_echo")
    return sipp(tmp, scenario, r.uri, ext, free_udp(), media_port=mp,
                name=tag, extra=extra, limit=120)


def cw(r, port):
    return r.ls.cmd("cw %d" % port)


def hears(r, port):
    h = r.ls.cmd("hears %d" % port)
    return int(h["freq"]), float(h["level"])


def answer_first(tmp, r, port, name, ext, tag, held=True):
    """A calls ext, the phone answers: the call in progress. held: A
    expects to be held and resumed (uac_cw_held), else it stays until it
    is stopped (uac_media with a long -d)."""
    if held:
        a = caller(tmp, r, "uac_cw_held.xml", ext, "5550001", "FIRST", tag)
    else:
        a = sipp(tmp, "uac_media.xml", r.uri, ext, free_udp(),
                 media_port=free_udp_even(), name=tag, limit=120,
                 extra=["-d", "60000", "-key", "rtp_port",
                        str(free_udp_even()), "-key", "fmts", "0",
                        "-key", "attr", "a=sendrecv"])
    r.ls.wait_status(port, "state", "ringing", 15)
    r.ls.cmd("offhook %d" % port)
    r.gw.wait_port(name, "talking", 10)
    return a


def test_call_waiting_bell_swap_and_reminder(tmp):
    """fxs1 (Bell caller ID): SIPp A is answered by the phone; SIPp B calls
    the same extension and gets 180; the phone hears the SAS and the CAS,
    ACKs with 'D' and decodes B's number, name and date from the off-hook
    FSK. The phone flashes: B gets 200 and hears the phone (its tone comes
    back through B's echo), A gets a hold re-INVITE (a=sendonly). Another
    flash: A resumed (a=sendrecv), B held; A hangs up; the phone hangs up
    and is rung again for B (reminder); picking up resumes B. The media
    threads allocate nothing throughout (tests/alloccount.c)."""
    from gwtest import alloccount_env, alloccount_result
    with Rig(tmp, conf_edit=edit(), extra_env=alloccount_env(tmp)) as r:
        r.ls.cmd("auto %d off" % FXS1)
        a = answer_first(tmp, r, FXS1, "fxs1", "201", "cw_a")
        r.ls.cmd("play %d tone 1000 -10" % FXS1)
        b = caller(tmp, r, "uac_cw_waiting.xml", "201", "5551234",
                   "ALICE SMITH", "cw_b", echo=True)
        wait_until(lambda: cw(r, FXS1)["msgs"] == "1", 15,
                   what="the phone to decode the call-waiting caller ID")
        k = cw(r, FXS1)
        # the gateway logs the FSK when the card has sent its last sample:
        # the phone may have decoded the message a moment before that
        sent = re.compile(r"call-waiting caller ID: ACK 'D' (\d+) ms after "
                          r"the CAS, (\S+) FSK sent \((\d+) ms\)")
        try:
            wait_until(lambda: sent.search(r.gw.log()), 5,
                       what="the gateway to log the FSK sent")
        except AssertionError:
            pass
        log = r.gw.log()
        m = sent.search(log)
        print("phone: SAS %s, CAS %s (%s ms), ACKs %s; %s FSK: number %s "
              "name %s date %s, decoded %s ms after the CAS end" %
              (k["sas"], k["cas"], k["cas_ms"], k["acks"], k["std"],
               k["number"], k["name"], k["date"], k["data_ms"]))
        assert m, log[-3000:]
        print("gateway: ACK detected %s ms after the CAS end, %s FSK %s ms"
              % m.groups())
        assert "SIP/2.0 180" in sipp_messages(tmp, "cw_b")
        assert k["sas"] == "1" and k["cas"] == "1" and k["acks"] == "1", k
        assert 60 <= int(k["cas_ms"]) <= 100, k
        assert k["std"] == "bell202", k
        assert k["number"] == "5551234" and k["name"] == "ALICE_SMITH", k
        assert len(k["date"]) == 8, k
        assert int(m.group(1)) <= 200, m.group(0)
        # the phone still talks to A: no echo of its tone
        wait_until(lambda: hears(r, FXS1)[1] < -40, 5,
                   what="silence from A (no echo) after the data")
        print("connected to A (no echo): %.1f dBm0" % hears(r, FXS1)[1])

        # flash: B answered, A held
        r.ls.cmd("flash %d 400" % FXS1)
        wait_until(lambda: "a=sendonly" in sipp_messages(tmp, "cw_a"), 10,
                   what="A's hold re-INVITE")
        wait_until(lambda: abs(hears(r, FXS1)[0] - 1000) < 20 and
                   hears(r, FXS1)[1] > -16, 10,
                   what="the phone's tone back through B")
        f, lvl = hears(r, FXS1)
        print("after flash 1: B answered, phone hears %d Hz %.1f dBm0 "
              "through B's echo" % (f, lvl))
        assert "SIP/2.0 200" in sipp_messages(tmp, "cw_b")

        # flash again: back to A, B held
        time.sleep(1)
        r.ls.cmd("flash %d 400" % FXS1)
        wait_until(lambda: "a=sendonly" in sipp_messages(tmp, "cw_b"), 10,
                   what="B's hold re-INVITE")
        wait_until(lambda: "a=sendrecv" in sipp_messages(tmp, "cw_a"), 10,
                   what="A's resume re-INVITE")
        wait_until(lambda: hears(r, FXS1)[1] < -40, 10,
                   what="silence from A again")
        print("after flash 2: A resumed, phone hears %.1f dBm0" %
              hears(r, FXS1)[1])

        # A hangs up (-d 3000 after its resume); the phone hangs up:
        # reminder ring for B, picked up: B resumed
        assert a.wait(30) == 0, a.text()[-2000:]
        time.sleep(0.5)
        r.ls.cmd("onhook %d" % FXS1)
        r.ls.wait_status(FXS1, "state", "ringing", 10)
        r.ls.cmd("offhook %d" % FXS1)
        wait_until(lambda: sipp_messages(tmp, "cw_b").count("a=sendrecv")
                   >= 2, 10, what="B's resume re-INVITE")
        wait_until(lambda: abs(hears(r, FXS1)[0] - 1000) < 20, 10,
                   what="B's echo after the reminder ring")
        print("reminder ring answered: B resumed, phone hears %d Hz" %
              hears(r, FXS1)[0])
        assert b.wait(30) == 0, b.text()[-2000:]
        r.ls.cmd("onhook %d" % FXS1)
        r.gw.assert_all_idle()
        assert "ringing again for it" in r.gw.log()
    got = alloccount_result(tmp)
    print("media threads through call waiting (SAS, CAS, FSK, swaps): %s" % got)
    assert got == "allocs=0 frees=0", got


def test_call_waiting_off_and_no_ack(tmp):
    """fxs2 with call_waiting = false: a second call gets 486 as before.
    fxs1 with the phone's ACK off (cwack off): the SAS and CAS, no ACK,
    so no FSK; the waiting caller gives up (CANCEL) and the phone stays
    with A."""
    with Rig(tmp, conf_edit=edit(extra2="call_waiting = false;")) as r:
        for p in (FXS1, FXS2):
            r.ls.cmd("auto %d off" % p)
        # call waiting off: 486
        a2 = answer_first(tmp, r, FXS2, "fxs2", "202", "off_a", held=False)
        busy = sipp(tmp, "uac_expect_busy.xml", r.uri, "202", free_udp(),
                    media_port=free_udp_even(), name="off_b", limit=40)
        assert busy.wait(30) == 0, busy.text()[-2000:]
        print("call_waiting = false: second call answered %s" %
              re.findall(r"SIP/2.0 (4\d\d)", sipp_messages(tmp, "off_b")))
        assert cw(r, FXS2)["sas"] == "0"
        r.ls.cmd("onhook %d" % FXS2)

        # no ACK: SAS + CAS only, no FSK, the caller gives up
        r.ls.cmd("cwack %d off" % FXS1)
        a = answer_first(tmp, r, FXS1, "fxs1", "201", "noack_a", held=False)
        b = caller(tmp, r, "uac_cw_cancel.xml", "201", "5559876", "BOB",
                   "noack_b", d=4000)
        wait_until(lambda: cw(r, FXS1)["cas"] == "1" and
                   cw(r, FXS1)["listening"] == "0", 15,
                   what="CAS heard and the listening window over")
        assert b.wait(30) == 0, b.text()[-2000:]
        k = cw(r, FXS1)
        print("no ACK: SAS %s CAS %s acks %s msgs %s" %
              (k["sas"], k["cas"], k["acks"], k["msgs"]))
        assert k["sas"] == "1" and k["acks"] == "0" and k["msgs"] == "0", k
        log = r.gw.log()
        assert "no ACK within 200 ms of the CAS: no data sent" in log
        assert re.search(r"call \d+ waiting ended", log), log[-2000:]
        r.gw.wait_port("fxs1", "talking", 5)  # still with A
        r.ls.cmd("onhook %d" % FXS1)
        r.gw.assert_all_idle()
        for u in (a, a2):
            u.stop()  # their BYE never came: the phones hung up


def test_call_waiting_etsi(tmp):
    """fxs2 with callerid = "etsi": the waiting call's alert is the SAS and
    the 80 ms off-hook DT-AS; the phone ACKs and decodes V.23 FSK."""
    with Rig(tmp, conf_edit=edit(extra2='callerid = "etsi";')) as r:
        r.ls.cmd("auto %d off" % FXS2)
        a = answer_first(tmp, r, FXS2, "fxs2", "202", "etsi_a", held=False)
        b = caller(tmp, r, "uac_cw_cancel.xml", "202", "4930123456",
                   "Erika Mustermann", "etsi_b", d=3000)
        wait_until(lambda: cw(r, FXS2)["msgs"] == "1", 15,
                   what="ETSI call-waiting caller ID decoded")
        k = cw(r, FXS2)
        print("ETSI: SAS %s, DT-AS %s ms, ACKs %s; %s FSK: number %s name "
              "%s, decoded %s ms after the DT-AS" %
              (k["sas"], k["cas_ms"], k["acks"], k["std"], k["number"],
               k["name"], k["data_ms"]))
        assert k["std"] == "etsi", k
        assert k["number"] == "4930123456", k
        assert k["name"] == "Erika_Mustermann", k
        assert b.wait(30) == 0, b.text()[-2000:]
        r.ls.cmd("onhook %d" % FXS2)
        r.gw.assert_all_idle()
        a.stop()
