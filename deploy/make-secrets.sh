#!/bin/sh
# Makes every key, token and password a deployment of the hub needs, and the public files
# derived from them, in OUT (default deploy/secrets). See docs/deploy.md, "Secrets".
#
#   deploy/make-secrets.sh [OUT]
#
# Needs openssl and the `fyt` command (pip install the hub's wheel, or set FYT to a command
# that runs it, e.g. FYT="docker run --rm -v $PWD/deploy/secrets:/out -w /out fyt-hub:0.1.0").
# Settings read from the environment:
#   FYT_AUDIT_ORIGIN  the audit log's origin (HUB_AUDIT_ORIGIN of the hubs; default below)
#   FYT_COURTS        the courts whose orders the hub signs (default: 370602 370612)
#   FYT_WITNESS_NAME  the independent witness's key name (default below)
#   FYT_BANKS         the banks' codes, bank:<code>, in the order of their ports 7301, 7302, …
#                     (default: the demo's eight, as deploy/compose.yaml and deploy/k8s run them)
# It never overwrites a file that exists: run it again to add what is missing.
set -eu

OUT=${1:-deploy/secrets}
FYT=${FYT:-fyt}
ORIGIN=${FYT_AUDIT_ORIGIN:-fyt-hub.court.example/audit}
COURTS=${FYT_COURTS:-370602 370612}
WITNESS_NAME=${FYT_WITNESS_NAME:-witness.court.example/w1}
AGENCIES="public_security real_estate market_supervision social_security tax utilities"
BANKS=${FYT_BANKS:-102 103 104 105 301 403 308 313}

umask 077
mkdir -p "$OUT/hub" "$OUT/orders" "$OUT/postgres" "$OUT/witness" "$OUT/public" "$OUT/tools"

random() { openssl rand -base64 48 | tr -d '/+=\n' | cut -c1-"$1"; }
ed25519() { [ -e "$1" ] || openssl genpkey -algorithm ed25519 -out "$1"; }
once() { [ -e "$1" ] || { "$2" > "$1.new" && mv "$1.new" "$1"; }; }

password() { random 32; }
audit_key() { openssl rand -base64 32; }
token() { random 40; }

# The hub database's password: the hub's and PostgreSQL's copy.
once "$OUT/postgres/password" password
[ -e "$OUT/hub/db-password" ] || cp "$OUT/postgres/password" "$OUT/hub/db-password"

# The audit log: the master key (subject encryption, blind index) and the checkpoint key.
once "$OUT/hub/audit.key" audit_key
ed25519 "$OUT/hub/audit-signing-key.pem"

# The operator token of /metrics and /readyz.
once "$OUT/hub/ops.token" token

# Tokens: a signing key of the court's own for a trial without an identity provider (kept off
# the servers: only its public JWKS goes to the hubs). With HUB_JWT_JWKS_URL it is not needed.
if [ ! -e "$OUT/tools/jwt-signing-key.pem" ]; then
    HUB_JWT_PRIVATE_KEY="$OUT/tools/jwt-signing-key.pem" HUB_JWT_PUBLIC_KEYS="$OUT/hub/jwks.json" \
        $FYT keys generate >/dev/null
fi

# Orders: each court's signing key and each agency's receipt key.
for court in $COURTS; do ed25519 "$OUT/orders/court-$court.pem"; done
for agency in $AGENCIES; do
    ed25519 "$OUT/orders/agency-$agency.pem"
    mkdir -p "$OUT/agency-$agency"
    # the bearer token the agency service requires, and the hub's copy of it
    once "$OUT/agency-$agency/agency.token" token
    [ -e "$OUT/hub/agency-$agency.token" ] || cp "$OUT/agency-$agency/agency.token" "$OUT/hub/agency-$agency.token"
    # the key the agency service cosigns the hub's checkpoints with
    ed25519 "$OUT/agency-$agency/witness.pem"
done
# The banks, each like an agency: its receipt key (agency:bank:<code>, the colon written "-"),
# its service's token with the hub's copy, and its witness key.
for code in $BANKS; do
    ed25519 "$OUT/orders/agency-bank-$code.pem"
    mkdir -p "$OUT/bank-$code"
    once "$OUT/bank-$code/agency.token" token
    [ -e "$OUT/hub/bank-$code.token" ] || cp "$OUT/bank-$code/agency.token" "$OUT/hub/bank-$code.token"
    ed25519 "$OUT/bank-$code/witness.pem"
done
ed25519 "$OUT/witness/witness.pem"

# Public: the audit log's verifier key, and the witnesses the hubs send checkpoints to.
HUB_AUDIT_KEY_FILE="$OUT/hub/audit.key" HUB_AUDIT_SIGNING_KEY="$OUT/hub/audit-signing-key.pem" \
    HUB_AUDIT_ORIGIN="$ORIGIN" $FYT audit public-key > "$OUT/public/audit.vkey.new"
mv "$OUT/public/audit.vkey.new" "$OUT/public/audit.vkey"
{
    echo "# The witnesses of the hub's audit log (HUB_AUDIT_WITNESSES); made by deploy/make-secrets.sh"
    port=7101
    for agency in $AGENCIES; do
        vkey=$($FYT witness public-key --name "fyt-agency.local/$agency" --key "$OUT/agency-$agency/witness.pem")
        host=agency-$(echo "$agency" | tr _ -)
        printf '\n[[witness]]\nurl = "http://%s:%s"\nvkey = "%s"\n' "$host" "$port" "$vkey"
        port=$((port + 1))
    done
    port=7301
    for code in $BANKS; do
        vkey=$($FYT witness public-key --name "fyt-agency.local/bank:$code" --key "$OUT/bank-$code/witness.pem")
        printf '\n[[witness]]\nurl = "http://bank-%s:%s"\nvkey = "%s"\n' "$code" "$port" "$vkey"
        port=$((port + 1))
    done
    vkey=$($FYT witness public-key --name "$WITNESS_NAME" --key "$OUT/witness/witness.pem")
    printf '\n[[witness]]\nurl = "http://witness:7200"\nvkey = "%s"\n' "$vkey"
} > "$OUT/public/witnesses.toml"
chmod 0644 "$OUT/public/audit.vkey" "$OUT/public/witnesses.toml"
chmod 0755 "$OUT/public"
echo "secrets in $OUT (private: every directory but public/); audit log verifier key: $(cat "$OUT/public/audit.vkey")"
