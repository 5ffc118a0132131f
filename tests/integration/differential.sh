#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Differential test: the same request through shadow's setuid helpers (Debian's /usr/bin/newuidmap
# and /usr/bin/newgidmap, package uidmap, called where they are installed) and through ours (copies
# of the built helpers carrying only cap_setuid / cap_setgid), each against a fresh
# `unshare -U sleep` of a throw-away user. Compared: the verdict (exit 0 or not) and the map the
# kernel shows afterwards in /proc/PID/uid_map or gid_map (plus /proc/PID/setgroups for newgidmap).
#
# Every request must give the same verdict and maps, except the few in KNOWN below, where ours
# deliberately differs: for those the test checks that each side does exactly what the table says.
# Shadow reads /etc/subuid by its real path, so all of /etc is a private overlay (clients-lib.sh).
# shellcheck source=tests/lib/clients-lib.sh
. "$(dirname "$0")/../lib/clients-lib.sh"

cl_require_root_userns
for h in /usr/bin/newuidmap /usr/bin/newgidmap; do
	[ -u "$h" ] && [ "$(stat -c %U "$h")" = root ] || skip "$h is not shadow's setuid-root helper (install the uidmap package)"
done
cl_enter_private_etc "$@"

OURS=$CL_TMP/ours
cl_install_ours "$OURS"

# Throw-away users: dfa is the caller, dfb someone else; dfx a group that is not dfa's primary one.
read -r UA GA < <(cl_add_user nidt-dfa)
read -r UB GB < <(cl_add_user nidt-dfb)
GX=$(cl_add_group nidt-dfx)
cp /etc/login.defs "$CL_TMP/login.defs"
cp /etc/passwd "$CL_TMP/passwd"

# Placeholders usable in the tables: @UA @GA (dfa's uid, primary gid) @UB @GB @GX, @SP (a blank
# inside one argument), @MANYn (n triples "i 100000+i 1").
subst()
{
	local s=$1
	s=${s//@UA/$UA}
	s=${s//@GA/$GA}
	s=${s//@UB/$UB}
	s=${s//@GB/$GB}
	s=${s//@GX/$GX}
	printf '%s' "${s//@SP/ }"
}

# The sub-id files. Owners are dfa by name and by number, other users, a group name, and lines
# that look like dfa but are not (leading blank, '#', leading zero on the uid).
write_std()
{
	subst 'nidt-dfa:100000:1000
nidt-dfa:101000:1000
@UA:200000:500
nidt-dfb:300000:65536
nidt-dfa:400000:100
nidt-dfa:400050:100
@SPnidt-dfa:600000:10
#nidt-dfa:700000:10
0@UA:800000:10
@UB:900000:10
nidt-dfx:500000:10
nidt-dfa:4294966295:1000
' >"$1"
}

current_files=
set_files()
{
	[ "$1" = "$current_files" ] && return 0
	rm -f /etc/subuid /etc/subgid /etc/subid.real
	cp "$CL_TMP/login.defs" /etc/login.defs
	cp "$CL_TMP/passwd" /etc/passwd
	case $1 in
	std)
		write_std /etc/subuid
		write_std /etc/subgid
		;;
	aux)
		write_std /etc/subuid
		write_std /etc/subgid
		echo 'GRANT_AUX_GROUP_SUBIDS yes' >>/etc/login.defs
		;;
	root0) # a file that grants dfa host id 0
		printf 'nidt-dfa:0:10\n' >/etc/subuid
		printf 'nidt-dfa:0:10\n' >/etc/subgid
		;;
	odd) # numbers in other notations, a CRLF line, and a last line without its newline
		printf 'nidt-dfa:0100000:10\nnidt-dfa:0x30000:10\nnidt-dfa:+150000:10\nnidt-dfa: 155000:10\nnidt-dfa:160000:10\r\nnidt-dfa:170000:10' >/etc/subuid
		cp /etc/subuid /etc/subgid
		;;
	symlink) # valid content, but reached through a symbolic link
		write_std /etc/subid.real
		ln -s subid.real /etc/subuid
		ln -s subid.real /etc/subgid
		;;
	alias) # nidt-dfa2 is another name of dfa's uid, listed after it (shadow's find_range() 2nd pass)
		printf 'nidt-dfa2:x:%s:%s::/nonexistent:/usr/sbin/nologin\n' "$UA" "$GA" >>/etc/passwd
		subst 'nidt-dfa2:100000:1000
