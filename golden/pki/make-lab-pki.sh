#!/usr/bin/env bash
# make-lab-pki.sh OUTDIR - how the TEST-ONLY certificates of golden/pki/
# were made, ONCE, with openssl (3.0). They are committed: the lab
# transcripts replay byte for byte only with these very certificates and
# keys, so running this again makes different keys and breaks them (do it
# only to replace the whole set, then re-bless every transcript using it).
# The CAs' private keys are deleted at the end: nothing new can be issued.
#
# Dates are chosen against the lab's virtual clock, which starts at
# Sun Nov 22 14:37:44 2026 UTC (golden/src/lib.rs EPOCH):
#   valid certificates   2026-01-01 .. 2036-01-01
#   r2-expired           2025-11-01 .. 2026-11-01 (ended three weeks before the lab's clock)
#   crl.pem              lastUpdate 2026-11-01, nextUpdate 2036-11-01
set -euo pipefail
OUT=${1:?usage: make-lab-pki.sh OUTDIR}
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The CA configuration of the interop tests' PKI (tests/pki/make-test-ca.sh), read from there.
here=$(cd "$(dirname "$0")" && pwd)
sed -n "/^cat > ca.cnf <<'CNF'$/,/^CNF$/p" "$here/../../tests/pki/make-test-ca.sh" | sed '1d;$d' > "$work/ca.cnf"
mkdir -p "$work/newcerts"
cd "$work"
export SAN=IP:0.0.0.0
V1=20260101000000Z; V2=20360101000000Z
newca() { # name serial cn
  export CANAME=$1
  : > "$work/index-$1.txt"; echo "$2" > "$work/serial-$1"
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/$1.key" 2>/dev/null
  openssl req -new -key "$work/$1.key" -subj "/C=US/O=Edgesh Lab/CN=$3" -out "$work/$1.csr"
  openssl ca -batch -config ca.cnf -selfsign -keyfile "$work/$1.key" -in "$work/$1.csr" -out "$OUT/$1.pem" -notext \
    -extensions v3_ca -startdate $V1 -enddate $V2 2>/dev/null
}
leaf() { # name ca keyspec cn san start end
  export CANAME=$2 SAN=$5
  local key="$OUT/$1.TEST-ONLY.key"
  case $3 in
    rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$key" 2>/dev/null ;;
    p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$key" ;;
    p384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$key" ;;
  esac
  openssl req -new -key "$key" -subj "/C=US/O=Edgesh Lab/CN=$4" -out "$work/$1.csr"
  openssl ca -batch -config ca.cnf -cert "$OUT/$2.pem" -keyfile "$work/$2.key" -in "$work/$1.csr" -out "$OUT/$1.pem" -notext \
    -extensions v3_peer -startdate "$6" -enddate "$7" 2>/dev/null
}
newca ca 01 "Edgesh Lab Test CA"
newca other-ca 01 "Other Lab CA"
# The CA issues from serial 10: r1-rsa 10, r2-rsa 11, ... (in this order).
echo 10 > "$work/serial-ca"
leaf r1-rsa ca rsa r1.lab.example "IP:192.0.2.1,DNS:r1.lab.example" $V1 $V2
leaf r2-rsa ca rsa r2.lab.example "IP:192.0.2.2,DNS:r2.lab.example" $V1 $V2
leaf r1-ec ca p256 r1-ec.lab.example "IP:192.0.2.1,DNS:r1.lab.example" $V1 $V2
leaf r2-ec ca p384 r2-ec.lab.example "IP:192.0.2.2,DNS:r2.lab.example" $V1 $V2
leaf r2-expired ca rsa r2-expired.lab.example "IP:192.0.2.2,DNS:r2.lab.example" 20251101000000Z 20261101000000Z
leaf r2-revoked ca rsa r2-revoked.lab.example "IP:192.0.2.2,DNS:r2.lab.example" $V1 $V2
leaf r2-wrongid ca rsa r2-wrongid.lab.example "IP:192.0.2.99,DNS:other.lab.example" $V1 $V2
echo 20 > "$work/serial-other-ca"
leaf r2-unknown other-ca rsa r2-unknown.lab.example "IP:192.0.2.2,DNS:r2.lab.example" $V1 $V2
export CANAME=ca SAN=IP:0.0.0.0
openssl ca -batch -config ca.cnf -cert "$OUT/ca.pem" -keyfile "$work/ca.key" -revoke "$OUT/r2-revoked.pem" -crl_reason keyCompromise 2>/dev/null
# Revoked on 2026-11-10 (openssl writes the time it ran; the lab's clock is earlier than that).
sed -i -E 's/^R\t([0-9]+Z)\t[0-9]+Z,/R\t\1\t261110000000Z,/' "$work/index-ca.txt"
openssl ca -batch -config ca.cnf -cert "$OUT/ca.pem" -keyfile "$work/ca.key" -gencrl \
  -crl_lastupdate 20261101000000Z -crl_nextupdate 20361101000000Z -out "$OUT/crl.pem" 2>/dev/null
chmod 0644 "$OUT"/*.pem
chmod 0600 "$OUT"/*.TEST-ONLY.key
echo "lab PKI ready in $OUT"
