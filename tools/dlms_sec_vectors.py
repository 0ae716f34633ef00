#!/usr/bin/env python3
"""Vectors of tests/test_dlms_sec.c, computed with the Python `cryptography` package (AES-GCM,
AES key wrap), independently of the library: the client's requests (AARQ with a glo-
initiateRequest, pass 3, ciphered GETs, key transfer) and the server's expected answers
(glo-initiateResponse, f(CtoS), glo-get-responses), requests under the broadcast key (SC 0x70),
security_activate and general-glo-ciphering. Green Book (DLMS UA 1000-2) 9.2.7: suite 0,
IV = system title || IC, AAD = SC || AK [|| challenge], 12-byte tag. Run: python3 this > out."""
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_wrap

GUEK = bytes(range(16))                      # Green Book test keys
GAK = bytes(range(0xD0, 0xE0))
KEK = bytes(range(16))
OTHER = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
CLIENT = bytes.fromhex("4D4D4D0000BC614E")   # "MMM" + 12345678
SERVER = b"KAME" + (27581522).to_bytes(4, "big")  # 4B414D4501A4DC52
CTOS = b"ABCDEFGHIJKLMNOP"
STOC = bytes(range(0x10, 0x20))              # the test's entropy
SIC0 = 0x100                                 # the server's first IC in the test


def gcm(key, ak, title, ic, sc, pt, extra=b""):
    iv = title + ic.to_bytes(4, "big")
    out = AESGCM(key).encrypt(iv, pt, bytes([sc]) + ak + extra)
    return out[:-16], out[-16:-4]            # ciphertext, 12-byte tag


def glo(tag, key, ak, title, ic, pt):
    ct, t = gcm(key, ak, title, ic, 0x30, pt)
    body = bytes([0x30]) + ic.to_bytes(4, "big") + ct + t
    return bytes([tag]) + ber(len(body)) + body


def ber(n):
    return bytes([n]) if n < 0x80 else bytes([0x81, n]) if n < 0x100 else bytes([0x82]) + n.to_bytes(2, "big")


def f(key, ak, title, ic, challenge):
    _, t = gcm(key, ak, title, ic, 0x10, b"", challenge)
    return bytes([0x10]) + ic.to_bytes(4, "big") + t


def aarq(key, ic, ctos=CTOS):
    init = bytes.fromhex("01000000065F1F040000FE1F0400")
    g = glo(0x21, key, GAK, CLIENT, ic, init)
    ui = bytes([0x04, len(g)]) + g
    body = (bytes.fromhex("A109060760857405080103") + bytes([0xA6, 0x0A, 0x04, 0x08]) + CLIENT +
            bytes.fromhex("8A0207808B0760857405080205") + bytes([0xAC, len(ctos) + 2, 0x80, len(ctos)]) +
            ctos + bytes([0xBE, len(ui)]) + ui)
    return bytes([0x60, len(body)]) + body


def hx(b):
    return b.hex().upper()


def pass3(ic, key=GUEK):
    fs = f(key, GAK, CLIENT, ic, STOC)
    return bytes.fromhex("C301C1000F0000280000FF0101091" + "1") + fs


