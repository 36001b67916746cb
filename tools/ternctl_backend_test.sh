#!/usr/bin/env bash
# ternctl's embedded-backend commands end to end on a temporary database: user add (display name,
# bad names, short password, a taken name), list (text and --json), check, passwd, app-password
# (printed once, logs in), del, backup and restore (content back, bad files refused and nothing
# changed), and the database named by a tern.conf's signaling.backend.database (an unknown key
# there is an error naming file, line and key). Usage: ternctl_backend_test.sh PATH/TO/ternctl
set -euo pipefail
CTL="$1"
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
DB="$T/data/backend.db"
fails=0
ok() { printf 'ok   %s\n' "$1"; }
bad() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }
# expect NAME STATUS COMMAND...: runs COMMAND (stdin from $IN), output in $OUT, checks the status.
IN=/dev/null
expect() {
  local name="$1" want="$2"; shift 2
  local got=0
  OUT="$("$@" <"$IN" 2>&1)" || got=$?
  if [[ "$got" == "$want" ]]; then ok "$name"; else bad "$name: exit $got, wanted $want: $OUT"; fi
}
has() { if grep -q -- "$2" <<<"$OUT"; then ok "$1"; else bad "$1: no '$2' in: $OUT"; fi; }
hasnt() { if grep -q -- "$2" <<<"$OUT"; then bad "$1: '$2' in: $OUT"; else ok "$1"; fi; }
ctl() { "$CTL" --db "$DB" "$@"; }

printf 'alice-password\n' >"$T/pw-alice"
printf 'bob-password\n' >"$T/pw-bob"
printf 'new-alice-password\n' >"$T/pw-alice2"
printf 'short\n' >"$T/pw-short"

IN="$T/pw-alice"; expect "add alice" 0 ctl user add alice --display-name "Alice Liddell"
has "add alice: says so" "added user alice"
[[ -f "$DB" ]] && ok "the database and its directory were created" || bad "no $DB"
[[ "$(stat -c %a "$DB")" == 600 ]] && ok "the database is mode 600" || bad "mode $(stat -c %a "$DB")"
IN="$T/pw-bob"; expect "add bob" 0 ctl user add bob
IN="$T/pw-bob"; expect "add Alice again: taken" 1 ctl user add Alice
has "taken: says so" "exists"
IN="$T/pw-bob"; expect "empty name" 2 ctl user add ""
IN="$T/pw-bob"; expect "overlong name" 2 ctl user add "$(printf 'a%.0s' {1..65})"
IN="$T/pw-bob"; expect "name with a space" 2 ctl user add "carol smith"
IN="$T/pw-short"; expect "short password" 2 ctl user add carol
has "short password: says why" "shorter than 8"
IN=/dev/null; expect "no password on stdin" 2 ctl user add carol
has "no password: says so" "no password on stdin"

IN=/dev/null; expect "list" 0 ctl user list
has "list: alice with her display name" "alice .*Alice Liddell"
has "list: bob" "^bob "
has "list: the count" "2 user(s)"
hasnt "list: not carol" "carol"
expect "list --json" 0 ctl --json user list
python3 -c 'import json,sys; u=json.loads(sys.argv[1]); assert [x["name"] for x in u]==["alice","bob"], u; assert u[0]["display_name"]=="Alice Liddell"' "$OUT" \
  && ok "list --json: the users" || bad "list --json: $OUT"

IN="$T/pw-alice"; expect "check alice's password" 0 ctl user check alice
IN="$T/pw-bob"; expect "check a wrong password" 1 ctl user check alice
has "wrong password: says so" "wrong user name or password"
IN="$T/pw-alice"; expect "check an unknown user" 1 ctl user check nobody

IN="$T/pw-alice2"; expect "passwd alice" 0 ctl user passwd alice
IN="$T/pw-alice"; expect "passwd: the old password is refused" 1 ctl user check alice
IN="$T/pw-alice2"; expect "passwd: the new one works" 0 ctl user check alice
IN="$T/pw-alice2"; expect "passwd of an unknown user" 1 ctl user passwd nobody
has "passwd unknown: names the user" "nobody"

IN=/dev/null
app="$(ctl user app-password bob --label matterbridge 2>/dev/null)"
[[ "$app" =~ ^[A-Za-z0-9_-]{43}$ ]] && ok "app-password: a 43-character token on stdout" || bad "app-password: '$app'"
printf '%s\n' "$app" >"$T/pw-app"
IN="$T/pw-app"; expect "app-password logs bob in" 0 ctl user check bob
IN="$T/pw-app"; expect "bob's app password is not alice's" 1 ctl user check alice
IN=/dev/null; expect "app-password for an unknown user" 1 ctl user app-password nobody
expect "list: bob has one app password" 0 ctl user list
has "list: the app password count" "^bob .* 1 "

expect "backup" 0 ctl backup "$T/backup.db"
[[ -s "$T/backup.db" && ! -e "$T/backup.db-wal" ]] && ok "backup: one self-contained file" || bad "backup file"
expect "del bob" 0 ctl user del bob
expect "del bob again" 1 ctl user del bob
IN="$T/pw-app"; expect "del: bob's app password is gone" 1 ctl user check bob
expect "list after del" 0 ctl user list
hasnt "list after del: no bob" "^bob "

printf 'not a database, just text %.0s' {1..200} >"$T/junk.db"
expect "restore junk: refused" 1 ctl restore "$T/junk.db"
expect "restore a missing file: refused" 1 ctl restore "$T/none.db"
expect "list after refused restores" 0 ctl user list
has "refused restores changed nothing" "1 user(s)"
expect "restore" 0 ctl restore "$T/backup.db"
expect "list after restore" 0 ctl user list
has "restore: bob is back" "^bob "
has "restore: two users" "2 user(s)"
IN="$T/pw-app"; expect "restore: bob's app password works again" 0 ctl user check bob

# The database from a tern.conf, and the checks on that group.
cat >"$T/tern.conf" <<CONF
dataplane = { ports = (); };
signaling = {
  hash_key_file = "/nonexistent/secret";
  backend = { database = "$T/conf/backend.db"; };
};
CONF
IN="$T/pw-alice"; expect "add with --config" 0 "$CTL" --config "$T/tern.conf" user add zoe
[[ -f "$T/conf/backend.db" ]] && ok "--config: the configured database" || bad "--config: no $T/conf/backend.db"
IN=/dev/null; expect "list with \$TERN_CONFIG" 0 env TERN_CONFIG="$T/tern.conf" "$CTL" user list
has "\$TERN_CONFIG: zoe is there" "^zoe "
cat >"$T/typo.conf" <<CONF
signaling = {
  backend = { databse = "$T/x.db"; };
};
CONF
expect "an unknown key in tern.conf" 2 "$CTL" --config "$T/typo.conf" user list
has "unknown key: file, line and key" "typo.conf:2: signaling.backend.databse: unknown key"
expect "a missing --config" 2 "$CTL" --config "$T/none.conf" user list
has "missing config: names it" "none.conf"
expect "user without a verb" 2 ctl user
expect "user frobnicate" 2 ctl user frobnicate x

echo "ternctl backend commands: $fails failure(s)"
((fails == 0))
