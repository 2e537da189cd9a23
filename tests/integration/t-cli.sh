#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# fwctl without a daemon: exit 3 and a message that names the socket and
# says what to do; usage errors exit 2. Needs no root and no namespaces.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_binaries
T=$(mktemp -d "/tmp/fwt-$TEST_NAME.XXXXXX")
trap cleanup EXIT

"$FWCTL" --socket "$T/nowhere.sock" status >"$T/out" 2>"$T/err"
expect_eq "no daemon: exit 3" 3 "$?"
expect_match "message names the socket" "$T/nowhere.sock" "$(cat "$T/err")"
expect_match "message says what to do" 'fwd.*running|start' "$(cat "$T/err")"
check_sanitizer_output "fwctl status"

FWD_SOCKET=$T/env.sock "$FWCTL" list >"$T/out" 2>"$T/err"
expect_eq "FWD_SOCKET honoured: exit 3" 3 "$?"
expect_match "message names \$FWD_SOCKET's path" "$T/env.sock" "$(cat "$T/err")"

: >"$T/plain"
"$FWCTL" --socket "$T/plain" status >"$T/out" 2>"$T/err"
expect_eq "socket path that is a plain file: exit 3" 3 "$?"

"$FWCTL" frobnicate >"$T/out" 2>"$T/err"
expect_eq "unknown command: exit 2" 2 "$?"
expect_match "unknown command is named" 'frobnicate' "$(cat "$T/err")"
check_sanitizer_output "fwctl frobnicate"

"$FWCTL" >"$T/out" 2>"$T/err"
expect_eq "no command: exit 2" 2 "$?"

"$FWCTL" --help >"$T/out" 2>&1
expect_match "--help lists the commands" 'status' "$(cat "$T/out")"

t_done noroundtrip