print("AARQ_IC1", hx(aarq(GUEK, 1)))
print("AARQ_OTHER_KEY_IC1", hx(aarq(OTHER, 1)))
print("AARQ_IC5", hx(aarq(GUEK, 5)))
print("AARQ_IC3", hx(aarq(GUEK, 3)))
init_rsp = bytes.fromhex("0800065F1F0400001E1D03F20007")  # conformance 001E1D: LLS set & client 00FE1F
print("GLO_INIT_RSP_SIC0", hx(glo(0x28, GUEK, GAK, SERVER, SIC0, init_rsp)))
print("PASS3_PLAIN_IC2", hx(pass3(2)))
print("PASS3_GLO_IC2", hx(glo(0xCB, GUEK, GAK, CLIENT, 3, pass3(2))))
print("PASS3_BAD_IC2", hx(pass3(2, OTHER)))
print("F_CTOS_SIC1", hx(f(GUEK, GAK, SERVER, SIC0 + 1, CTOS)))
pass4 = bytes.fromhex("C701C1000100091" + "1") + f(GUEK, GAK, SERVER, SIC0 + 1, CTOS)
print("PASS4_PLAIN", hx(pass4))
print("PASS4_GLO_SIC2", hx(glo(0xCF, GUEK, GAK, SERVER, SIC0 + 2, pass4)))
get_ln = bytes.fromhex("C001C1000F0000280000FF0100")   # Association LN attribute 1
rsp_ln = bytes.fromhex("C401C100090600002800 00FF".replace(" ", ""))
print("GLO_GET_LN_IC3", hx(glo(0xC8, GUEK, GAK, CLIENT, 3, get_ln)))
print("GLO_GET_LN_IC4", hx(glo(0xC8, GUEK, GAK, CLIENT, 4, get_ln)))
print("GLO_RSP_LN_SIC2", hx(glo(0xCC, GUEK, GAK, SERVER, SIC0 + 2, rsp_ln)))
print("GLO_RSP_LN_SIC3", hx(glo(0xCC, GUEK, GAK, SERVER, SIC0 + 3, rsp_ln)))
# Association LN attribute 6 (mechanism) and 4 (context) in this association: HLS-GMAC (5) and
# LN with ciphering (3), Blue Book IC 15: structure {2, 16, 756, 5, 8, 2 or 1, id}
get_mech = bytes.fromhex("C001C1000F0000280000FF0600")
rsp_mech = bytes.fromhex("C401C100" "0207" "1102" "1110" "1202F4" "1105" "1108" "1102" "1105")
get_ctx = bytes.fromhex("C001C1000F0000280000FF0400")
rsp_ctx = bytes.fromhex("C401C100" "0207" "1102" "1110" "1202F4" "1105" "1108" "1101" "1103")
print("GLO_GET_MECH_IC4", hx(glo(0xC8, GUEK, GAK, CLIENT, 4, get_mech)))
print("GLO_RSP_MECH_SIC3", hx(glo(0xCC, GUEK, GAK, SERVER, SIC0 + 3, rsp_mech)))
print("GLO_GET_CTX_IC5", hx(glo(0xC8, GUEK, GAK, CLIENT, 5, get_ctx)))
print("GLO_RSP_CTX_SIC4", hx(glo(0xCC, GUEK, GAK, SERVER, SIC0 + 4, rsp_ctx)))
get_title = bytes.fromhex("C001C100400000 2B0000FF0500".replace(" ", ""))  # security setup attr 5
rsp_title = bytes.fromhex("C401C1000908") + SERVER
print("GLO_GET_SST_IC3", hx(glo(0xC8, GUEK, GAK, CLIENT, 3, get_title)))
print("GLO_RSP_SST_SIC2", hx(glo(0xCC, GUEK, GAK, SERVER, SIC0 + 2, rsp_title)))
# key transfer: new GUEK and GAK wrapped under the KEK (RFC 3394)
NEW_EK = bytes.fromhex("A0A1A2A3A4A5A6A7A8A9AAABACADAEAF")
NEW_AK = bytes.fromhex("B0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF")
wek, wak = aes_key_wrap(KEK, NEW_EK), aes_key_wrap(KEK, NEW_AK)
params = bytes([0x01, 0x02, 0x02, 0x02, 0x16, 0x00, 0x09, 0x18]) + wek + bytes([0x02, 0x02, 0x16, 0x02, 0x09, 0x18]) + wak
kt = bytes.fromhex("C301C100400000 2B0000FF0201".replace(" ", "")) + params
print("WRAPPED_EK", hx(wek))
print("WRAPPED_AK", hx(wak))
print("GLO_KEY_TRANSFER_IC3", hx(glo(0xCB, GUEK, GAK, CLIENT, 3, kt)))
kt_rsp = bytes.fromhex("C701C10000")
# the answer is sealed under the old keys; the new ones serve from the next request on
print("GLO_KT_RSP_SIC2", hx(glo(0xCF, GUEK, GAK, SERVER, SIC0 + 2, kt_rsp)))
# a transfer whose second key does not unwrap (its first byte changed): other-reason (250),
# nothing changes
bad_wak = bytes([wak[0] ^ 0x01]) + wak[1:]
params_bad = bytes([0x01, 0x02, 0x02, 0x02, 0x16, 0x00, 0x09, 0x18]) + wek + bytes([0x02, 0x02, 0x16, 0x02, 0x09, 0x18]) + bad_wak
kt_bad = bytes.fromhex("C301C100400000 2B0000FF0201".replace(" ", "")) + params_bad
print("GLO_KEY_TRANSFER_BAD_IC3", hx(glo(0xCB, GUEK, GAK, CLIENT, 3, kt_bad)))
print("GLO_KT_BAD_RSP_SIC2", hx(glo(0xCF, GUEK, GAK, SERVER, SIC0 + 2, bytes.fromhex("C701C1FA00"))))
# then a new association with the new keys
init = bytes.fromhex("01000000065F1F040000FE1F0400")
g = glo(0x21, NEW_EK, NEW_AK, CLIENT, 4, init)
ui = bytes([0x04, len(g)]) + g
body = (bytes.fromhex("A109060760857405080103") + bytes([0xA6, 0x0A, 0x04, 0x08]) + CLIENT +
        bytes.fromhex("8A0207808B0760857405080205") + bytes([0xAC, len(CTOS) + 2, 0x80, len(CTOS)]) +
        CTOS + bytes([0xBE, len(ui)]) + ui)
