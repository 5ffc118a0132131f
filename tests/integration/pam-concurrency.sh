#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# pam_subid under contention, beside shadow's own tools: 64 pamtester sessions for 64 users with
# no ranges, released at once (a shared flock gate), while shadow's usermod -v/-w adds ranges to
# other users and useradd creates users (Debian's useradd allocates sub-ids when /etc/subuid
# exists), all on the same /etc/subuid and /etc/subgid. Afterwards: every user has exactly one
# line per file, no two ranges overlap, no line is lost (the lines from before byte for byte,
# every range usermod/useradd reported), every shadow tool succeeded (the lock protocols agree: a
# shadow tool that met our lock would fail with "cannot lock"), no lock, pid or temporary file
# is left, and both files parse. Three rounds, each on fresh files.
# shellcheck source=tests/lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"
# shellcheck source=tests/lib/pam-lib.sh
. "$(dirname "$0")/../lib/pam-lib.sh"
command -v flock >/dev/null 2>&1 || skip "flock is not installed"

N=${PAM_CONC_USERS:-64}
ROUNDS=${PAM_CONC_ROUNDS:-3}
JOBS=4   # parallel loops of usermod, and of useradd
NMOD=8   # usermod runs per loop, on MOD_USERS in turn
NADD=4   # useradd runs per loop
MOD_USERS=(nidcm0 nidcm1 nidcm2 nidcm3)

log_start

# The users, made while the files do not exist (useradd then gives them no ranges).
t0=$(date +%s%N)
USERS=()
for ((i = 0; i < N; i++)); do
	USERS+=("$(printf 'nidc%02d' "$i")")
	new_user "${USERS[i]}"
done
for u in "${MOD_USERS[@]}"; do new_user "$u"; done
echo "# $((N + ${#MOD_USERS[@]})) users made in $((($(date +%s%N) - t0) / 1000000)) ms"

pam_service "$PAM_SVC"

# Lines of other owners before each run: holes the first fit will fill between them, a
# uid-keyed line, and lines far away. usermod's ranges go above SUB_UID_MAX (800000000 on), where
# neither useradd nor the module allocates, as usermod -v does not check for overlaps.
BASE='keep1:100000:65536
keep2:300000:65536
4000000:400000:10
keep3:1000000:1
keep4:700000000:10
'

