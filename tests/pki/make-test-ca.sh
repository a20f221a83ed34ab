#!/usr/bin/env bash
# make-test-ca.sh OUTDIR - a test PKI made with openssl at test time:
#   ca.pem/ca.key             "Edgesh Test CA" (RSA 2048), the trust anchor
#   other-ca.pem              "Other CA", a CA nobody trusts
#   left-rsa, left-ec         edgesh's certificates (RSA 2048, ECDSA P-256), SAN IP 192.0.2.1, DNS left.example
#   right-rsa, right-ec       the peer's (RSA 2048, ECDSA P-384), SAN IP 192.0.2.2, DNS right.example
#   right-expired             valid 2020-01-01 to 2021-01-01 only (left-expired: edgesh's)
#   right-wrongid             SAN IP 192.0.2.99 / other.example (not the peer's identity)
#   right-revoked             listed in crl.pem (signed by the CA)
#   right-unknown             issued by other-ca
# Each NAME has NAME.pem (certificate), NAME.key (PKCS#8 PEM, mode 0600),
# NAME.trad.key (PKCS#1 / SEC1 "traditional" PEM) and NAME.der.
# Dates are fixed (not "now") so the unit tests' clock can be fixed too.
set -euo pipefail
OUT=${1:?usage: make-test-ca.sh OUTDIR}
mkdir -p "$OUT"; cd "$OUT"
umask 077
cat > ca.cnf <<'CNF'
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = .
database = $dir/index-$ENV::CANAME.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial-$ENV::CANAME
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
default_crl_days = 3650
crl_extensions = crl_ext
[ policy_any ]
commonName = supplied
organizationName = optional
countryName = optional
[ crl_ext ]
authorityKeyIdentifier = keyid
[ v3_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_peer ]
basicConstraints = CA:false
keyUsage = digitalSignature, keyEncipherment
subjectAltName = $ENV::SAN
authorityKeyIdentifier = keyid
subjectKeyIdentifier = hash
CNF
mkdir -p newcerts
export SAN=IP:0.0.0.0
newca() { # name cn
  export CANAME=$1
  : > "index-$1.txt"; echo 1000 > "serial-$1"
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key" 2>/dev/null
  openssl req -new -key "$1.key" -subj "/C=US/O=Edgesh Test/CN=$2" -out "$1.csr"
  openssl ca -batch -config ca.cnf -selfsign -keyfile "$1.key" -in "$1.csr" -out "$1.pem" -notext \
    -extensions v3_ca -startdate 20250101000000Z -enddate 20450101000000Z 2>/dev/null
}
leaf() { # name ca keyspec cn san start end
  export CANAME=$2 SAN=$5
  case $3 in
    rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key" 2>/dev/null ;;
    p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" ;;
    p384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$1.key" ;;
  esac
  openssl pkey -in "$1.key" -traditional -out "$1.trad.key" 2>/dev/null || openssl pkey -in "$1.key" -out "$1.trad.key"
  openssl req -new -key "$1.key" -subj "/C=US/O=Edgesh Test/CN=$4" -out "$1.csr"
  openssl ca -batch -config ca.cnf -cert "$2.pem" -keyfile "$2.key" -in "$1.csr" -out "$1.pem" -notext \
    -extensions v3_peer -startdate "$6" -enddate "$7" 2>/dev/null
  openssl x509 -in "$1.pem" -outform DER -out "$1.der"
}
newca ca "Edgesh Test CA"
newca other-ca "Other CA"
openssl x509 -in ca.pem -outform DER -out ca.der
V1=20250101000000Z; V2=20450101000000Z
leaf left-rsa ca rsa left "IP:192.0.2.1,DNS:left.example" $V1 $V2
leaf left-ec ca p256 left-ec "IP:192.0.2.1,DNS:left.example" $V1 $V2
leaf right-rsa ca rsa right "IP:192.0.2.2,DNS:right.example,email:vpn@right.example" $V1 $V2
leaf right-ec ca p384 right-ec "IP:192.0.2.2,DNS:right.example" $V1 $V2
leaf right-expired ca rsa right-expired "IP:192.0.2.2,DNS:right.example" 20200101000000Z 20210101000000Z
leaf left-expired ca rsa left-expired "IP:192.0.2.1,DNS:left.example" 20200101000000Z 20210101000000Z
leaf right-wrongid ca rsa right-wrongid "IP:192.0.2.99,DNS:other.example" $V1 $V2
leaf right-revoked ca rsa right-revoked "IP:192.0.2.2,DNS:right.example" $V1 $V2
leaf right-unknown other-ca rsa right-unknown "IP:192.0.2.2,DNS:right.example" $V1 $V2
export CANAME=ca SAN=IP:0.0.0.0
openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -revoke right-revoked.pem 2>/dev/null
openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -gencrl -out crl.pem 2>/dev/null
openssl crl -in crl.pem -outform DER -out crl.der
rm -f ./*.csr
echo "test CA ready in $OUT"