print("AARQ_NEWKEYS_IC4", hx(bytes([0x60, len(body)]) + body))
print("GLO_INIT_RSP_NEWKEYS_SIC3", hx(glo(0x28, NEW_EK, NEW_AK, SERVER, SIC0 + 3, init_rsp)))
print("PASS3_NEWKEYS_IC5", hx(bytes.fromhex("C301C1000F0000280000FF01010911") + f(NEW_EK, NEW_AK, CLIENT, 5, STOC)))
# Association LN attribute 9 security_setup_reference in the management association: the
# logical name of its security setup, octet-string 0.0.43.0.0.255 (Blue Book IC 15)
get_ssr = bytes.fromhex("C001C1000F0000280000FF0900")
rsp_ssr = bytes.fromhex("C401C100" "0906" "00002B0000FF")
print("GLO_GET_SSR_IC3", hx(glo(0xC8, GUEK, GAK, CLIENT, 3, get_ssr)))
print("GLO_RSP_SSR_SIC2", hx(glo(0xCC, GUEK, GAK, SERVER, SIC0 + 2, rsp_ssr)))
# The broadcast key (Green Book 9.2.7.2: security control byte bit 6, key set, 1 = broadcast):
# a glo- request with SC 0x70 is sealed with the GBEK (C0..CF here) and the GAK, SC 0x70 in the
# AAD; the IC is the client's one sequence. The answer is sealed with the GUEK, SC 0x30: the same
# bytes as GLO_RSP_LN_SIC2 / _SIC3 above.
GBEK = bytes(range(0xC0, 0xD0))


def glo_sc(tag, sc, key, ak, title, ic, pt):
    ct, t = gcm(key, ak, title, ic, sc, pt)
    body = bytes([sc]) + ic.to_bytes(4, "big") + ct + t
    return bytes([tag]) + ber(len(body)) + body


print("GLO_GET_LN_BC_IC3", hx(glo_sc(0xC8, 0x70, GBEK, GAK, CLIENT, 3, get_ln)))
print("GLO_GET_LN_BC_IC4", hx(glo_sc(0xC8, 0x70, GBEK, GAK, CLIENT, 4, get_ln)))
# key set = broadcast, but sealed with the unicast key: the tag does not check
print("GLO_GET_LN_BC_GUEK_IC3", hx(glo_sc(0xC8, 0x70, GUEK, GAK, CLIENT, 3, get_ln)))
# global_key_transfer of the broadcast key (key_id 1): new GBEK E0..EF wrapped under the KEK
NEW_BK = bytes(range(0xE0, 0xF0))
wbk = aes_key_wrap(KEK, NEW_BK)
kt_bk = (bytes.fromhex("C301C100400000 2B0000FF0201".replace(" ", "")) +
         bytes([0x01, 0x01, 0x02, 0x02, 0x16, 0x01, 0x09, 0x18]) + wbk)