nidt-dfa:101000:1000
nidt-dfb:300000:65536
nidt-dfa2:400000:100
nidt-nosuchuser:500000:10
nidt-dfa2:4294966295:1000
@UB:700000:10
' >/etc/subuid
		cp /etc/subuid /etc/subgid
		;;
	aliasfirst) # nidt-dfa0, another name of dfa's uid, listed first: getpwuid() names dfa so
		awk -v l="nidt-dfa0:x:$UA:$GA::/nonexistent:/usr/sbin/nologin" '/^nidt-dfa:/ { print l } { print }' \
			"$CL_TMP/passwd" >/etc/passwd
		printf 'nidt-dfa:100000:1000\nnidt-dfa0:101000:10\n' >/etc/subuid
		cp /etc/subuid /etc/subgid
		;;
	none) ;;
	*) bail_out "unknown file set $1" ;;
	esac
	chmod 0644 /etc/login.defs /etc/subuid /etc/subgid 2>/dev/null || true
	current_files=$1
}

# name | tool (u newuidmap, g newgidmap) | who | files | arguments after the pid
# who: a = dfa with its primary gid, target dfa's; x = dfa with gid dfx, target the same;
#      a>b = dfa, target owned by dfb; r = root, root's target; a/deny = dfa, target's setgroups
#      already "deny".
REQUESTS='
u-single            |u|a     |std    |0 100000 1000
u-single-inside     |u|a     |std    |5 100500 10
u-multi             |u|a     |std    |0 100000 10 10 100100 10 20 101500 5
u-touching-lines    |u|a     |std    |0 100000 2000
u-touching-plus-one |u|a     |std    |0 100000 2001
u-overlapping-lines |u|a     |std    |0 400000 150
u-overlapping-over  |u|a     |std    |0 400000 151
u-numeric-owner     |u|a     |std    |0 200000 500
u-numeric-owner-over|u|a     |std    |0 200000 501
u-name-and-number   |u|a     |std    |0 100000 2000 2000 200000 500
u-self              |u|a     |std    |0 @UA 1
u-self-inner-5      |u|a     |std    |5 @UA 1
u-self-plus-range   |u|a     |std    |0 @UA 1 1 100000 1000
u-self-count-2      |u|a     |std    |0 @UA 2
u-self-no-file      |u|a     |none   |0 @UA 1
u-range-no-file     |u|a     |none   |0 100000 1
u-other-uid         |u|a     |std    |0 @UB 1
u-other-range       |u|a     |std    |0 300000 1
u-other-numeric     |u|a     |std    |0 900000 1
u-blank-owner       |u|a     |std    |0 600000 1
u-hash-owner        |u|a     |std    |0 700000 1
u-zero-padded-owner |u|a     |std    |0 800000 1
u-group-name-owner  |u|a     |std    |0 500000 1
u-partly-below      |u|a     |std    |0 99999 2
u-partly-above      |u|a     |std    |0 101999 2
u-second-partly-out |u|a     |std    |0 100000 10 10 101995 10
u-count-0           |u|a     |std    |0 100000 0
u-top-of-id-space   |u|a     |std    |0 4294966295 1000
u-overflow-2^32     |u|a     |std    |0 4294966295 1001
u-outer-4294967295  |u|a     |std    |0 4294967295 1
u-outer-2^32        |u|a     |std    |0 4294967296 1
u-outer-2^64        |u|a     |std    |0 18446744073709551616 1
u-inner-4294967294  |u|a     |std    |4294967294 100000 1
u-inner-wrap        |u|a     |std    |4294967295 100000 1
u-inner-count-wrap  |u|a     |std    |4294967290 100000 10
u-negative-outer    |u|a     |std    |0 -1 1
u-trailing-junk     |u|a     |std    |0 100000 1x
u-hex-outer         |u|a     |std    |0 0x186a0 1
u-octal-inner       |u|a     |std    |01 100000 1
u-plus-inner        |u|a     |std    |+1 100000 1
u-blank-inner       |u|a     |std    |@SP1 100000 1
u-overlap-inner     |u|a     |std    |0 100000 10 5 100100 10
u-overlap-outer     |u|a     |std    |0 100000 10 100 100005 10
u-missing-count     |u|a     |std    |0 100000
u-no-ranges         |u|a     |std    |
u-200-ranges        |u|a     |std    |@MANY200
u-341-ranges        |u|a     |std    |@MANY341
u-outer-0-granted   |u|a     |root0  |0 0 1
u-file-octal-start  |u|a     |odd    |0 32768 1
u-file-octal-literal|u|a     |odd    |0 100000 1
u-file-hex-start    |u|a     |odd    |0 196608 1
u-file-plus-start   |u|a     |odd    |0 150000 1
u-file-blank-start  |u|a     |odd    |0 155000 1
u-file-crlf-line    |u|a     |odd    |0 160000 1
u-file-no-newline   |u|a     |odd    |0 170000 10
g-file-crlf-line    |g|a     |odd    |0 160000 1
u-symlinked-file    |u|a     |symlink|0 100000 1
u-symlinked-self    |u|a     |symlink|0 @UA 1
u-aux-gid-refused   |u|x     |std    |0 100000 10
u-aux-gid-granted   |u|x     |aux    |0 100000 10
u-other-target      |u|a>b   |std    |0 100000 10
u-root-self         |u|r     |std    |0 0 1
u-root-no-range     |u|r     |std    |0 100000 1
g-single            |g|a     |std    |0 100000 1000
g-touching-lines    |g|a     |std    |0 100000 2000
g-numeric-owner     |g|a     |std    |0 200000 500
g-self              |g|a     |std    |0 @GA 1
g-self-plus-range   |g|a     |std    |0 @GA 1 1 100000 1000
g-self-no-file      |g|a     |none   |0 @GA 1
g-uid-as-gid        |g|a     |std    |0 @UA 1
g-other-gid         |g|a     |std    |0 @GB 1
g-other-range       |g|a     |std    |0 300000 1
g-group-name-owner  |g|a     |std    |0 500000 1
g-partly-above      |g|a     |std    |0 101999 2
g-count-0           |g|a     |std    |0 100000 0
g-overflow-2^32     |g|a     |std    |0 4294967295 1
g-deny-already-self |g|a/deny|std    |0 @GA 1
g-deny-already-range|g|a/deny|std    |0 100000 10
g-aux-gid-refused   |g|x     |std    |0 @GX 1
g-aux-self          |g|x     |aux    |0 @GX 1
g-aux-primary-self  |g|x     |aux    |0 @GA 1
g-outer-0-granted   |g|a     |root0  |0 0 1
g-octal-outer       |g|a     |std    |0 0303240 10
g-symlinked-self    |g|a     |symlink|0 @GA 1
u-alias-line        |u|a     |alias  |0 100000 1000
u-alias-inside      |u|a     |alias  |7 100500 10
u-alias-then-name   |u|a     |alias  |0 100000 2000
u-alias-then-name+1 |u|a     |alias  |0 100000 2001
u-alias-multi       |u|a     |alias  |0 101000 10 10 400000 100 110 100000 5
u-alias-over        |u|a     |alias  |0 400000 101
u-alias-other-user  |u|a     |alias  |0 300000 1
u-alias-unknown     |u|a     |alias  |0 500000 1
u-alias-numeric-b   |u|a     |alias  |0 700000 1
u-alias-top         |u|a     |alias  |0 4294966295 1000
u-alias-self        |u|a     |alias  |0 @UA 1
g-alias-line        |g|a     |alias  |0 100000 1000
g-alias-self-range  |g|a     |alias  |0 @GA 1 1 100000 10
g-alias-other-user  |g|a     |alias  |0 300000 1
u-aliasfirst-name   |u|a     |aliasfirst|0 100000 1000
u-aliasfirst-alias  |u|a     |aliasfirst|0 101000 10
u-aliasfirst-both   |u|a     |aliasfirst|0 100000 1010
g-aliasfirst-name   |g|a     |aliasfirst|0 100000 1000
'