for ((r = 1; r <= ROUNDS; r++)); do
	D="$T_DIR/round$r"
	mkdir "$D"
	set_subuid "$BASE"
	set_subgid "$BASE"
	log_mark

	gate="$D/gate"
	: >"$gate"
	exec 8>"$gate"
	flock -x 8
	pids=()
	for u in "${USERS[@]}"; do
		(
			exec 8>&-
			flock -s "$gate" true
			rc=0
			pamtester "$PAM_SVC" "$u" open_session close_session >"$D/s.$u" 2>&1 || rc=$?
			echo "$rc" >"$D/s.$u.rc"
		) &
		pids+=("$!")
	done
	for ((j = 0; j < JOBS; j++)); do
		(
			exec 8>&-
			flock -s "$gate" true
			for ((k = j * NMOD; k < (j + 1) * NMOD; k++)); do
				u=${MOD_USERS[k % ${#MOD_USERS[@]}]}
				a=$((800000000 + ((r - 1) * JOBS * NMOD + k) * 1000))
				if usermod -v "$a-$((a + 999))" -w "$a-$((a + 999))" "$u" >"$D/m.$k" 2>&1; then
					echo "ok $u:$a:1000" >>"$D/usermod"
				else
					echo "fail $u:$a:1000 $(paste -sd ' ' "$D/m.$k")" >>"$D/usermod"
				fi
			done
		) &
		pids+=("$!")
		(
			exec 8>&-
			flock -s "$gate" true
			for ((k = j * NADD; k < (j + 1) * NADD; k++)); do
				u="nidca${r}x$k"
				if useradd -M -l -s /usr/sbin/nologin "$u" >"$D/a.$k" 2>&1; then
					echo "ok $u" >>"$D/useradd"
				else
					echo "fail $u $(paste -sd ' ' "$D/a.$k")" >>"$D/useradd"
				fi
			done
		) &
		pids+=("$!")
	done
	bg_saved=("${BG_PIDS[@]}")
	BG_PIDS+=("${pids[@]}")
	sleep 0.2
	t0=$(date +%s%N)
	flock -u 8
	exec 8>&-
	for p in "${pids[@]}"; do wait "$p" || true; done
	BG_PIDS=("${bg_saved[@]}")
	echo "# round $r: $N sessions, $((JOBS * NMOD)) usermod and $((JOBS * NADD)) useradd runs in $((($(date +%s%N) - t0) / 1000000)) ms"

	# How the writers interleaved: the order of the lines in /etc/subuid, s = a session's,
	# m = usermod's, a = useradd's.
	echo "# round $r: order of the writes: $(awk -F: '$1 ~ /^nidc[0-9]/ { printf "s" } $1 ~ /^nidcm/ { printf "m" } $1 ~ /^nidca/ { printf "a" }' /etc/subuid)"
	# Sessions: all succeeded (the module is optional, so this is pamtester's view).
	bad=
	for u in "${USERS[@]}"; do
		[ "$(cat "$D/s.$u.rc" 2>/dev/null)" = 0 ] || bad+=" $u($(paste -sd ' ' "$D/s.$u"))"
	done
	[ -z "$bad" ] && pass "round $r: $N pamtester sessions succeeded" || fail "round $r: $N pamtester sessions succeeded" "$bad"

	for f in subuid subgid; do
		# Exactly one line per session user.
		bad=
		for u in "${USERS[@]}"; do
			n=$(grep -c "^$u:" "/etc/$f" || true)
			[ "$n" = 1 ] || bad+=" $u:$n"
		done
		[ -z "$bad" ] && pass "round $r: /etc/$f: one line for each of the $N users" ||
			fail "round $r: /etc/$f: one line for each of the $N users" "users:lines$bad"
		# The lines from before, byte for byte.
		bad=
		while IFS= read -r l; do
			grep -qxF -- "$l" "/etc/$f" || bad+=" '$l'"
		done <<<"${BASE%$'\n'}"
		[ -z "$bad" ] && pass "round $r: /etc/$f: every line from before is there" ||
			fail "round $r: /etc/$f: every line from before is there" "lost:$bad"
		# usermod's ranges.
		bad=
		while read -r st l _; do
			[ "$st" = ok ] || continue
			[ "$(grep -cxF -- "$l" "/etc/$f" || true)" = 1 ] || bad+=" $l"
		done <"$D/usermod"
		[ -z "$bad" ] && pass "round $r: /etc/$f: every range usermod added is there once" ||
			fail "round $r: /etc/$f: every range usermod added is there once" "missing:$bad"
		# useradd's users: one line each.
		bad=
		while read -r st u _; do
			[ "$st" = ok ] || continue
			n=$(grep -c "^$u:" "/etc/$f" || true)
			[ "$n" = 1 ] || bad+=" $u:$n"
		done <"$D/useradd"
		[ -z "$bad" ] && pass "round $r: /etc/$f: one line for each user useradd made" ||
			fail "round $r: /etc/$f: one line for each user useradd made" "users:lines$bad"
		# No line more, none less.
		want=$(($(printf '%s' "$BASE" | grep -c .) + N + $(grep -c '^ok' "$D/usermod" || true) + $(grep -c '^ok' "$D/useradd" || true)))
		got=$(wc -l <"/etc/$f")
		[ "$got" = "$want" ] && pass "round $r: /etc/$f has $want lines" ||
			fail "round $r: /etc/$f has $want lines" "it has $got"
		e=$(parse_errors "/etc/$f")
		[ -z "$e" ] && pass "round $r: /etc/$f parses" || fail "round $r: /etc/$f parses" "$(printf '%s' "$e" | paste -sd '|')"
		o=$(overlaps "/etc/$f")
		[ -z "$o" ] && pass "round $r: /etc/$f: no two ranges overlap" ||
			fail "round $r: /etc/$f: no two ranges overlap" "$(printf '%s' "$o" | paste -sd '|')"
		check_owner_mode "round $r" "/etc/$f" root:root 644
	done

	# shadow's tools never met a lock they could not take.
	n=$(grep -c '^ok' "$D/usermod" || true)
	[ "$n" = "$((JOBS * NMOD))" ] && pass "round $r: all $((JOBS * NMOD)) usermod -v/-w runs succeeded" ||
		fail "round $r: all $((JOBS * NMOD)) usermod -v/-w runs succeeded" "$(grep -v '^ok' "$D/usermod" | paste -sd '|')"
	n=$(grep -c '^ok' "$D/useradd" || true)
	[ "$n" = "$((JOBS * NADD))" ] && pass "round $r: all $((JOBS * NADD)) useradd runs succeeded" ||
		fail "round $r: all $((JOBS * NADD)) useradd runs succeeded" "$(grep -v '^ok' "$D/useradd" | paste -sd '|')"
	check_no_leftovers "round $r"

	# The module logged each allocation at NOTICE, and no error.
	n=$(log_new | grep -F 'pam_subid(' | grep -c '^<85>' || true)
	[ "$n" = "$N" ] && pass "round $r: $N allocations logged at LOG_NOTICE" ||
		fail "round $r: $N allocations logged at LOG_NOTICE" "$n such lines"
	e=$(log_new | grep -F 'pam_subid(' | grep '^<8[0-3]>' || true)
	[ -z "$e" ] && pass "round $r: no error logged" || fail "round $r: no error logged" "$(printf '%s' "$e" | sed -n 1,5p | paste -sd '|')"
done

finish