print("GLO_KT_GBEK_IC3", hx(glo(0xCB, GUEK, GAK, CLIENT, 3, kt_bk)))
print("GLO_GET_LN_NEWBC_IC4", hx(glo_sc(0xC8, 0x70, NEW_BK, GAK, CLIENT, 4, get_ln)))
print("GLO_GET_LN_BC_IC5", hx(glo_sc(0xC8, 0x70, GBEK, GAK, CLIENT, 5, get_ln)))
# security_activate (method 1), argument security_policy enum (Blue Book IC 64 v0)
for name, arg in (("3", "1603"), ("1", "1601"), ("U3", "1103")):
    act = bytes.fromhex("C301C100400000 2B0000FF0101".replace(" ", "") + arg)
    print("GLO_ACTIVATE_%s_IC3" % name, hx(glo(0xCB, GUEK, GAK, CLIENT, 3, act)))
for name, res in (("OK", "00"), ("OTHER", "FA"), ("TYPE", "0C")):
    print("GLO_ACTIVATE_RSP_%s_SIC2" % name, hx(glo(0xCF, GUEK, GAK, SERVER, SIC0 + 2,
                                                    bytes.fromhex("C701C1" + res + "00"))))
get_pol = bytes.fromhex("C001C100400000 2B0000FF0200".replace(" ", ""))  # attribute 2
print("GLO_GET_POLICY_IC4", hx(glo(0xC8, GUEK, GAK, CLIENT, 4, get_pol)))
print("GLO_RSP_POLICY_SIC3", hx(glo(0xCC, GUEK, GAK, SERVER, SIC0 + 3, bytes.fromhex("C401C1001603"))))
# general-glo-ciphering (DB, Green Book 9.2.7.2: tag, system title 08 || ST, content SC || IC ||
# ciphertext || T), taken once general-protection (conformance bit 1) is negotiated: an AARQ
# proposing 40FE1F, the AARE's glo-initiateResponse with 401E1D; the answer in kind with the
# server's system title.
init_gp = bytes.fromhex("01000000065F1F040040FE1F0400")
g = glo(0x21, GUEK, GAK, CLIENT, 1, init_gp)
ui = bytes([0x04, len(g)]) + g
body = (bytes.fromhex("A109060760857405080103") + bytes([0xA6, 0x0A, 0x04, 0x08]) + CLIENT +
        bytes.fromhex("8A0207808B0760857405080205") + bytes([0xAC, len(CTOS) + 2, 0x80, len(CTOS)]) +
        CTOS + bytes([0xBE, len(ui)]) + ui)
print("AARQ_GP_IC1", hx(bytes([0x60, len(body)]) + body))
gi = glo(0x28, GUEK, GAK, SERVER, SIC0, bytes.fromhex("0800065F1F0400401E1D03F20007"))
aare_body = (bytes.fromhex("A109060760857405080103A203020100A305A10302010EA40A0408") + SERVER +
             bytes.fromhex("880207808907608574050802 05".replace(" ", "")) +
             bytes.fromhex("AA1280") + bytes([len(STOC)]) + STOC + bytes([0xBE, len(gi) + 2, 0x04, len(gi)]) + gi)
print("AARE_GP_SIC0", hx(bytes([0x61, len(aare_body)]) + aare_body))


def gen(title, key, ic, pt, sc=0x30):
    ct, t = gcm(key, GAK, title, ic, sc, pt)
    content = bytes([sc]) + ic.to_bytes(4, "big") + ct + t
    return bytes([0xDB, 0x08]) + title + ber(len(content)) + content


print("GEN_GET_LN_IC3", hx(gen(CLIENT, GUEK, 3, get_ln)))
print("GEN_RSP_LN_SIC2", hx(gen(SERVER, GUEK, SIC0 + 2, rsp_ln)))
OTHER_TITLE = bytes.fromhex("4D4D4D0000BC614F")
print("GEN_GET_LN_OTHER_TITLE_IC3", hx(gen(OTHER_TITLE, GUEK, 3, get_ln)))
act3 = bytes.fromhex("C301C100400000 2B0000FF0101".replace(" ", "") + "1603")
print("GEN_ACTIVATE_3_IC4", hx(gen(CLIENT, GUEK, 4, act3)))
print("GEN_ACTIVATE_RSP_OK_SIC3", hx(gen(SERVER, GUEK, SIC0 + 3, bytes.fromhex("C701C10000"))))
# the broadcast key in general-glo-ciphering too (SC 0x70)
print("GEN_GET_LN_BC_IC5", hx(gen(CLIENT, GBEK, 5, get_ln, 0x70)))
print("GEN_RSP_LN_SIC4", hx(gen(SERVER, GUEK, SIC0 + 4, rsp_ln)))