# Where ours deliberately differs. name | shadow gives | ours gives | why
# A side is "ok=MAP" (exit 0, map as cl_map prints it, then ";setgroups" for newgidmap),
# "fail~ERE" (exit non-zero, nothing written, stderr matches ERE) or "silent" (exit non-zero,
# nothing written, nothing on stderr).
KNOWN='
u-hex-outer      |ok=0 100000 1          |fail~not a plain decimal|shadow 4.13 reads ids with strtoul base 0 (0x186a0 is 100000); ours takes only plain decimal
u-octal-inner    |ok=1 100000 1          |fail~not a plain decimal|shadow 4.13 reads 01 as octal 1; ours refuses a leading zero rather than guess
g-octal-outer    |ok=0 100000 10;allow   |fail~not a plain decimal|shadow reads 0303240 as octal 100000 and grants dfa 100000; ours refuses the leading zero
u-plus-inner     |ok=1 100000 1          |fail~not a plain decimal|strtoul skips a leading "+"; ours takes only digits
u-blank-inner    |ok=1 100000 1          |fail~not a plain decimal|strtoul skips leading blanks; ours takes only digits
u-outer-0-granted|ok=0 0 1               |fail~maps host uid 0  |Debian shadow writes with full root capabilities, so a file granting host uid 0 makes it mappable; ours never maps host id 0 for a non-root caller
g-outer-0-granted|ok=0 0 1;allow         |fail~maps host gid 0  |the same for host gid 0
u-file-octal-start|ok=0 32768 1         |fail~malformed lines?, the first at line 1: start is not a plain decimal|shadow 4.13 reads /etc/subuid numbers with strtoul base 0 too, so the line "0100000" grants 32768; ours skips such a line as malformed and says so
u-file-hex-start |ok=0 196608 1          |fail~malformed lines?.*not a plain decimal|the same for a hex start (0x30000)
u-file-plus-start|ok=0 150000 1          |fail~malformed lines?.*not a plain decimal|the same for a start with a leading "+"
u-file-blank-start|ok=0 155000 1         |fail~malformed lines?.*not a plain decimal|the same for a start with a leading blank
u-symlinked-file |silent                 |fail~symbolic link    |verdict is the same; shadow 4.13 opens /etc/subuid with O_NOFOLLOW and exits 1 without a word (shadow #1253); ours says why
g-symlinked-self |silent                 |fail~symbolic link    |the same for /etc/subgid; shadow does not even reach the self-map check
u-overlap-inner  |fail~write to uid_map failed: Invalid argument|fail~overlap|verdict is the same; shadow leaves overlapping inner ranges to the kernel (EINVAL from the write); ours refuses before writing and names the ranges
'

# show_result RESULT: a result for the log, long maps cut.
show_result()
{
	local r=$1 n
	if [ "${#r}" -gt 100 ]; then
		n=$(tr -cd , <<<"$r" | wc -c)
		r="${r:0:60}... ($((n + 1)) triples)"
	fi
	printf '%s' "$r"
}

field() # trim
{
	local s=$1
	s=${s#"${s%%[![:space:]]*}"}
	printf '%s' "${s%"${s##*[![:space:]]}"}"
}

# run HELPER TOOL WHO ARGS...: one request against a fresh target; sets RES to "ok=MAP" or
# "fail=MAP" (MAP as in KNOWN) and leaves the helper's stderr in $CL_TMP/err.
request()
{
	local helper=$1 tool=$2 who=$3 cuid=$UA cgid=$GA tuid=$UA tgid=$GA deny=() rc=0 out
	shift 3
	case $who in
	a) ;;
	x) cgid=$GX tgid=$GX ;;
	'a>b') tuid=$UB tgid=$GB ;;
	r) cuid=0 cgid=0 tuid=0 tgid=0 ;;
	a/deny) deny=(deny) ;;
	*) bail_out "unknown who $who" ;;
	esac
	cl_start_target "$tuid" "$tgid" "${deny[@]}"
	setpriv --reuid "$cuid" --regid "$cgid" --clear-groups "$helper" "$CL_PID" "$@" >/dev/null 2>"$CL_TMP/err" || rc=$?
	if [ "$tool" = u ]; then
		out=$(cl_map "/proc/$CL_PID/uid_map")
	else
		out="$(cl_map "/proc/$CL_PID/gid_map");$(cat "/proc/$CL_PID/setgroups")"
	fi
	cl_stop_target "$CL_PID"
	if [ "$rc" = 0 ]; then RES="ok=$out"; else RES="fail=$out"; fi
}

