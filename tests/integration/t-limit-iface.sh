#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `limit RATE` accepts new connections up to the rate (and burst), the rest
# meet the policy; `iface NAME` narrows an exception to one interface.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
listen_tcp "$HOST" 2222
listen_tcp "$HOST" 3000
listen_tcp "$HOST" 3001
fwd_start

fwc_ok "limit 1/minute burst 2 in proto tcp port 2222" add limit 1/minute burst 2 in proto tcp port 2222
fwc_ok "allow in proto tcp port 3000 iface veth0" allow in proto tcp port 3000 iface veth0
fwc_ok "allow in proto tcp port 3001 iface other0" allow in proto tcp port 3001 iface other0

expect_tcp "limit: connection 1 accepted" "$PEER" "$H4" 2222 open
expect_tcp "limit: connection 2 accepted (burst)" "$PEER" "$H4" 2222 open
expect_tcp "limit: connection 3 over the rate is dropped" "$PEER" "$H4" 2222 filtered
expect_many \
	"iface veth0: 3000 open|tcp|$PEER|$H4|3000|open" \
	"iface veth0: 3000/v6 open|tcp|$PEER|$H6|3000|open" \
	"iface other0: 3001 filtered on veth0|tcp|$PEER|$H4|3001|filtered"

t_done