# matches SPEC RESULT STDERR-FILE: whether one side did what a KNOWN spec says.
matches()
{
	local spec=$1 res=$2 errf=$3
	case $spec in
	ok=*) [ "$res" = "$spec" ] ;;
	fail~*) [[ $res == fail=-* ]] && grep -Eq -- "${spec#fail~}" "$errf" ;;
	silent) [[ $res == fail=-* ]] && [ ! -s "$errf" ] ;;
	*) bail_out "bad spec $spec" ;;
	esac
}

declare -A known_shadow known_ours known_why
while IFS='|' read -r name s o why; do
	name=$(field "$name")
	[ -n "$name" ] || continue
	known_shadow[$name]=$(subst "$(field "$s")")
	known_ours[$name]=$(subst "$(field "$o")")
	known_why[$name]=$(field "$why")
done <<<"$KNOWN"

declare -A seen
while IFS='|' read -r name tool who files args; do
	name=$(field "$name")
	[ -n "$name" ] || continue
	tool=$(field "$tool") who=$(field "$who") files=$(field "$files")
	seen[$name]=1
	set_files "$files"
	argv=()
	read -ra words <<<"$args"
	for a in "${words[@]}"; do
		if [[ $a == @MANY* ]]; then
			for ((i = 0; i < ${a#@MANY}; i++)); do argv+=("$i" $((100000 + i)) 1); done
		else
			argv+=("$(subst "$a")")
		fi
	done
	if [ "$tool" = u ]; then shadow=/usr/bin/newuidmap ours=$OURS/newuidmap; else shadow=/usr/bin/newgidmap ours=$OURS/newgidmap; fi
	request "$shadow" "$tool" "$who" "${argv[@]}"
	rs=$RES
	cp "$CL_TMP/err" "$CL_TMP/err.shadow"
	request "$ours" "$tool" "$who" "${argv[@]}"
	ro=$RES
	cp "$CL_TMP/err" "$CL_TMP/err.ours"
	if [ -n "${known_shadow[$name]:-}" ]; then
		if matches "${known_shadow[$name]}" "$rs" "$CL_TMP/err.shadow" && matches "${known_ours[$name]}" "$ro" "$CL_TMP/err.ours"; then
			pass "$name: known difference as documented (shadow $(show_result "$rs"), ours $(show_result "$ro")): ${known_why[$name]}"
			continue
		fi
		why="known difference not as documented: expected shadow '${known_shadow[$name]}' ours '${known_ours[$name]}'"
	elif [ "$rs" = "$ro" ]; then
		pass "$name: same ($(show_result "$rs"))"
		continue
	else
		why="differ"
	fi
	fail "$name: shadow and ours agree" "$why
shadow: $(show_result "$rs")  stderr: $(head -c 300 "$CL_TMP/err.shadow" | tr '\n' ' ')
ours:   $(show_result "$ro")  stderr: $(head -c 300 "$CL_TMP/err.ours" | tr '\n' ' ')"
done <<<"$REQUESTS"

for name in "${!known_shadow[@]}"; do
	if [ -z "${seen[$name]:-}" ]; then
		fail "$name: a known difference has its request" "listed as a known difference but no such request"
	fi
done

finish
